#!/usr/bin/env python3
"""Compile the grading policies (policies.csv, policy-rules.csv) into C
tables (policies_data.c) for src/grade/policy.c.

Rules are data so that a policy change is a CSV diff. Everything a rule
names is checked here against the registries (flags, statuses, suite, group
and scheme names, versions): a misspelt rule would otherwise never match and
quietly rate a forbidden suite "ok".

Match syntax (conditions joined by " & ", all must hold):
  any | unknown
  flag:a|b   !flag:a|b      suite flags (any of), see gen_registry.SUITE_FLAGS
  status:a|b !status:a|b    group or signature-scheme status
  name=A|B   !name=A|B      IANA name (also code=, kx=, auth=, enc=, mode=,
                            type=, family=, hash=, version=, at=)
  strength<N strength>=N    suite strength bits (also security=, bits=,
                            version<TLSv1.2, at<TLSv1.3)

Usage: gen_policies.py OUT.c policies.csv policy-rules.csv suites.csv
                       groups.csv sigschemes.csv
"""
import csv
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_registry  # noqa: E402  (shared flag names and version numbers)

KINDS = {"version": "POL_VERSION", "suite": "POL_SUITE", "group": "POL_GROUP",
         "sigscheme": "POL_SIGSCHEME"}
RATINGS = {"recommended": "TP_RATING_RECOMMENDED", "ok": "TP_RATING_OK",
           "weak": "TP_RATING_WEAK", "deprecated": "TP_RATING_DEPRECATED",
           "forbidden": "TP_RATING_FORBIDDEN"}
COMBINE = {"set": "PC_SET", "worst": "PC_WORST", "base": "PC_BASE"}
VERSION_NAMES = {"SSLv2": 0x0200, "SSLv3": 0x0300, "TLSv1.0": 0x0301,
                 "TLSv1.1": 0x0302, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304,
                 "DTLSv1.0": 0xFEFF, "DTLSv1.2": 0xFEFD, "DTLSv1.3": 0xFEFC}
SEVERITIES = gen_registry.SEVERITIES + ("none",)

# field -> (C enum, kinds it applies to, value type)
FIELDS = {
    "flag": ("PF_FLAG", {"suite"}, "mask"),
    "status": ("PF_STATUS", {"group", "sigscheme"}, "mask"),
    "name": ("PF_NAME", {"suite", "group", "sigscheme"}, "str"),
    "code": ("PF_CODE", {"suite", "group", "sigscheme"}, "num"),
    "kx": ("PF_KX", {"suite"}, "str"),
    "auth": ("PF_AUTH", {"suite"}, "str"),
    "enc": ("PF_ENC", {"suite"}, "str"),
    "mode": ("PF_MODE", {"suite"}, "str"),
    "type": ("PF_TYPE", {"group"}, "str"),
    "family": ("PF_FAMILY", {"sigscheme"}, "str"),
    "hash": ("PF_HASH", {"sigscheme"}, "str"),
    "strength": ("PF_STRENGTH", {"suite"}, "int"),
    "security": ("PF_SECURITY", {"group"}, "int"),
    "bits": ("PF_BITS", {"suite", "group"}, "int"),
    "version": ("PF_VERSION", {"version"}, "version"),
    "at": ("PF_AT", {"suite"}, "version"),
}
COND_RE = re.compile(r"^(!?)([a-z]+)(:|=|<|>=)(.+)$")


class Registries:
    def __init__(self, suites, groups, sigschemes):
        self.values = {"suite": {}, "group": {}, "sigscheme": {}}
        for r in gen_registry.rows(suites):
            for col in ("iana_name", "alt_name"):
                if r[col]:
                    self.values["suite"].setdefault("name", set()).add(r[col])
            for col in ("kx", "auth", "enc", "mode"):
                self.values["suite"].setdefault(col, set()).add(r[col])
        for r in gen_registry.rows(groups):
            self.values["group"].setdefault("name", set()).add(r["iana_name"])
            self.values["group"].setdefault("type", set()).update({r["type"], "custom-dh"})
        for r in gen_registry.rows(sigschemes):
            self.values["sigscheme"].setdefault("name", set()).add(r["iana_name"] or r["name"])
            self.values["sigscheme"].setdefault("family", set()).add(r["family"])
            self.values["sigscheme"].setdefault("hash", set()).add(r["hash"])

    def check(self, kind, field, value, where):
        known = self.values.get(kind, {}).get(field)
        if known is not None and value not in known:
            sys.exit(f"gen_policies: {where}: no {kind} has {field} '{value}'")


def fail(where, msg):
    sys.exit(f"gen_policies: {where}: {msg}")


def mask(kind, values, where):
    names, prefix = ((gen_registry.SUITE_FLAGS, "TP_SF_") if kind == "suite" else
                     (gen_registry.GROUP_STATUS, "TP_GS_") if kind == "group" else
                     (gen_registry.SIG_STATUS, "TP_SS_"))
    for v in values:
        if v not in names:
            fail(where, f"unknown {kind} flag/status '{v}'")
    return " | ".join(prefix + v.upper().replace("-", "_") for v in values)


class Emitter:
    def __init__(self):
        self.lists = []

    def strs(self, values):
        name = "pol_strs_%d" % len(self.lists)
        body = ", ".join(gen_registry.cstr(v) for v in values)
        self.lists.append(f"static const char *const {name}[] = {{{body}, NULL}};")
        return name

    def nums(self, values):
        name = "pol_nums_%d" % len(self.lists)
        body = ", ".join("0x%X" % v for v in values)
        self.lists.append(f"static const uint32_t {name}[] = {{{body}}};")
        return name


def condition(text, kind, regs, emit, where):
    text = text.strip()
    if text in ("any", "unknown"):
        return "{%s, PO_IS, 0, NULL, NULL, 0}" % ("PF_ANY" if text == "any" else "PF_UNKNOWN")
    m = COND_RE.match(text)
    if not m:
        fail(where, f"cannot parse condition '{text}'")
    neg, field, op, value = m.groups()
    if field not in FIELDS:
        fail(where, f"unknown field '{field}'")
    cfield, kinds, vtype = FIELDS[field]
    if kind not in kinds:
        fail(where, f"field '{field}' does not apply to {kind} rules")
    alts = value.split("|")
    if vtype == "mask":
        if op != ":":
            fail(where, f"'{field}' takes ':'")
        return "{%s, %s, %s, NULL, NULL, 0}" % (cfield, "PO_NOT" if neg else "PO_IS",
                                                 mask(kind, alts, where))
    if op in ("<", ">="):
        if neg or len(alts) != 1 or vtype not in ("int", "version"):
            fail(where, f"'{text}' is not a numeric comparison")
        bound = VERSION_NAMES.get(value) if vtype == "version" else int(value, 0)
        if bound is None:
            fail(where, f"unknown version '{value}'")
        return "{%s, %s, %d, NULL, NULL, 0}" % (cfield, "PO_LT" if op == "<" else "PO_GE", bound)
    if op != "=" or vtype == "int":
        fail(where, f"'{field}' does not take '{op}'")
    pol_op = "PO_NOT" if neg else "PO_IS"
    if vtype == "version":
        nums = []
        for v in alts:
            if v not in VERSION_NAMES:
                fail(where, f"unknown version '{v}'")
            nums.append(VERSION_NAMES[v])
        return "{%s, %s, 0, NULL, %s, %d}" % (cfield, pol_op, emit.nums(nums), len(nums))
    if vtype == "num":
        nums = [int(v, 16) for v in alts]
        return "{%s, %s, 0, NULL, %s, %d}" % (cfield, pol_op, emit.nums(nums), len(nums))
    for v in alts:
        regs.check(kind, field, v, where)
    return "{%s, %s, 0, %s, NULL, 0}" % (cfield, pol_op, emit.strs(alts))


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    out_path, policies_csv, rules_csv = sys.argv[1:4]
    regs = Registries(*sys.argv[4:7])
    policies = gen_registry.rows(policies_csv)
    index = {p["name"]: i for i, p in enumerate(policies)}
    if len(index) != len(policies):
        sys.exit("gen_policies: duplicate policy name")
    rules = gen_registry.rows(rules_csv)
    emit = Emitter()
    rule_lines, slices = [], {}
    # Rows are grouped per policy but keep their file order within it: the
    # order is the meaning (first match wins).
    for pname in index:
        start = len(rule_lines)
        for n, r in enumerate(rules, start=2):
            if r["policy"] not in index:
                fail(f"{rules_csv}:{n}", f"unknown policy '{r['policy']}'")
            if r["policy"] != pname:
                continue
            where = f"{os.path.basename(rules_csv)}:{n}"
            kind = r["kind"]
            if kind not in KINDS:
                fail(where, f"unknown kind '{kind}'")
            combine = r["combine"] or "set"
            if combine not in COMBINE:
                fail(where, f"unknown combine '{combine}'")
            if combine != "set" and not policies[index[pname]]["base"]:
                fail(where, f"'{combine}' needs a policy with a base")
            if combine == "base":
                rating = "TP_RATING_UNRATED"
            elif r["rating"] in RATINGS:
                rating = RATINGS[r["rating"]]
            else:
                fail(where, f"unknown rating '{r['rating']}'")
            if combine != "base" and not (r["reason"] and r["reference"]):
                fail(where, "a rating needs a reason and a reference")
            conds = [condition(c, kind, regs, emit, where) for c in r["match"].split("&")]
            if len(conds) > 4:
                fail(where, "more than 4 conditions")
            rule_lines.append("    {%d, %s, %s, %d, %d, %s, {%s}, %s, %s}," % (
                index[pname], KINDS[kind], COMBINE[combine],
                1 if r["outside"] == "Y" else 0, len(conds), rating, ", ".join(conds),
                gen_registry.cstr(r["reason"]), gen_registry.cstr(r["reference"])))
        slices[pname] = (start, len(rule_lines) - start)
    pol_lines = []
    for p in policies:
        if p["base"] and p["base"] not in index:
            sys.exit(f"gen_policies: policy {p['name']}: unknown base '{p['base']}'")
        sevs = []
        for col in ("sev_no_tls13", "sev_no_server_order", "sev_no_pfs"):
            if p[col] not in SEVERITIES:
                sys.exit(f"gen_policies: policy {p['name']}: bad {col} '{p[col]}'")
            sevs.append("TP_SEV_" + p[col].upper())
        start, count = slices[p["name"]]
        if count == 0 and not p["base"]:
            sys.exit(f"gen_policies: policy {p['name']} has no rules")
        pol_lines.append("    {%s, %s, %s, %d, %d, %s, %s, %s, %d, %d}," % (
            gen_registry.cstr(p["name"]), gen_registry.cstr(p["title"]),
            gen_registry.cstr(p["reference"]), index[p["base"]] if p["base"] else -1,
            1 if p["tls12_required"] == "Y" else 0, sevs[0], sevs[1], sevs[2], start, count))
    lines = ["/* Generated by src/data/gen_policies.py from policies.csv and "
             "policy-rules.csv. Do not edit. */",
             '#include "grade/policy_table.h"', '#include "wire/registry.h"', ""]
    lines += emit.lists + [""]
    lines += ["const struct pol_rule tp_policy_rules[] = {"] + rule_lines + ["};",
              "const size_t tp_policy_rules_count = "
              "sizeof tp_policy_rules / sizeof tp_policy_rules[0];", ""]
    lines += ["const struct pol_info tp_policies[] = {"] + pol_lines + ["};",
              "const size_t tp_policies_count = sizeof tp_policies / sizeof tp_policies[0];",
              ""]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
