#!/usr/bin/env python3
"""Compile the CSV tables in src/data/ into C arrays (registry_data.c).

The CSVs are the project's data, copied from shared/data (IANA-derived; see
PROVENANCE.md there). Keeping them as data and generating the C means a
registry update is a CSV diff, never a hand-edited array.

Usage: gen_registry.py OUT.c suites.csv groups.csv sigschemes.csv
                       extensions.csv links.csv findings.csv
"""
import csv
import sys

VERSIONS = {"": 0, "SSLv2": 0x0200, "SSLv3": 0x0300, "TLS1.0": 0x0301,
            "TLS1.1": 0x0302, "TLS1.2": 0x0303, "TLS1.3": 0x0304}
SUITE_FLAGS = ("ssl2 tls13 scsv grease export null anon rc4 rc2 des 3des idea "
               "seed camellia aria gost sm4 block64 cbc ccm8 sha1 md5 aead pfs "
               "static_rsa static_dh psk srp krb5 non_iana draft private_use").split()
GROUP_STATUS = ("weak deprecated-rfc8422 iana-discouraged iana-recommended "
                "obsolete-draft explicit-curve post-quantum grease").split()
SIG_STATUS = ("weak-hash legacy-hash dsa tls13-client-auth-only "
              "iana-recommended post-quantum").split()
SEVERITIES = ("info", "low", "medium", "high", "critical")


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def cstr(s):
    if s is None or s == "":
        return "NULL"
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + out + '"'


def bits(values, names, prefix, what):
    mask = []
    for v in (x.strip() for x in values.split(";")):
        if not v:
            continue
        if v not in names:
            sys.exit(f"gen_registry: unknown {what} '{v}'")
        mask.append(prefix + v.upper().replace("-", "_"))
    return " | ".join(mask) if mask else "0"


def integer(s, default=0):
    s = (s or "").strip()
    if not s:
        return default
    return int(s, 0)


def sorted_unique(table, key, what):
    """The rows in key order: registry.c looks codes up by binary search.
    A key present twice would make the lookup ambiguous: refuse it."""
    out = sorted(table, key=key)
    for a, b in zip(out, out[1:]):
        if key(a) == key(b):
            sys.exit(f"gen_registry: duplicate {what} {key(a)!r}")
    return out


def suite_key(r):
    """(wire_len, code): TLS suites, then SSL 2.0 cipher kinds."""
    return (3 if "ssl2" in r["flags"].split(";") else 2, int(r["value"], 16))


def suites(path):
    out = ["const struct tp_suite_info tp_suites[] = {"]
    for r in sorted_unique(rows(path), suite_key, "cipher suite"):
        wire_len, code = suite_key(r)
        out.append("    {0x%06X, %d, %s, %s, %s, %s, %s, %s, %s, %s, %d, %d, %d, %s, 0x%04X, 0x%04X, '%s', %s}," % (
            code, wire_len, cstr(r["iana_name"]), cstr(r["openssl_name"]),
            cstr(r["gnutls_name"]), cstr(r["alt_name"]), cstr(r["kx"]),
            cstr(r["auth"]), cstr(r["enc"]), cstr(r["mode"]),
            integer(r["key_bits"]), integer(r["strength_bits"]),
            integer(r["block_bits"]), cstr(r["mac"]),
            VERSIONS[r["min_version"]], VERSIONS[r["max_version"]],
            (r["iana_recommended"] or "-")[0],
            bits(r["flags"], SUITE_FLAGS, "TP_SF_", "suite flag")))
    out.append("};")
    out.append("const size_t tp_suites_count = sizeof tp_suites / sizeof tp_suites[0];")
    return out


def groups(path):
    out = ["const struct tp_group_info tp_groups[] = {"]
    for r in sorted_unique(rows(path), lambda r: int(r["value"]), "group"):
        out.append("    {0x%04X, %s, %s, %d, %d, %d, %s, %s, '%s', %s}," % (
            int(r["value"]), cstr(r["iana_name"]), cstr(r["type"]),
            integer(r["security_bits"]), integer(r["keyshare_client_bytes"]),
            integer(r["keyshare_server_bytes"]), cstr(r["openssl30_name"]),
            cstr(r["gnutls_name"]), (r["iana_recommended"] or "-")[0],
            bits(r["status"], GROUP_STATUS, "TP_GS_", "group status")))
    out.append("};")
    out.append("const size_t tp_groups_count = sizeof tp_groups / sizeof tp_groups[0];")
    return out


def sigschemes(path):
    out = ["const struct tp_sigscheme_info tp_sigschemes[] = {"]
    for r in sorted_unique(rows(path), lambda r: int(r["value"], 16), "signature scheme"):
        status = r["status"]
        out.append("    {0x%04X, %s, %s, %s, %s, %s, '%s', %s}," % (
            int(r["value"], 16), cstr(r["iana_name"] or r["name"]),
            cstr(r["family"]), cstr(r["hash"]), cstr(r["curve_or_params"]),
            cstr(r["gnutls_names"]), (r["iana_recommended"] or "-")[0],
            bits(status, SIG_STATUS, "TP_SS_", "signature scheme status")))
    out.append("};")
    out.append("const size_t tp_sigschemes_count = sizeof tp_sigschemes / sizeof tp_sigschemes[0];")
    return out


def extensions(path):
    out = ["const struct tp_extension_info tp_extensions[] = {"]
    for r in sorted_unique(rows(path), lambda r: int(r["value"]), "extension"):
        out.append("    {0x%04X, %s}," % (int(r["value"]), cstr(r["name"])))
    out.append("};")
    out.append("const size_t tp_extensions_count = sizeof tp_extensions / sizeof tp_extensions[0];")
    return out


def links(path):
    out = ["const struct tp_link_info tp_links[] = {"]
    for r in rows(path):
        out.append("    {%s, %s, %s, %s, %d, %d, %d, %d, %s, %s, %s, %s}," % (
            cstr(r["preset"]), cstr(r["description"]),
            repr(float(r["dl_kbps"])), repr(float(r["ul_kbps"])), integer(r["rtt_ms"]),
            integer(r["setup_ms"]), integer(r["mtu_bytes"]),
            integer(r["frame_payload_bytes"]),
            repr(float(r["loss_pct"] or 0)), repr(float(r["duty_cycle_pct"] or 0)),
            "true" if r["half_duplex"] == "Y" else "false",
            "true" if r["tls_practical"] == "Y" else "false"))
    out.append("};")
    out.append("const size_t tp_links_count = sizeof tp_links / sizeof tp_links[0];")
    return out


def findings(path):
    out = ["const struct tp_finding_info tp_finding_catalog[] = {"]
    seen = set()
    for r in rows(path):
        if r["id"] in seen:
            sys.exit(f"gen_registry: duplicate finding id {r['id']}")
        seen.add(r["id"])
        if r["severity"] not in SEVERITIES:
            sys.exit(f"gen_registry: bad severity for {r['id']}")
        out.append("    {%s, TP_SEV_%s, %s, %s}," % (
            cstr(r["id"]), r["severity"].upper(), cstr(r["title"]),
            cstr(r["reference"])))
    out.append("};")
    out.append("const size_t tp_finding_catalog_count = "
               "sizeof tp_finding_catalog / sizeof tp_finding_catalog[0];")
    return out


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    out_path = sys.argv[1]
    lines = ["/* Generated by src/data/gen_registry.py from the CSV files beside it. Do not edit. */",
             '#include "wire/registry.h"', '#include "grade/catalog.h"', ""]
    for fn, path in zip((suites, groups, sigschemes, extensions, links, findings),
                        sys.argv[2:]):
        lines += fn(path) + [""]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
