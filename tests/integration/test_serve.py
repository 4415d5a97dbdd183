"""--serve: tlsprobe plays the server, real clients connect to it.

Each test starts `tlsprobe --serve 127.0.0.1:0` (the port it picked is
read from its "listening on" line), then a real client from Debian in a
loop, reconnecting as a device does, until tlsprobe has played its battery
and exited. The verdicts are checked case by case against what the client
is known to do: a validating client accepts the controls only, an insecure
one accepts every certificate case. For the protocol cases the truth is
the client's own offer (a client that does not offer TLS 1.0 cannot accept
the tls10 case) and, when accepted, what was negotiated.

Clients: curl, curl -k, gnutls-cli (--x509cafile, --insecure), openssl
s_client (with -verify_return_error, and without: then it goes on after a
verify error, which is accepting), python3 ssl (CA loaded, CERT_NONE),
mosquitto_pub (--cafile, --insecure: which skips only the host name check)
and wget --no-check-certificate. Everything on 127.0.0.1 (and ::1).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import _killpg, ipv6_loopback_available, tlsprobe_path

CERT_CASES = ["expired", "not-yet-valid", "self-signed", "wrong-host", "untrusted", "not-ca",
              "wrong-eku", "bad-signature", "rsa1024", "sha1"]
PROTOCOL_CASES = ["tls10", "static-rsa", "3des", "rc4"]
ALL_CASES = ["valid"] + CERT_CASES + PROTOCOL_CASES
# A few cases for the clients that do not run the whole battery.
FEW = "expired,self-signed,wrong-host,untrusted"

PYTHON_CLIENT = r"""
import socket, ssl, sys
port, ca, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
if mode == "none":
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
try:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
except (OSError, ssl.SSLError):
    sys.exit(1)
"""


def need(tool):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (.ci/deps installs it)")


# Each client: (argv for port and CA file, bytes for its stdin).
def curl(insecure):
    def make(host, port, ca):
        argv = ["curl", "-s", "-o", "/dev/null", "-m", "5", "--cacert", ca,
                "--resolve", f"localhost:{port}:{host}", f"https://localhost:{port}/"]
        if insecure:
            argv.insert(1, "-k")
        return argv, b""
    return make


def gnutls_cli(insecure):
    def make(host, port, ca):
        argv = ["gnutls-cli", "--x509cafile", ca, "-p", str(port), "localhost"]
        if insecure:
            argv.insert(1, "--insecure")
        return argv, b"GET / HTTP/1.0\r\n\r\n"
    return make


def s_client(verify):
    def make(host, port, ca):
        argv = ["openssl", "s_client", "-connect", f"{host}:{port}", "-servername", "localhost",
                "-CAfile", ca, "-quiet"]
        if verify:
            argv += ["-verify_return_error", "-verify_hostname", "localhost"]
        return argv, b"GET / HTTP/1.0\r\n\r\n"
    return make


def python_ssl(mode):
    def make(host, port, ca):
        return [sys.executable, "-c", PYTHON_CLIENT, str(port), ca, mode], b""
    return make


def mosquitto_pub(insecure):
    def make(host, port, ca):
        argv = ["mosquitto_pub", "-h", "localhost", "-p", str(port), "--cafile", ca,
                "-t", "tlsprobe/test", "-m", "hello", "-q", "0"]
        if insecure:
            argv.append("--insecure")
        return argv, b""
    return make


def wget(host, port, ca):
    return ["wget", "-q", "-O", "/dev/null", "--tries=1", "--timeout=5",
            "--no-check-certificate", f"https://127.0.0.1:{port}/"], b""


class ServeRun:
    """tlsprobe --serve in the background, its stderr read line by line."""

    def __init__(self, cwd, args, listen="127.0.0.1:0", hostname="localhost", json=True):
        argv = [tlsprobe_path(), "--serve", listen, "--hostname", hostname] + \
            (["--json"] if json else []) + [str(a) for a in args]
        env = dict(os.environ, NO_COLOR="1")
        env.pop("LD_PRELOAD", None)
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     start_new_session=True)
        self.stderr_lines = []
        self.cwd = str(cwd)
        self.ca = None  # the generated CA's file, from its stderr line
        self.port = None
        self.listening = threading.Event()
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()
        self.stdout = b""
        self.out_reader = threading.Thread(target=self._read_stdout, daemon=True)
        self.out_reader.start()
        if not self.listening.wait(30):
            _killpg(self.proc)
            pytest.fail(f"tlsprobe --serve did not listen: {self.stderr()}", pytrace=False)

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace")
            self.stderr_lines.append(line)
            m = re.search(r"test CA written to (\S+) \(", line)
            if m:
                self.ca = os.path.join(self.cwd, m[1])
            m = re.search(r"listening on (\S+):(\d+),", line)
            if m:
                self.host = m[1].strip("[]")
                self.port = int(m[2])
                self.listening.set()
        self.listening.set()

    def _read_stdout(self):
        self.stdout = self.proc.stdout.read()

    def stderr(self):
        return "".join(self.stderr_lines)

    def running(self):
        return self.proc.poll() is None

    def finish(self, timeout=120):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _killpg(self.proc)
            pytest.fail(f"tlsprobe --serve did not finish: {self.stderr()}", pytrace=False)
        self.reader.join(5)
        self.out_reader.join(5)
        # Under ASan/UBSan (TP_SANITIZED) a report on stderr fails the test,
        # whatever the exit status (ASan's 1 is also "findings").
        assert "Sanitizer" not in self.stderr() and "runtime error" not in self.stderr(), \
            self.stderr()
        try:
            doc = json.loads(self.stdout)
        except ValueError as exc:
            pytest.fail(f"not JSON ({exc}): {self.stdout[:500]!r}\n{self.stderr()}",
                        pytrace=False)
        return rc, doc


def reconnect_loop(serve, make, ca, pause=0.05):
    """Run the client again and again while tlsprobe serves, as a device
    reconnects. Returns how many times it ran."""
    runs = 0
    while serve.running():
        argv, stdin = make(serve.host, serve.port, str(ca))
        try:
            subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=15)
        except subprocess.TimeoutExpired:
            pass
        runs += 1
        time.sleep(pause)
    return runs


def play(tmp_path, make, args=(), tool=None, listen="127.0.0.1:0"):
    if tool:
        need(tool)
    serve = ServeRun(tmp_path, ["--timeout", "90s", "--serve-wait", "5s"] + list(args),
                     listen=listen)
    ca = serve.ca
    assert ca is not None and os.path.exists(ca), serve.stderr()
    loop = threading.Thread(target=reconnect_loop, args=(serve, make, ca), daemon=True)
    loop.start()
    rc, doc = serve.finish()
    loop.join(30)
    return rc, doc, serve.stderr()


def verdicts(doc):
    return [(t["id"], t["verdict"]) for t in doc["client_tests"]]


def describe(doc, stderr=""):
    lines = [f"{t['id']:14} {t['verdict']:26} alert={t['alert']} note={t['note']}"
             for t in doc["client_tests"]]
    return "\n".join(lines) + f"\nfindings: {[f['id'] for f in doc['findings']]}\n{stderr}"


def offered(doc, test, pred):
    """Whether the ClientHello of test's connection offered something."""
    offer = doc["serve"]["offers"][test["offer"]]["client_hello"]
    return pred(offer)


def offers_version(v):
    return lambda ch: v in [x["name"] for x in ch["versions"]] or ch["legacy_version"] == v


def offers_suite(pattern):
    return lambda ch: any(re.search(pattern, s["name"] or "") for s in ch["cipher_suites"])


PROTOCOL_TRUTH = {
    # case: (the offer it needs, what an accepted handshake negotiated)
    "tls10": (offers_version("TLSv1.0"), lambda t: t["version"] == "TLSv1.0"),
    "static-rsa": (offers_suite(r"^TLS_RSA_WITH_"),
                   lambda t: t["cipher_suite"]["name"].startswith("TLS_RSA_WITH_")),
    "3des": (offers_suite(r"3DES"), lambda t: "3DES" in t["cipher_suite"]["name"]),
    "rc4": (offers_suite(r"RC4"), lambda t: "RC4" in t["cipher_suite"]["name"]),
}


def check_battery(doc, stderr, accepts_bad_certs, cases=ALL_CASES, accepted_certs=None):
    """Every test decided; controls accepted; certificate cases accepted
    exactly when the client does not validate (or as accepted_certs says);
    protocol cases consistent with the offer."""
    info = describe(doc, stderr)
    assert doc["serve"]["complete"], info
    tests = doc["client_tests"]
    assert {t["id"] for t in tests} == set(cases), info
    assert tests[0]["id"] == "valid" and tests[-1]["id"] == "valid", info
    for t in tests:
        assert t["verdict"] not in ("unknown", "not-run", "unavailable", "gone"), info
        if t["id"] == "valid":
            assert t["accepted"] is True, info
            assert t["control_after_accepted"] in (True, None), info
        elif t["kind"] == "certificate":
            want = accepts_bad_certs if accepted_certs is None else t["id"] in accepted_certs
            assert t["accepted"] is want, f"{t['id']}: expected accepted={want}\n{info}"
            if not want:
                assert t["verdict"] in ("rejected", "rejected-after-handshake"), info
        else:
            needs, negotiated = PROTOCOL_TRUTH[t["id"]]
            if t["accepted"]:
                assert offered(doc, t, needs) and negotiated(t), info
            elif not offered(doc, t, needs):
                assert t["verdict"] == "rejected", info
    findings = {f["id"] for f in doc["findings"]}
    for t in tests:
        if t["id"] != "valid":
            assert (f"client-accepts-{t['id']}" in findings) == (t["accepted"] is True), info
    return findings


# --------------------------------------------------------------------------
# Full battery: validating and insecure clients


# GnuTLS 3.7 verifies under its "low" profile by default (80-bit security:
# RSA-1024 passes), so a validating gnutls-cli accepts the rsa1024 case.
GNUTLS_DEFAULT_ACCEPTS = {"rsa1024"}


@pytest.mark.parametrize("name,make,tool,insecure,accepted", [
    ("curl", curl(False), "curl", False, None),
    ("curl -k", curl(True), "curl", True, None),
    ("gnutls-cli", gnutls_cli(False), "gnutls-cli", False, GNUTLS_DEFAULT_ACCEPTS),
    ("gnutls-cli --insecure", gnutls_cli(True), "gnutls-cli", True, None),
    ("s_client -verify_return_error", s_client(True), "openssl", False, None),
    ("s_client", s_client(False), "openssl", True, None),
], ids=lambda v: v if isinstance(v, str) else None)
def test_full_battery(tmp_path, name, make, tool, insecure, accepted):
    rc, doc, stderr = play(tmp_path, make, tool=tool)
    findings = check_battery(doc, stderr, accepts_bad_certs=insecure, accepted_certs=accepted)
    info = describe(doc, stderr)
    # The control came back after every three cases and at the end.
    ids = [t["id"] for t in doc["client_tests"]]
    assert ids == ["valid", "expired", "not-yet-valid", "self-signed", "valid", "wrong-host",
                   "untrusted", "not-ca", "valid", "wrong-eku", "bad-signature", "rsa1024",
                   "valid", "sha1", "tls10", "static-rsa", "valid", "3des", "rc4", "valid"]
    assert ("client-no-validation" in findings) == insecure, info
    # --fail-on high (the default): any accepted case is at least high.
    accepted_any = any(t["accepted"] for t in doc["client_tests"] if t["id"] != "valid")
    assert rc == (1 if accepted_any else 0), info
    # The client's offer is audited as --read audits one.
    offer = doc["serve"]["offers"][0]
    assert re.fullmatch(r"t1[0-3]d[0-9a-z]{6}_[0-9a-f]{12}_[0-9a-f]{12}", offer["ja4"]), offer
    assert offer["client_hello"]["sni"] == "localhost"
    assert offer["connections"] >= len(doc["client_tests"])


def test_text_report(tmp_path):
    """The text report: the table (case, presented, verdict), the offer with
    its JA4, the findings."""
    need("curl")
    serve = ServeRun(tmp_path, ["--cases", "self-signed,wrong-host", "--timeout", "60s"],
                     json=False)
    loop = threading.Thread(target=reconnect_loop, args=(serve, curl(False),
                                                         serve.ca),
                            daemon=True)
    loop.start()
    rc = serve.proc.wait(timeout=90)
    loop.join(30)
    serve.out_reader.join(5)
    text = serve.stdout.decode()
    assert rc == 0, text + serve.stderr()
    rows = re.findall(r"^  (\d+) +(\S+) +(.+?) {2,}(\S+)(?: \((.*)\))?$", text, re.M)
    got = [(r[1], r[3]) for r in rows]
    assert got == [("valid", "accepted"), ("self-signed", "rejected"),
                   ("wrong-host", "rejected-after-handshake"), ("valid", "accepted")], text
    assert "unknown_ca" in text
    assert re.search(r"^  JA4: +t13d", text, re.M), text
    assert "SNI: localhost" in text
    assert "Findings" not in text or "client-accepts" not in text, text


def test_ecdsa_only_client(tmp_path):
    """A client that takes only ECDHE-ECDSA (an mbedTLS-style build) gets
    the ECDSA leaf of each case: the control passes, the rsa1024 case
    (RSA only) has nothing in common with it."""
    def make(host, port, ca):
        return ["openssl", "s_client", "-connect", f"{host}:{port}", "-servername", "localhost",
                "-CAfile", ca, "-quiet", "-verify_return_error", "-verify_hostname",
                "localhost", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], \
            b"GET / HTTP/1.0\r\n\r\n"
    rc, doc, stderr = play(tmp_path, make, args=["--cases", "expired,rsa1024"], tool="openssl")
    info = describe(doc, stderr)
    tests = {t["id"]: t for t in doc["client_tests"]}
    assert [t["verdict"] for t in doc["client_tests"] if t["id"] == "valid"] == \
        ["accepted", "accepted"], info
    assert tests["valid"]["cipher_suite"]["name"] == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
    assert tests["expired"]["verdict"] == "rejected" and \
        tests["expired"]["alert"] == "certificate_expired", info
    assert tests["rsa1024"]["verdict"] == "rejected" and tests["rsa1024"]["alert"] is None, info
    assert rc == 0, info


def test_openssl_verify_error_is_accepted_and_named(tmp_path):
    """s_client without -verify_return_error reports the error and goes on:
    the handshake completes and data follows, so the verdict is accepted
    with the data seen, and the findings are critical."""
    rc, doc, stderr = play(tmp_path, s_client(False), args=["--cases", "self-signed"],
                           tool="openssl")
    t = [t for t in doc["client_tests"] if t["id"] == "self-signed"][0]
    assert t["verdict"] == "accepted" and t["application_data"] is True, describe(doc, stderr)
    crit = {f["id"] for f in doc["findings"] if f["severity"] == "critical"}
    assert "client-accepts-self-signed" in crit
    assert rc == 1


# --------------------------------------------------------------------------
# The other clients, a few cases each


@pytest.mark.parametrize("name,make,tool,accepted", [
    ("python ssl", python_ssl("default"), None, set()),
    ("python CERT_NONE", python_ssl("none"), None, set(FEW.split(","))),
    ("mosquitto_pub", mosquitto_pub(False), "mosquitto_pub", set()),
    # --insecure skips the host name check only: the chain is still verified.
    ("mosquitto_pub --insecure", mosquitto_pub(True), "mosquitto_pub", {"wrong-host"}),
    ("wget --no-check-certificate", wget, "wget", set(FEW.split(","))),
], ids=lambda v: v if isinstance(v, str) else None)
def test_few_cases(tmp_path, name, make, tool, accepted):
    rc, doc, stderr = play(tmp_path, make, args=["--cases", FEW], tool=tool)
    check_battery(doc, stderr, accepts_bad_certs=False, cases=["valid"] + FEW.split(","),
                  accepted_certs=accepted)
    assert rc == (1 if accepted else 0), describe(doc, stderr)


def test_wget_validating_rejects_after_handshake(tmp_path):
    """GnuTLS-based wget checks the certificate after the handshake, then
    closes: rejected-after-handshake, not accepted."""
    need("wget")

    def make(host, port, ca):
        return ["wget", "-q", "-O", "/dev/null", "--tries=1", "--timeout=5",
                f"--ca-certificate={ca}", f"https://localhost:{port}/"], b""
    rc, doc, stderr = play(tmp_path, make, args=["--cases", "expired,untrusted"])
    check_battery(doc, stderr, accepts_bad_certs=False, cases=["valid", "expired", "untrusted"])
    assert rc == 0


# --------------------------------------------------------------------------
# The CA, the exit status, IPv6


def test_given_ca_and_fail_on(tmp_path, pki):
    """--serve-ca/--serve-ca-key: the cases come from the CA the client
    trusts (the test PKI's root); nothing is written to the directory."""
    need("curl")
    serve = ServeRun(tmp_path, ["--serve-ca", pki / "root.pem", "--serve-ca-key",
                                pki / "root.key", "--cases", "untrusted,wrong-eku",
                                "--fail-on", "critical", "--timeout", "60s"])
    loop = threading.Thread(target=reconnect_loop, args=(serve, curl(False), pki / "root.pem"),
                            daemon=True)
    loop.start()
    rc, doc = serve.finish()
    loop.join(30)
    assert not list(tmp_path.glob("tlsprobe-serve-ca*"))
    assert doc["serve"]["ca"]["generated"] is False
    assert doc["serve"]["ca"]["file"] == str(pki / "root.pem")
    check_battery(doc, serve.stderr(), accepts_bad_certs=False,
                  cases=["valid", "untrusted", "wrong-eku"])
    assert rc == 0, describe(doc, serve.stderr())


def test_generated_ca_is_new_each_run(tmp_path):
    """Without --serve-ca every run makes a CA of its own, in new files
    named after the time, and says how to serve from it again: the next
    run with that --serve-ca/--serve-ca-key is trusted by a client that
    was given the first run's CA."""
    need("curl")
    rc, doc, stderr = play(tmp_path, curl(True), args=["--cases", "expired"])
    assert doc["serve"]["ca"]["generated"] is True
    m = re.search(r"test CA written to (tlsprobe-serve-ca-\d{8}-\d{6}(?:-\d+)?\.pem) .*its key "
                  r"to (\S+\.key); .*--serve-ca (\S+) --serve-ca-key (\S+)\n", stderr)
    assert m and m[1] == m[3] and m[2] == m[4] == m[1][:-4] + ".key", stderr
    assert doc["serve"]["ca"]["file"] == m[1] and doc["serve"]["ca"]["key_file"] == m[2]
    first, first_key = tmp_path / m[1], tmp_path / m[2]
    pem = first.read_bytes()
    assert oct(first_key.stat().st_mode & 0o777) == "0o600"
    # A second run in the same directory: another CA, the first untouched.
    rc, doc, stderr = play(tmp_path, curl(True), args=["--cases", "expired"])
    assert doc["serve"]["ca"]["generated"] is True
    assert doc["serve"]["ca"]["file"] != m[1]
    assert first.read_bytes() == pem
    assert len(list(tmp_path.glob("tlsprobe-serve-ca-*.pem"))) == 2
    # The printed options serve from the first CA: a validating client that
    # trusts only it passes the control.
    serve = ServeRun(tmp_path, ["--serve-ca", m[3], "--serve-ca-key", m[4], "--cases", "expired",
                                "--timeout", "60s"])
    loop = threading.Thread(target=reconnect_loop, args=(serve, curl(False), first), daemon=True)
    loop.start()
    rc, doc = serve.finish()
    loop.join(30)
    assert doc["serve"]["ca"]["generated"] is False and serve.ca is None
    check_battery(doc, serve.stderr(), accepts_bad_certs=False, cases=["valid", "expired"])
    assert len(list(tmp_path.glob("tlsprobe-serve-ca-*"))) == 4


def test_ipv6(tmp_path):
    if not ipv6_loopback_available():
        pytest.skip("no ::1")
    rc, doc, stderr = play(tmp_path, curl(True), args=["--cases", "self-signed"],
                           tool="curl", listen="[::1]:0")
    assert doc["serve"]["listen"].startswith("[::1]:")
    check_battery(doc, stderr, accepts_bad_certs=True, cases=["valid", "self-signed"])


def test_ip_address_hostname(tmp_path):
    """--hostname 127.0.0.1: the leaves carry an IP address SAN, which a
    validating curl checks against the address it connected to."""
    need("curl")
    serve = ServeRun(tmp_path, ["--cases", "wrong-host", "--timeout", "60s"],
                     hostname="127.0.0.1")

    def make(host, port, ca):
        return ["curl", "-s", "-o", "/dev/null", "-m", "5", "--cacert", ca,
                f"https://127.0.0.1:{port}/"], b""
    loop = threading.Thread(target=reconnect_loop,
                            args=(serve, make, serve.ca), daemon=True)
    loop.start()
    rc, doc = serve.finish()
    loop.join(30)
    check_battery(doc, serve.stderr(), accepts_bad_certs=False,
                  cases=["valid", "wrong-host"])
    assert rc == 0


def client_hello_bytes():
    """A real ClientHello, from Python's TLS stack without a socket."""
    import ssl
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def test_client_stalls_after_its_hello(tmp_path):
    """A client that sends its ClientHello and then nothing: the control is
    "gone" after --serve-wait, and the next connection gets the next case."""
    need("curl")
    serve = ServeRun(tmp_path, ["--cases", "expired", "--serve-wait", "1s", "--timeout", "60s"])
    raw_connection(serve.host, serve.port, client_hello_bytes(), linger=2.0, shut=False)
    loop = threading.Thread(target=reconnect_loop, args=(serve, curl(True),
                                                         serve.ca),
                            daemon=True)
    loop.start()
    rc, doc = serve.finish()
    loop.join(30)
    tests = doc["client_tests"]
    info = describe(doc, serve.stderr())
    assert tests[0]["verdict"] == "gone" and tests[0]["accepted"] is None, info
    assert "silent" in tests[0]["note"], info
    assert tests[0]["control_after_accepted"] is True, info  # the last control
    assert [t["verdict"] for t in tests[1:]] == ["accepted", "accepted"], info
    # The first control did not pass: the battery says its refusals are weak.
    assert "serve-control-rejected" in {f["id"] for f in doc["findings"]}, info


def test_timeout_without_clients(tmp_path):
    """Nobody connects: --timeout ends the run with exit 3, and the report
    says which tests were not run."""
    serve = ServeRun(tmp_path, ["--timeout", "1500ms", "--cases", "expired"])
    rc, doc = serve.finish(timeout=30)
    assert rc == 3
    assert doc["error"]["code"] == "timeout" and "--timeout" in doc["error"]["message"]
    assert doc["serve"]["stopped"] == "--timeout"
    assert [t["verdict"] for t in doc["client_tests"]] == ["not-run"] * 3
    assert all(t["accepted"] is None for t in doc["client_tests"])


def test_connections_limit(tmp_path):
    need("curl")
    rc, doc, stderr = play(tmp_path, curl(True), args=["--connections", "2"])
    assert doc["serve"]["stopped"] == "--connections"
    assert doc["serve"]["connections"] == 2
    decided = [t for t in doc["client_tests"] if t["verdict"] != "not-run"]
    assert [t["id"] for t in decided] == ["valid", "expired"]


@pytest.mark.parametrize("args,message", [
    (["--serve", "127.0.0.1:0"], "--hostname"),
    (["--hostname", "x"], "needs --serve"),
    (["--serve", "127.0.0.1:0", "--hostname", "x", "--cases", "nope"], "unknown case"),
    (["--serve", "127.0.0.1:0", "--hostname", "x", "--serve-ca", "a.pem"], "go together"),
    (["--serve", "127.0.0.1", "--hostname", "x"], "ADDRESS:PORT"),
    (["--serve", "127.0.0.1:0", "--hostname", "x", "host"], "takes no HOST"),
    (["--serve", "127.0.0.1:0", "--hostname", "x", "--enum"], "--enum"),
    (["--serve", "127.0.0.1:0", "--hostname", "x", "-4"], "--ipv4"),
    (["--serve", "127.0.0.1:0", "--hostname", "x", "--serve-wait", "0"], "--serve-wait"),
    (["--serve", "127.0.0.1:0", "--hostname", "x", "--starttls", "xmpp"],
     "--serve --starttls xmpp: the server side speaks smtp, lmtp, imap, pop3, ftp, nntp"),
])
def test_usage_errors(tmp_path, args, message):
    proc = subprocess.run([tlsprobe_path()] + args, cwd=tmp_path, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not list(tmp_path.glob("tlsprobe-serve-ca*"))


@pytest.mark.parametrize("cert,key,message", [
    ("leaf.pem", "leaf.key", "not a CA certificate"),
    ("root.pem", "client.key", "is not the key of"),
    ("missing.pem", "root.key", "cannot read"),
    ("root.key", "root.key", "no PEM certificate"),
])
def test_bad_serve_ca(tmp_path, pki, cert, key, message):
    proc = subprocess.run([tlsprobe_path(), "--serve", "127.0.0.1:0", "--hostname", "localhost",
                           "--serve-ca", pki / cert, "--serve-ca-key", pki / key],
                          cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and proc.stdout == ""


def test_generated_ca_never_replaces_a_file(tmp_path):
    """Files with the names a run would pick (this second and the next
    few, the key or the certificate alone) stay as they are: the run takes
    a name with a suffix or a later time."""
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    taken = []
    for k in range(-1, 8):
        stamp = (now + datetime.timedelta(seconds=k)).strftime("%Y%m%d-%H%M%S")
        name = tmp_path / f"tlsprobe-serve-ca-{stamp}.{'pem' if k % 2 else 'key'}"
        name.write_text("x")
        taken.append(name)
    serve = ServeRun(tmp_path, ["--cases", "expired", "--timeout", "1s"])
    rc, doc = serve.finish(timeout=30)
    assert rc == 3, serve.stderr()
    assert all(t.read_text() == "x" for t in taken)
    written = doc["serve"]["ca"]["file"]
    assert os.path.basename(serve.ca) == written
    assert tmp_path / written not in taken
    assert (tmp_path / written).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert doc["serve"]["ca"]["key_file"] == written[:-4] + ".key"
    assert oct((tmp_path / (written[:-4] + ".key")).stat().st_mode & 0o777) == "0o600"


def test_address_in_use(tmp_path):
    """An address that cannot be bound: exit 3, one line, a JSON error."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run([tlsprobe_path(), "--serve", f"127.0.0.1:{port}", "--hostname",
                               "localhost", "--json", "--cases", "expired"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=30)
    assert proc.returncode == 3, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["error"]["stage"] == "connect" and "cannot listen" in doc["error"]["message"]


# --------------------------------------------------------------------------
# Bad input: one line each, the case served again, the server goes on


def raw_connection(host, port, payload, linger=0.0, shut=True):
    with socket.create_connection((host, port), timeout=10) as s:
        if payload:
            try:
                s.sendall(payload)
            except OSError:
                pass
        if linger:
            time.sleep(linger)
        if shut:
            try:
                s.shutdown(socket.SHUT_WR)
                s.recv(100)
            except OSError:
                pass


def ssl2_client_hello():
    kinds = bytes.fromhex("0700c0") + bytes.fromhex("010080")
    challenge = os.urandom(16)
    body = bytes([1, 0, 2]) + len(kinds).to_bytes(2, "big") + (0).to_bytes(2, "big") + \
        len(challenge).to_bytes(2, "big") + kinds + challenge
    return (0x8000 | len(body)).to_bytes(2, "big") + body


def test_bad_input_then_a_real_client(tmp_path):
    need("curl")
    serve = ServeRun(tmp_path, ["--cases", "expired", "--serve-wait", "1s", "--timeout", "60s"])
    host, port = serve.host, serve.port
    raw_connection(host, port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    raw_connection(host, port, os.urandom(3) + b"\x00garbage\xff" * 10)
    raw_connection(host, port, ssl2_client_hello())
    raw_connection(host, port, b"\x16\x03\x01", linger=1.5, shut=False)  # stalls
    # Floods: handshake records that never complete a ClientHello.
    flood = (b"\x16\x03\x01\x40\x00" + b"\x01\x00\xff\xff" + b"A" * 0x3ffc) + \
        (b"\x16\x03\x01\x40\x00" + b"A" * 0x4000) * 8
    raw_connection(host, port, flood)
    loop = threading.Thread(target=reconnect_loop, args=(serve, curl(True),
                                                         serve.ca),
                            daemon=True)
    loop.start()
    rc, doc = serve.finish()
    loop.join(30)
    err = serve.stderr()
    info = describe(doc, err)
    bad = [l for l in err.splitlines() if "marked unknown" in l]
    assert len(bad) == 5, info
    assert "plain text, not TLS" in bad[0] and "GET / HTTP/1.1" in bad[0]
    assert "not TLS" in bad[1]
    assert "SSL 2.0 CLIENT-HELLO" in bad[2]
    assert "stalled" in bad[3]
    assert "flood" in bad[4] or "ClientHello" in bad[4], bad[4]
    assert doc["serve"]["bad_connections"] == 5
    log = doc["serve"]["connection_log"]
    assert [c["verdict"] for c in log[:5]] == ["unknown"] * 5
    assert {c["case"] for c in log[:5]} == {"valid"}
    # The control was served again to the next (real) connection.
    first = doc["client_tests"][0]
    assert first["id"] == "valid" and first["verdict"] == "accepted" and first["attempts"] == 6
    check_battery(doc, err, accepts_bad_certs=True, cases=["valid", "expired"])


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def test_floods_keep_memory_bounded(tmp_path):
    """Twenty clients each pushing a megabyte of handshake records that
    never make a ClientHello: each is cut at the 64 KiB cap, peak memory
    stays small, and the battery then runs for a real client."""
    need("curl")
    serve = ServeRun(tmp_path, ["--cases", "expired", "--serve-wait", "2s", "--timeout", "90s"])
    record = b"\x16\x03\x01\x40\x00" + b"\x01\x00\xff\xff" + b"B" * 0x3ffc
    junk = record + (b"\x16\x03\x01\x40\x00" + b"B" * 0x4000) * 63
    before = vm_hwm_kb(serve.proc.pid)
    for _ in range(20):
        raw_connection(serve.host, serve.port, junk)
    after = vm_hwm_kb(serve.proc.pid)
    loop = threading.Thread(target=reconnect_loop, args=(serve, curl(True),
                                                         serve.ca),
                            daemon=True)
    loop.start()
    rc, doc = serve.finish()
    loop.join(30)
    assert doc["serve"]["bad_connections"] == 20, describe(doc, serve.stderr())
    check_battery(doc, serve.stderr(), accepts_bad_certs=True, cases=["valid", "expired"])
    if os.environ.get("TP_SANITIZED") != "1":
        assert after - before < 8 * 1024, (before, after)


def test_ssl2_compatible_hello_is_served(tmp_path):
    """A version 2.0 compatible hello announcing TLS 1.0 (old OpenSSL's
    default) is answered: GnuTLS replies with a TLS 1.0 ServerHello, and the
    offer is recorded as an SSL 2.0-format hello. The client then hangs up:
    the control is "gone", not unknown."""
    serve = ServeRun(tmp_path, ["--cases", "expired", "--connections", "1", "--timeout", "30s"])
    kinds = bytes.fromhex("00002f000035")
    body = bytes([1, 3, 1]) + len(kinds).to_bytes(2, "big") + (0).to_bytes(2, "big") + \
        (32).to_bytes(2, "big") + kinds + os.urandom(32)
    with socket.create_connection((serve.host, serve.port), timeout=10) as s:
        s.sendall((0x8000 | len(body)).to_bytes(2, "big") + body)
        reply = s.recv(5)
    rc, doc = serve.finish()
    info = describe(doc, serve.stderr())
    assert reply[:3] == b"\x16\x03\x01", reply
    assert "marked unknown" not in serve.stderr(), info
    first = doc["client_tests"][0]
    assert first["verdict"] == "gone", info
    offer = doc["serve"]["offers"][first["offer"]]
    assert offer["client_hello"]["format"] == "sslv2"
    assert offer["client_hello"]["legacy_version"] == "TLSv1.0"
    assert "offer-no-tls13" in offer["findings"]


TWO_AT_ONCE_CLIENT = r"""
import socket, ssl, sys, threading
port = int(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
raws = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
def one(raw):
    try:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
    except (OSError, ssl.SSLError):
        pass
threads = [threading.Thread(target=one, args=(r,)) for r in raws]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def test_two_connections_at_once(tmp_path):
    """A browser-like client opens two connections at once and handshakes
    on both: tlsprobe serves one connection at a time (the second waits in
    the listen backlog, its ClientHello with it), so both are decided in
    the battery's order and none is lost."""
    def make(host, port, ca):
        return [sys.executable, "-c", TWO_AT_ONCE_CLIENT, str(port)], b""
    rc, doc, stderr = play(tmp_path, make, args=["--cases", FEW])
    check_battery(doc, stderr, accepts_bad_certs=True, cases=["valid"] + FEW.split(","))
    info = describe(doc, stderr)
    assert doc["serve"]["bad_connections"] == 0, info
    assert all(t["attempts"] == 1 for t in doc["client_tests"]), info
    # Every connection that came while the battery ran was served a case.
    served = [c for c in doc["serve"]["connection_log"] if c["case"] is not None]
    assert len(served) == len(doc["client_tests"]), info
