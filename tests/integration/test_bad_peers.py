"""Failures: names that do not resolve, ports that refuse, and scripted test
peers that are not TLS servers or break the handshake. Exit codes follow
the contract (3 network/timeout, 4 TLS failed) and --json always prints one
valid document carrying `error`."""

import re

import pytest

from conftest import explain, run, run_json

# tlsprobe's own deadline for these runs, and the slack a loaded 2-core
# machine gets on top of it before a run counts as overdue.
TIMEOUT_S = 5
SLACK_S = 4


def check_error(res, stage, rc, code=None):
    """rc, error.stage and error.code (the failure class; by default the
    one the exit status implies: 4 is always "tls")."""
    assert res.rc == rc, explain(res)
    err = res.doc.get("error")
    assert isinstance(err, dict), f"no error object\n{explain(res)}"
    assert err["stage"] == stage, explain(res)
    if code is None and rc == 4:
        code = "tls"
    if code is not None:
        assert err["code"] == code, explain(res)
    else:
        assert err["code"] in ("resolve", "connect", "timeout"), explain(res)
    assert isinstance(err["message"], str) and err["message"], explain(res)
    assert "\n" not in err["message"], explain(res)


NOT_TLS = re.compile(r"\b(not|non|isn't|no)[- ](a |an |speak |speaking |talking )?(tls|ssl)\b")


def says_not_tls(text):
    """The message says the peer is not TLS ("not TLS", "non-TLS peer",
    "does not speak TLS"), beyond the "tlsprobe:" prefix."""
    return NOT_TLS.search(text.lower().replace("tlsprobe:", "")) is not None


def one_line(stderr):
    lines = stderr.splitlines()
    return len(lines) == 1 and lines[0].strip() != ""


def test_unknown_host():
    res = run(["tlsprobe-test.invalid:443", "--timeout", "10s"], offline=True)
    assert res.rc == 3, explain(res)
    assert one_line(res.stderr), f"stderr should be one line: {res.stderr!r}"


def test_unknown_host_json():
    res = run_json(["tlsprobe-test.invalid:443", "--timeout", "10s"], offline=True)
    check_error(res, "resolve", 3, "resolve")
    assert one_line(res.stderr), f"stderr should be one line: {res.stderr!r}"
    assert res.doc["target"]["host"] == "tlsprobe-test.invalid"
    assert res.doc["target"]["address"] is None


def test_connection_refused(closed_port):
    res = run_json([f"127.0.0.1:{closed_port}", "--timeout", "10s"])
    check_error(res, "connect", 3, "connect")
    attempts = res.doc["connection"]["attempts"]
    assert attempts and attempts[0]["address"] == "127.0.0.1", explain(res)
    assert attempts[0].get("error"), explain(res)
    assert one_line(res.stderr), res.stderr


def test_connection_refused_text(closed_port):
    res = run([f"127.0.0.1:{closed_port}"])
    assert res.rc == 3, explain(res)
    assert one_line(res.stderr), res.stderr


def test_silent_listener_times_out(peer):
    p = peer("silent")
    res = run_json([p.target, "--timeout", "2s"], timeout=30)
    check_error(res, "tls", 3, "timeout")
    assert res.elapsed < 2 + SLACK_S, f"took {res.elapsed:.1f}s with --timeout 2s"
    assert p.connections == 1


@pytest.mark.parametrize("behaviour", ["http", "ssh", "garbage"])
def test_not_tls(peer, behaviour):
    p = peer(behaviour)
    res = run_json([p.target, "--timeout", f"{TIMEOUT_S}s"])
    check_error(res, "tls", 4)
    assert says_not_tls(res.stderr), f"stderr should say it is not TLS: {res.stderr!r}"
    assert says_not_tls(res.doc["error"]["message"]), explain(res)
    assert res.elapsed < TIMEOUT_S + SLACK_S, f"took {res.elapsed:.1f}s"


@pytest.mark.parametrize("behaviour", ["http", "ssh"])
def test_not_tls_text_names_the_peer(peer, behaviour):
    p = peer(behaviour)
    res = run([p.target, "--timeout", f"{TIMEOUT_S}s"])
    assert res.rc == 4, explain(res)
    assert says_not_tls(res.stderr), res.stderr
    assert one_line(res.stderr), res.stderr


def test_fatal_alert(peer):
    p = peer("alert")
    res = run_json([p.target, "--timeout", f"{TIMEOUT_S}s"])
    check_error(res, "tls", 4)
    assert res.doc["error"]["alert"] == 40, explain(res)  # handshake_failure


def test_reset_after_client_hello(peer):
    p = peer("reset")
    res = run_json([p.target, "--timeout", f"{TIMEOUT_S}s"])
    check_error(res, "tls", 4)
    assert res.elapsed < TIMEOUT_S + SLACK_S


@pytest.mark.parametrize("behaviour", ["endless-handshake", "endless-bytes"])
def test_endless_stream(peer, behaviour):
    p = peer(behaviour)
    res = run_json([p.target, "--timeout", f"{TIMEOUT_S}s"], timeout=30)
    check_error(res, "tls", 4)
    assert res.elapsed < TIMEOUT_S + SLACK_S, f"took {res.elapsed:.1f}s"


def test_alert_from_real_server(servers, pki):
    """A real server with nothing in common: openssl TLS 1.2 with only an
    ARIA suite (which GnuTLS does not implement) answers handshake_failure
    (40) to any offer tlsprobe can make."""
    srv = servers.openssl(extra=["-tls1_2", "-cipher", "ECDHE-ARIA128-GCM-SHA256"])
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--tls-max", "1.2"])
    check_error(res, "tls", 4)
    assert res.doc["error"]["alert"] == 40, explain(res)
