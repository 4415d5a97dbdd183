#!/usr/bin/python3
"""Sum meson's testlog.json of several build dirs into one closing line,
"N passed, N failed, N skipped", and exit 1 if anything failed.
Each pytest file also writes JUnit XML (see tests/integration/meson.build);
when present, its test cases are counted one by one instead of as one test."""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def junit_counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    p = f = s = 0
    for suite in suites:
        for case in suite.findall("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                f += 1
            elif case.find("skipped") is not None:
                s += 1
            else:
                p += 1
    return p, f, s


def count(build):
    log = Path(build) / "meson-logs" / "testlog.json"
    p = f = s = 0
    if not log.exists():
        print(f"{build}: no test log", file=sys.stderr)
        return 0, 1, 0
    for line in log.read_text().splitlines():
        t = json.loads(line)
        result = t.get("result")
        # meson names a test "project:suite / name".
        short = t.get("name", "").rsplit(" / ", 1)[-1]
        junit = Path(build) / "junit" / (short + ".xml")
        if junit.exists() and result in ("OK", "FAIL", "SKIP"):
            jp, jf, js = junit_counts(junit)
            if result == "FAIL" and jf == 0:
                jf = 1  # the file failed outside any test case
            p, f, s = p + jp, f + jf, s + js
        elif result in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif result == "SKIP":
            s += 1
        else:
            f += 1
            print(f"FAILED: {build}: {t.get('name')} ({result})", file=sys.stderr)
    return p, f, s


def main():
    args = sys.argv[1:]
    setup_failures = 0
    if "--setup-failures" in args:
        i = args.index("--setup-failures")
        setup_failures = int(args[i + 1])
        del args[i:i + 2]
    tp = tf = ts = 0
    for build in args:
        p, f, s = count(build)
        print(f"{build}: {p} passed, {f} failed, {s} skipped")
        tp, tf, ts = tp + p, tf + f, ts + s
    tf += setup_failures
    print(f"{tp} passed, {tf} failed, {ts} skipped")
    sys.exit(1 if tf or tp == 0 else 0)


if __name__ == "__main__":
    main()
