"""The documentation agrees with the program.

`tlsprobe --help` is printed from the option table in src/cli/options.c, so
it stands for the table. These tests check that the man page (options,
argument names, help text, groups, SYNOPSIS, finding ids), the JSON schema
page and the bash, zsh and fish completions name exactly the same options,
with the same arguments, in both directions: an option added to the table
but not documented fails, and so does a documented option the program does
not have.

Environment: TLSPROBE, the path of the tlsprobe executable (meson sets it).
"""

import csv
import os
import re
import shlex
import subprocess
from collections import namedtuple
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MAN1 = ROOT / "man" / "tlsprobe.1.scd"
MAN5 = ROOT / "man" / "tlsprobe-json.5.scd"
BASH = ROOT / "completions" / "bash" / "tlsprobe"
ZSH = ROOT / "completions" / "zsh" / "_tlsprobe"
FISH = ROOT / "completions" / "fish" / "tlsprobe.fish"
FINDINGS_CSV = ROOT / "src" / "data" / "findings.csv"

Option = namedtuple("Option", "long short arg help category")

# Values the completions offer; each must also be named in the option's
# --help text, so a value added to the parser shows up here as a failure.
VALUE_SETS = {
    "color": {"auto", "always", "never"},
    "fail-on": {"info", "low", "medium", "high", "critical", "none"},
    "tls-min": {"1.0", "1.1", "1.2", "1.3"},
    "tls-max": {"1.0", "1.1", "1.2", "1.3"},
    "starttls": {"smtp", "lmtp", "imap", "pop3", "ftp", "xmpp", "ldap", "postgres", "mysql",
                 "nntp", "sieve"},
}

# "  -h, --help    show ..." / "      --sni NAME    send ...". The left column
# is padded to 30 characters, so a long one is followed by a single space:
# argument names are upper case and help texts start in lower case, which is
# what tells them apart (options() insists on it).
HELP_LINE = re.compile(
    r"^  (?:-(?P<short>\w), |    )--(?P<long>[a-z0-9][a-z0-9-]*)"
    r"(?: (?P<arg>[A-Z][A-Z0-9_]*))?\s+(?P<help>\S.*)$")
LONG_TOKEN = re.compile(r"(?<![\w-])--([a-z0-9][a-z0-9-]*)")
SHORT_TOKEN = re.compile(r"(?<![\w-])-([A-Za-z0-9])(?![\w-])")


# --------------------------------------------------------------------------
# --help


def tlsprobe():
    path = os.environ.get("TLSPROBE")
    if not path:
        pytest.skip("TLSPROBE is not set: run through `meson test` or export "
                    "TLSPROBE=/path/to/build/src/tlsprobe")
    if not os.access(path, os.X_OK):
        pytest.fail(f"TLSPROBE={path} is not an executable", pytrace=False)
    return path


@pytest.fixture(scope="module")
def help_text():
    proc = subprocess.run([tlsprobe(), "--help"], capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def usage_line(help_text):
    first = help_text.splitlines()[0]
    assert first.startswith("Usage: "), first
    return first[len("Usage: "):]


@pytest.fixture(scope="module")
def options(help_text):
    """Every option in --help, by long name, with its group title."""
    found = {}
    category = None
    for line in help_text.splitlines():
        if re.match(r"^[A-Z][^:]*:$", line):
            category = line[:-1]
            continue
        m = HELP_LINE.match(line)
        if m:
            assert category is not None, f"option before any group: {line}"
            assert m["help"][0].islower(), f"--help text must start in lower case: {line!r}"
            found[m["long"]] = Option(m["long"], m["short"], m["arg"], m["help"], category)
        elif line.lstrip().startswith("-"):
            pytest.fail(f"cannot parse --help line: {line!r}")
    assert len(found) >= 10, "suspiciously few options parsed from --help"
    return found


def shorts_of(options):
    return {o.short for o in options.values() if o.short}


def with_arg(options):
    return {o.long for o in options.values() if o.arg}


# --------------------------------------------------------------------------
# scdoc helpers


def strip_markup(text):
    """scdoc text without bold, underline and escapes, spaces collapsed."""
    text = text.replace("\\", "").replace("*", "").replace("_", "")
    return " ".join(text.split())


def sections(path):
    """{title: [lines]} for the `# TITLE` sections of an scdoc page."""
    result, current = {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            current = line[2:].strip()
            result[current] = []
        elif current is not None:
            result[current].append(line)
    return result


def option_terms(lines):
    """[(group, term, description)] for the `*-x*, *--long* _ARG_` entries."""
    entries, group, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            group = line[3:].strip()
        if line.startswith("*-"):
            body = []
            i += 1
            while i < len(lines) and lines[i].startswith("\t"):
                body.append(lines[i].strip())
                i += 1
            entries.append((group, line, " ".join(body)))
            continue
        i += 1
    return entries


# --------------------------------------------------------------------------
# tlsprobe(1)


@pytest.fixture(scope="module")
def man1():
    return sections(MAN1)


def man1_options(man1):
    parsed = {}
    for group, term, body in option_terms(man1["OPTIONS"]):
        m = re.fullmatch(r"(?:-(?P<short>\w), )?--(?P<long>[a-z0-9-]+)(?: (?P<arg>\S+))?",
                         strip_markup(term))
        assert m, f"cannot parse man page option term {term!r}"
        assert m["long"] not in parsed, f"--{m['long']} documented twice"
        parsed[m["long"]] = Option(m["long"], m["short"], m["arg"], body, group)
    return parsed


def test_man_synopsis_is_the_usage_line(man1, usage_line):
    synopsis = strip_markup(" ".join(man1["SYNOPSIS"]))
    assert synopsis == usage_line


def test_man_options_match_help(man1, options):
    documented = man1_options(man1)
    assert set(documented) == set(options), (
        f"only in --help: {sorted(set(options) - set(documented))}; "
        f"only in the man page: {sorted(set(documented) - set(options))}")
    for name, opt in options.items():
        doc = documented[name]
        assert doc.short == opt.short, f"--{name}: short option differs"
        assert doc.arg == opt.arg, f"--{name}: argument name differs"
        assert doc.category == opt.category, f"--{name}: listed under another group"
        want = strip_markup(opt.help).rstrip(".")
        assert want in strip_markup(doc.help), (
            f"--{name}: man page text does not contain the --help text {opt.help!r}")


def test_man_groups_follow_help_order(man1, help_text):
    help_groups = [l[:-1] for l in help_text.splitlines() if re.match(r"^[A-Z][^:]*:$", l)]
    man_groups = [l[3:].strip() for l in man1["OPTIONS"] if l.startswith("## ")]
    assert man_groups == help_groups


def test_man_lists_every_finding(man1):
    with FINDINGS_CSV.open(encoding="utf-8") as f:
        catalog = {row["id"]: row["severity"] for row in csv.DictReader(f)}
    documented = {}
    for line in man1["FINDINGS"]:
        m = re.fullmatch(r"\*([a-z0-9-]+)\* \((\w+)\)", line)
        if m:
            documented[m[1]] = m[2]
    assert documented == catalog


def test_man_exit_status_table(man1):
    codes = [int(m[1]) for l in man1["EXIT STATUS"] if (m := re.fullmatch(r"\|\s+(\d+)", l))]
    assert codes == [0, 1, 2, 3, 4, 5]


# --------------------------------------------------------------------------
# tlsprobe-json(5)


def test_json_page_names_every_option(options):
    text = strip_markup(MAN5.read_text(encoding="utf-8"))
    for name, opt in options.items():
        assert re.search(rf"(?<![\w-])--{re.escape(name)}(?![\w-])", text), (
            f"--{name} is not mentioned in {MAN5.name}")
        if opt.short:
            assert re.search(rf"(?<![\w-])-{opt.short}(?![\w-])", text), (
                f"-{opt.short} is not mentioned in {MAN5.name}")


def test_json_page_options_section_matches_help(options):
    terms = option_terms(sections(MAN5)["OPTIONS"])
    longs, shorts = set(), set()
    for _, term, _ in terms:
        longs |= set(LONG_TOKEN.findall(term))
        shorts |= set(SHORT_TOKEN.findall(term))
    assert longs == set(options)
    assert shorts == shorts_of(options)


# --------------------------------------------------------------------------
# Completions


def bash_completion():
    """(longs, shorts, with_arg, {option: values}) from the bash script."""
    text = BASH.read_text(encoding="utf-8")

    def words(var):
        m = re.search(rf'local {var}="([^"]*)"', text)
        assert m, f"{BASH.name}: no {var} list"
        return m[1].split()

    longs = {w[2:] for w in words("long_opts")}
    shorts = {w[1:] for w in words("short_opts")}
    args = {w[2:] for w in words("with_arg")}
    values, arms = {}, set()
    for m in re.finditer(r"^\s*(--[\w-]+(?:\s*\|\s*--[\w-]+)*)\)\n(.*?);;", text, re.M | re.S):
        names = [n.strip()[2:] for n in m[1].split("|")]
        arms |= set(names)
        w = re.search(r'compgen -W "([^"]*)"', m[2])
        for n in names:
            values[n] = set(w[1].split()) if w else None
    assert arms <= args, f"{BASH.name}: value completion for options without argument: " \
        f"{sorted(arms - args)}"
    return longs, shorts, args, values


ZSH_SPEC = re.compile(
    r"^\s*'(?:\((?P<excl>[^)]*)\))?"
    r"(?:'\{(?P<brace>[^}]*)\}'|(?P<name>--?[\w-]+)(?P<eq>=?))"
    r"\[(?P<desc>[^\]]*)\](?P<rest>[^']*)'?$")


def zsh_completion():
    text = ZSH.read_text(encoding="utf-8")
    m = re.search(r"^args=\(\n(.*?)^\)", text, re.M | re.S)
    assert m, f"{ZSH.name}: no args=( ... ) array"
    longs, shorts, args, values, excluded = set(), set(), set(), {}, set()
    for line in m[1].splitlines():
        if not line.strip() or re.match(r"^\s*'\d+:", line):
            continue  # operand spec
        spec = ZSH_SPEC.match(line)
        assert spec, f"{ZSH.name}: cannot parse spec {line!r}"
        names = spec["brace"].split(",") if spec["brace"] else [spec["name"]]
        takes = spec["eq"] == "=" or spec["rest"].startswith(":")
        if spec["excl"]:
            excluded |= {t for t in spec["excl"].split() if t.startswith("-") and t != "-"}
        for n in names:
            if n.startswith("--"):
                longs.add(n[2:])
                if takes:
                    args.add(n[2:])
                v = re.search(r":\(([^)]*)\)$", spec["rest"])
                values[n[2:]] = set(v[1].split()) if v else None
            else:
                shorts.add(n[1:])
    for t in excluded:
        assert (t[2:] in longs) if t.startswith("--") else (t[1:] in shorts), (
            f"{ZSH.name}: exclusion list names unknown option {t}")
    return longs, shorts, args, values


def fish_completion():
    longs, shorts, args, values = set(), set(), set(), {}
    for line in FISH.read_text(encoding="utf-8").splitlines():
        if not line.startswith("complete "):
            continue
        tokens = shlex.split(line)
        assert tokens[1:3] == ["-c", "tlsprobe"], f"{FISH.name}: {line!r}"
        long = short = vals = None
        takes = False
        i = 3
        while i < len(tokens):
            t = tokens[i]
            if t in ("-l", "-s", "-a", "-d"):
                val = tokens[i + 1]
                if t == "-l":
                    long = val
                elif t == "-s":
                    short = val
                elif t == "-a":
                    vals = val
                i += 2
                continue
            if t in ("-r", "-x"):
                takes = True
            i += 1
        if long:
            longs.add(long)
            if takes:
                args.add(long)
            values[long] = set(vals.split()) if vals and "(" not in vals else None
        if short:
            shorts.add(short)
    return longs, shorts, args, values


COMPLETIONS = {
    "bash": bash_completion,
    "zsh": zsh_completion,
    "fish": fish_completion,
}


@pytest.mark.parametrize("shell", sorted(COMPLETIONS))
def test_completion_options_match_help(shell, options):
    longs, shorts, args, _ = COMPLETIONS[shell]()
    assert longs == set(options), (
        f"{shell}: missing {sorted(set(options) - longs)}, "
        f"unknown {sorted(longs - set(options))}")
    assert shorts == shorts_of(options), f"{shell}: short options differ"
    assert args == with_arg(options), f"{shell}: options taking an argument differ"


@pytest.mark.parametrize("shell", sorted(COMPLETIONS))
def test_completion_values(shell, options):
    _, _, _, values = COMPLETIONS[shell]()
    for name, expected in VALUE_SETS.items():
        for value in expected:
            assert value in options[name].help, (
                f"--{name}: value {value} is not in its --help text any more")
        assert values.get(name) == expected, f"{shell}: values for --{name}"


@pytest.mark.parametrize("path", [BASH, ZSH, FISH], ids=lambda p: p.name)
def test_completion_files_mention_every_option(path, options):
    """The plain-text check, independent of the parsers above."""
    text = path.read_text(encoding="utf-8")
    for name, opt in options.items():
        assert re.search(rf"(?<![\w-])(--|-l ){re.escape(name)}(?![\w-])", text), \
            f"{path.name}: no --{name}"
        if opt.short:
            assert re.search(rf"(?<![\w-])(-|-s ){opt.short}(?![\w-])", text), \
                f"{path.name}: no -{opt.short}"


def test_ca_file_completes_files():
    assert "_filedir" in BASH.read_text(encoding="utf-8")
    assert re.search(r"--ca-file=\[[^\]]*\]:[^:]*:_files", ZSH.read_text(encoding="utf-8"))
    assert re.search(r"-l ca-file -r -F", FISH.read_text(encoding="utf-8"))


def test_bash_completion_is_valid_shell():
    proc = subprocess.run(["bash", "-n", str(BASH)], capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
