"""--vulns (issue 11): vulnerability checks answered vulnerable, not
vulnerable or unknown.

Negatives: every real server the suite runs (gnutls-serv, openssl s_server,
nginx, lighttpd with wolfSSL and with mbedTLS, mosquitto) must come out
with no check "vulnerable": these are current Debian builds with every
fix. Positives: no Debian package ships Heartbleed, CCS injection or a
Bleichenbacher oracle any more, so the scripted peer
peers/vulnerable_server.py plays each (and a fixed RSA server as the
negative control); client-initiated renegotiation is played by the real
openssl s_server with -client_renegotiation, and its default (OpenSSL 3
refuses client renegotiation) is the negative."""

import subprocess

import pytest

from conftest import explain, require_tool, run, run_json

IDS = ["heartbleed", "ccs-injection", "robot", "insecure-renegotiation",
       "client-renegotiation", "key-share-reuse", "ticketbleed", "ticket-key",
       "early-data-replay", "beast",
       "poodle-ssl3", "poodle-tls", "lucky13", "sweet32", "freak", "logjam", "drown", "crime"]
RESULTS = {"vulnerable", "not vulnerable", "unknown"}


def check_vulns(target, *extra, timeout=120):
    res = run_json(["--vulns", *extra, target], timeout=timeout)
    vulns = res.doc.get("vulnerabilities")
    assert isinstance(vulns, list), explain(res)
    assert [v["id"] for v in vulns] == IDS, explain(res)
    for v in vulns:
        assert v["result"] in RESULTS, v
        assert v["detail"], v
        assert v["reference"], v
    return res, {v["id"]: v for v in vulns}


def vulnerable(by_id):
    return {i: v["detail"] for i, v in by_id.items() if v["result"] == "vulnerable"}


def client_renegotiation_ground_truth(server):
    """gnutls-cli --rehandshake: does the server complete a renegotiation
    the client starts (TLS 1.2)?"""
    exe = require_tool("gnutls-cli")
    proc = subprocess.run([exe, "--insecure", "--rehandshake", "--priority",
                           "NORMAL:-VERS-TLS1.3", "-p", str(server.port), server.host],
                          input=b"", capture_output=True, timeout=30)
    return b"ReHandshake was completed" in proc.stdout + proc.stderr


def assert_clean(res, by_id, server=None):
    """No check vulnerable; client-initiated renegotiation (a DoS concern,
    low) is what gnutls-cli --rehandshake finds, when server is given."""
    found = vulnerable(by_id)
    if server is not None:
        truth = client_renegotiation_ground_truth(server)
        assert ("client-renegotiation" in found) == truth, (truth, by_id["client-renegotiation"])
        found.pop("client-renegotiation", None)
    assert not found, explain(res) + f"\n{found}"
    findings = {f["id"] for f in res.doc["findings"]} - {"vuln-client-renegotiation"}
    assert not {f for f in findings if f.startswith("vuln-")}, findings
    # The probes of our own decide these on a current server.
    for i in ("heartbleed", "ccs-injection", "robot", "insecure-renegotiation"):
        assert by_id[i]["result"] == "not vulnerable", (i, by_id[i])
    # Two tickets a moment apart cannot show a key that never rotates.
    assert by_id["ticket-key"]["result"] != "vulnerable"


def test_gnutls_serv_is_not_vulnerable(servers):
    """GnuTLS servers complete client-initiated (secure) renegotiations by
    default, as gnutls-cli --rehandshake shows: that one is reported."""
    server = servers.gnutls()
    res, by_id = check_vulns(server.target, "--ca-file", str(servers.pki / "root.pem"))
    assert_clean(res, by_id, server)
    # Without --enum the checks that read its results say so.
    assert by_id["sweet32"]["result"] == "unknown"
    assert "needs --enum" in by_id["sweet32"]["detail"]


def test_openssl_s_server_is_not_vulnerable(servers):
    server = servers.openssl()
    res, by_id = check_vulns(server.target)
    assert_clean(res, by_id, server)
    # OpenSSL 3 refuses client-initiated renegotiation unless asked.
    assert by_id["client-renegotiation"]["result"] == "not vulnerable", by_id
    assert by_id["key-share-reuse"]["result"] == "not vulnerable", by_id


def test_nginx_is_not_vulnerable(servers):
    server = servers.nginx()
    res, by_id = check_vulns(server.target)
    assert_clean(res, by_id, server)


@pytest.mark.parametrize("module", ["wolfssl", "mbedtls"])
def test_lighttpd_is_not_vulnerable(servers, module):
    server = servers.lighttpd(tls_module=module)
    res, by_id = check_vulns(server.target)
    assert_clean(res, by_id, server)


def test_mosquitto_is_not_vulnerable(mosquitto):
    broker = mosquitto()
    res, by_id = check_vulns(broker.target)
    assert_clean(res, by_id, broker)


def test_enum_and_vulns_decide_the_derived_checks(servers):
    """With --enum the checks read the scan: a TLS 1.2/1.3 server with no
    SSL 2.0, no SSL 3.0, no compression, no export and no 64-bit block
    cipher is not vulnerable to any of them."""
    server = servers.openssl()
    res, by_id = check_vulns(server.target, "--enum", timeout=180)
    assert_clean(res, by_id)
    for i in ("poodle-ssl3", "sweet32", "freak", "logjam", "drown", "crime"):
        assert by_id[i]["result"] == "not vulnerable", (i, by_id[i], explain(res))


def test_enum_alone_runs_the_checks(servers):
    """Issue 11: the checks are part of --enum; no --vulns needed. JSON and
    text alike."""
    server = servers.openssl()
    res = run_json(["--enum", server.target], timeout=180)
    vulns = res.doc.get("vulnerabilities")
    assert isinstance(vulns, list), explain(res)
    by_id = {v["id"]: v for v in vulns}
    assert list(by_id) == IDS, explain(res)
    assert_clean(res, by_id)
    for i in ("poodle-ssl3", "sweet32", "freak", "logjam", "drown", "crime"):
        assert by_id[i]["result"] == "not vulnerable", (i, by_id[i], explain(res))
    text = run(["--enum", server.target], timeout=180)
    assert "Vulnerabilities" in text.stdout, text.stdout
    assert "ROBOT" in text.stdout, text.stdout


def test_enum_no_vulns(servers):
    """--no-vulns: the scan alone, no checks (null, no vuln-* finding);
    with --vulns a usage error."""
    server = servers.nginx()
    res = run_json(["--enum", "--no-vulns", server.target], timeout=180)
    assert res.doc.get("vulnerabilities") is None, explain(res)
    assert res.doc["cipher_suites"], explain(res)
    assert not {f["id"] for f in res.doc["findings"] if f["id"].startswith("vuln-")}
    bad = run(["--enum", "--vulns", "--no-vulns", server.target], timeout=30)
    assert bad.rc == 2 and "--no-vulns" in bad.stderr, explain(bad)


def test_enum_budget_holds_for_the_checks(servers):
    """--max-connections bounds the whole --enum run: once the scan has
    spent it the checks open nothing and say why."""
    server = servers.gnutls()
    res = run_json(["--enum", "--max-connections", "10", server.target], timeout=180)
    by_id = {v["id"]: v for v in res.doc["vulnerabilities"]}
    for i in ("heartbleed", "ccs-injection", "robot", "client-renegotiation"):
        assert by_id[i]["result"] == "unknown", (i, by_id[i])
        assert "--max-connections 10 used up" in by_id[i]["detail"], (i, by_id[i])


def test_client_renegotiation_openssl(servers):
    server = servers.openssl(extra=["-client_renegotiation"])
    res, by_id = check_vulns(server.target)
    assert by_id["client-renegotiation"]["result"] == "vulnerable", explain(res)
    assert "with RFC 5746" in by_id["client-renegotiation"]["detail"]
    assert by_id["insecure-renegotiation"]["result"] == "not vulnerable"
    assert "vuln-client-renegotiation" in {f["id"] for f in res.doc["findings"]}


@pytest.mark.parametrize("mode,vuln_id", [("heartbleed", "heartbleed"),
                                          ("ccs", "ccs-injection"),
                                          ("robot", "robot"),
                                          ("robot-slow", "robot")])
def test_scripted_vulnerable_peer(responder, pki, mode, vuln_id):
    peer = responder("vulnerable_server.py", mode, pki / "leaf.pem", pki / "leaf.key")
    res, by_id = check_vulns(peer.target)
    assert vulnerable(by_id).keys() == {vuln_id}, explain(res) + f"\n{by_id}"
    assert f"vuln-{vuln_id}" in {f["id"] for f in res.doc["findings"]}
    assert res.rc != 0  # a critical finding (and the peer's failed handshake)


def test_ticketbleed_relay(servers, responder):
    """openssl s_server behind peers/ticketbleed_relay.py, which stretches
    the echoed session ID of a resumption to 32 bytes as F5 did; the same
    server direct is not vulnerable (test_openssl_s_server_is_not_vulnerable)."""
    server = servers.openssl()
    relay = responder("ticketbleed_relay.py", server.port)
    res, by_id = check_vulns(relay.target)
    assert vulnerable(by_id).keys() == {"ticketbleed"}, explain(res) + f"\n{by_id}"
    assert "vuln-ticketbleed" in {f["id"] for f in res.doc["findings"]}


def openssl_early_data(servers, *extra):
    """openssl s_server accepting 0-RTT (-early_data, which its -www mode
    refuses: the plain mode, stdin kept open by the factory's pipe)."""
    def argv(port, workdir):
        pki = servers.pki
        return ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                str(pki / "leaf.pem"), "-key", str(pki / "leaf.key"), "-cert_chain",
                str(pki / "inter.pem"), "-early_data", "-quiet", *extra]
    return servers._start("openssl", argv)


def test_early_data_anti_replay(servers):
    """OpenSSL accepts a ticket's 0-RTT once (its anti-replay default)."""
    server = openssl_early_data(servers)
    res, by_id = check_vulns(server.target)
    v = by_id["early-data-replay"]
    assert v["result"] == "not vulnerable", explain(res) + f"\n{v}"
    assert "accepted once" in v["detail"], v


def test_early_data_replayable(servers):
    """-no_anti_replay: the same ticket's 0-RTT accepted again."""
    server = openssl_early_data(servers, "-no_anti_replay")
    res, by_id = check_vulns(server.target)
    assert vulnerable(by_id).keys() == {"early-data-replay"}, explain(res) + f"\n{by_id}"
    assert "vuln-early-data-replay" in {f["id"] for f in res.doc["findings"]}


@pytest.mark.parametrize("mode", ["robot-fixed", "robot-slow-fixed"])
def test_scripted_fixed_rsa_server(responder, pki, mode):
    """The same peer without the oracle: the same answer to every padding,
    at once or 0.6 s late (past the quick silence wait: a slow answer is
    not a silence)."""
    peer = responder("vulnerable_server.py", mode, pki / "leaf.pem", pki / "leaf.key")
    res, by_id = check_vulns(peer.target)
    assert by_id["robot"]["result"] == "not vulnerable", explain(res) + f"\n{by_id['robot']}"
    assert "silence" not in by_id["robot"]["detail"].split(";")[0], by_id["robot"]
    assert not vulnerable(by_id), by_id


@pytest.mark.parametrize("mode,expect", [("robot", "vulnerable"),
                                         ("robot-slow", "vulnerable"),
                                         ("robot-fixed", "not vulnerable"),
                                         ("robot-slow-fixed", "not vulnerable")])
def test_robot_with_enum(responder, pki, mode, expect):
    """With --enum ROBOT's vectors go in one go (hello, key exchange,
    ChangeCipherSpec, Finished, end of stream, before the server's flight
    is back) at the version the scan saw RSA key transport with: the
    oracle, and its absence, must show as they do stepwise (--vulns)."""
    peer = responder("vulnerable_server.py", mode, pki / "leaf.pem", pki / "leaf.key")
    res = run_json(["--enum", peer.target], timeout=120)
    by_id = {v["id"]: v for v in res.doc["vulnerabilities"]}
    assert by_id["robot"]["result"] == expect, explain(res) + f"\n{by_id['robot']}"
    assert "silence" not in by_id["robot"]["detail"].split(";")[0], by_id["robot"]


def test_robot_text_section(responder, pki):
    peer = responder("vulnerable_server.py", "robot", pki / "leaf.pem", pki / "leaf.key")
    res = run(["--vulns", peer.target])
    assert "Vulnerabilities" in res.stdout, res.stdout
    line = next(l for l in res.stdout.splitlines() if l.strip().startswith("ROBOT"))
    assert "vulnerable" in line and "not vulnerable" not in line, line


from test_starttls import exim  # noqa: E402,F401  (the Exim fixture)


def test_starttls_smtp_exim(exim, pki):
    """Every check's connections run the STARTTLS dialogue first: none may
    end unknown for want of it."""
    server = exim()
    res, by_id = check_vulns(server.target, "--starttls", "smtp", "--ca-file",
                             str(pki / "root.pem"))
    assert_clean(res, by_id)
    for i in ("heartbleed", "ccs-injection", "robot", "insecure-renegotiation",
              "client-renegotiation", "key-share-reuse"):
        assert by_id[i]["result"] != "unknown", (i, by_id[i], explain(res))
