"""Usage errors: exit 2, a message on stderr, nothing on stdout (not even
with --json), and no connection attempted."""

import pytest

from conftest import explain, run

USAGE_ERRORS = {
    "unknown-option": ["--bogus-option", "localhost"],
    "sni-and-no-sni": ["--sni", "x.example", "--no-sni", "localhost"],
    "tls-min-above-max": ["--tls-min", "1.3", "--tls-max", "1.2", "localhost"],
    "missing-target": [],
    "two-targets": ["localhost", "example.invalid"],
    "ipv4-and-ipv6": ["-4", "-6", "localhost"],
    "bad-port": ["localhost:70000"],
    "bad-version": ["--tls-max", "1.4", "localhost"],
    "bad-duration": ["--timeout", "soon", "localhost"],
    "missing-argument": ["localhost", "--sni"],
    "bad-fail-on": ["--fail-on", "severe", "localhost"],
    "unclosed-bracket": ["[::1:443"],
}


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
@pytest.mark.parametrize("case", sorted(USAGE_ERRORS))
def test_usage_error(case, json_flag):
    res = run(json_flag + USAGE_ERRORS[case], timeout=30)
    assert res.rc == 2, explain(res)
    assert res.stdout == "", f"stdout should be empty: {res.stdout!r}"
    assert res.stderr.startswith("tlsprobe: "), res.stderr


def test_conflict_message_names_both_options():
    res = run(["--sni", "x.example", "--no-sni", "localhost"])
    assert "--sni" in res.stderr and "--no-sni" in res.stderr, res.stderr
    res = run(["--tls-min", "1.3", "--tls-max", "1.2", "localhost"])
    assert "--tls-min" in res.stderr and "--tls-max" in res.stderr, res.stderr


def test_help_and_version():
    res = run(["--help"])
    assert res.rc == 0 and res.stdout.startswith("Usage: tlsprobe"), explain(res)
    assert res.stderr == ""
    res = run(["--version"])
    assert res.rc == 0 and res.stdout.startswith("tlsprobe "), explain(res)
