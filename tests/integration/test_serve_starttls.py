"""--serve --starttls: tlsprobe plays the server side of SMTP, LMTP, IMAP,
POP3, FTP and NNTP up to STARTTLS, then the battery as over TLS at once.

Real clients from Debian reconnect in a loop (test_serve.py's harness):
curl --ssl-reqd against smtp://, imap://, pop3:// and ftp:// (validating,
and with -k), gnutls-cli --starttls-proto (validating, and --insecure),
openssl s_client -starttls with and without
-verify_return_error (without it s_client goes on after a verify error,
which is accepting). Their verdicts are checked case by case as in
test_serve.py. Then clients that are not what they should be, from a raw
socket (scripted, on 127.0.0.1): one that never asks for STARTTLS, one that
speaks TLS at once, HTTP, binary bytes, an endless line, a command that
smuggles bytes after STARTTLS, a stall, a flood of commands: each is one
line and an unknown case, and the server goes on serving a real client.
"""

import re
import socket
import subprocess
import threading
import time

import pytest

from conftest import tlsprobe_path
from test_serve import (FEW, GNUTLS_DEFAULT_ACCEPTS, ServeRun, check_battery, client_hello_bytes, describe,
                        need, play, reconnect_loop)

# What each client sends over TLS once the handshake is done (s_client's
# stdin): the protocol's own goodbye.
QUIT = {"smtp": b"QUIT\r\n", "lmtp": b"QUIT\r\n", "imap": b"a9 LOGOUT\r\n", "pop3": b"QUIT\r\n",
        "ftp": b"QUIT\r\n", "nntp": b"QUIT\r\n"}


def curl_starttls(proto, insecure):
    def make(host, port, ca):
        argv = ["curl", "-s", "-o", "/dev/null", "-m", "5", "--ssl-reqd", "--cacert", ca,
                "--resolve", f"localhost:{port}:{host}", f"{proto}://localhost:{port}/"]
        if insecure:
            argv.insert(1, "-k")
        return argv, b""
    return make


def s_client_starttls(proto, verify):
    def make(host, port, ca):
        argv = ["openssl", "s_client", "-starttls", proto, "-connect", f"{host}:{port}",
                "-servername", "localhost", "-CAfile", ca, "-quiet"]
        if verify:
            argv += ["-verify_return_error", "-verify_hostname", "localhost"]
        return argv, QUIT[proto]
    return make


PROTOS = ["smtp", "imap", "pop3", "ftp"]


def battery(tmp_path, proto, make, tool, cases=None):
    args = ["--starttls", proto] + (["--cases", cases] if cases else [])
    started = time.monotonic()
    rc, doc, stderr = play(tmp_path, make, args=args, tool=tool)
    took = time.monotonic() - started
    assert doc["serve"]["starttls"] == proto, describe(doc, stderr)
    print(f"\n{proto} {tool}: {len(doc['client_tests'])} tests in {took:.1f} s, "
          f"{doc['serve']['connections']} connections")
    return rc, doc, stderr


@pytest.mark.parametrize("proto", PROTOS)
@pytest.mark.parametrize("insecure", [False, True], ids=["curl", "curl -k"])
def test_curl_full_battery(tmp_path, proto, insecure):
    """curl --ssl-reqd greets, asks for STARTTLS (AUTH SSL for FTP), and
    validates: it accepts the controls only; with -k every certificate
    case. Every connection went through the plaintext dialogue."""
    rc, doc, stderr = battery(tmp_path, proto, curl_starttls(proto, insecure), "curl")
    findings = check_battery(doc, stderr, accepts_bad_certs=insecure)
    info = describe(doc, stderr)
    assert [t["id"] for t in doc["client_tests"]].count("valid") == 6, info
    assert ("client-no-validation" in findings) == insecure, info
    assert doc["serve"]["bad_connections"] == 0, info
    assert "marked unknown" not in stderr, info


@pytest.mark.parametrize("proto", PROTOS)
@pytest.mark.parametrize("verify", [True, False], ids=["-verify_return_error", "no-verify"])
def test_s_client_full_battery(tmp_path, proto, verify):
    """openssl s_client -starttls: with -verify_return_error it refuses
    every bad certificate; without, it goes on after the verify error
    (accepting), as over TLS at once."""
    rc, doc, stderr = battery(tmp_path, proto, s_client_starttls(proto, verify), "openssl")
    check_battery(doc, stderr, accepts_bad_certs=not verify)
    assert doc["serve"]["bad_connections"] == 0, describe(doc, stderr)


def gnutls_cli_starttls(proto, insecure):
    def make(host, port, ca):
        argv = ["gnutls-cli", f"--starttls-proto={proto}", "--x509cafile", ca, "-p", str(port),
                "localhost"]
        if insecure:
            argv.insert(1, "--insecure")
        return argv, QUIT[proto]
    return make


@pytest.mark.parametrize("proto", PROTOS)
@pytest.mark.parametrize("insecure", [False, True], ids=["gnutls-cli", "gnutls-cli --insecure"])
def test_gnutls_cli_full_battery(tmp_path, proto, insecure):
    """gnutls-cli --starttls-proto: validating (GnuTLS's default profile
    lets RSA-1024 pass, as over TLS at once), and --insecure."""
    rc, doc, stderr = battery(tmp_path, proto, gnutls_cli_starttls(proto, insecure),
                              "gnutls-cli")
    check_battery(doc, stderr, accepts_bad_certs=insecure,
                  accepted_certs=None if insecure else GNUTLS_DEFAULT_ACCEPTS)
    assert doc["serve"]["bad_connections"] == 0, describe(doc, stderr)


@pytest.mark.parametrize("proto", ["lmtp", "nntp"])
def test_s_client_lmtp_nntp(tmp_path, proto):
    rc, doc, stderr = battery(tmp_path, proto, s_client_starttls(proto, True), "openssl",
                              cases=FEW)
    check_battery(doc, stderr, accepts_bad_certs=False,
                  cases=["valid"] + FEW.split(","))


def test_text_report_names_the_protocol(tmp_path):
    need("curl")
    serve = ServeRun(tmp_path, ["--starttls", "pop3", "--cases", "expired", "--timeout", "60s"],
                     json=False)
    loop = threading.Thread(target=reconnect_loop,
                            args=(serve, curl_starttls("pop3", False), serve.ca), daemon=True)
    loop.start()
    try:
        rc = serve.proc.wait(timeout=90)
    finally:
        loop.join(30)
    serve.out_reader.join(5)
    text = serve.stdout.decode()
    assert re.search(r"Serving 127\.0\.0\.1:\d+ as localhost, STARTTLS pop3", text), text
    assert rc == 0, text


# --------------------------------------------------------------------------
# Clients that are not what they should be (a raw socket)


def talk(host, port, lines, read_greeting=True, linger=0.3):
    """Connect, read the greeting, send each item (bytes) and read what
    comes back. Returns everything received."""
    got = b""
    with socket.create_connection((host, port), timeout=5) as s:
        s.settimeout(2)
        if read_greeting:
            got += s.recv(4096)
        for item in lines:
            s.sendall(item)
            time.sleep(linger)
            try:
                got += s.recv(65536)
            except (socket.timeout, ConnectionError):
                pass
    return got


def test_client_that_never_asks_for_starttls(tmp_path):
    """EHLO, MAIL (refused with 530), QUIT: the case is unknown with "did
    not ask for STARTTLS"; the next client gets the same case."""
    need("curl")
    serve = ServeRun(tmp_path, ["--starttls", "smtp", "--cases", "expired", "--serve-wait", "2s",
                                "--timeout", "60s"])
    got = talk(serve.host, serve.port, [b"EHLO device.example\r\n",
                                         b"MAIL FROM:<a@example.org>\r\n", b"QUIT\r\n"])
    assert got.startswith(b"220 "), got
    assert b"250 STARTTLS\r\n" in got and b"530 5.7.0" in got and b"221 " in got, got
    loop = threading.Thread(target=reconnect_loop,
                            args=(serve, curl_starttls("smtp", True), serve.ca), daemon=True)
    loop.start()
    rc, doc = serve.finish()
    loop.join(30)
    info = describe(doc, serve.stderr())
    log = doc["serve"]["connection_log"]
    assert log[0]["verdict"] == "unknown" and log[0]["case"] == "valid", info
    assert log[0]["note"] == ("client did not ask for STARTTLS: it quit after 3 commands "
                              "(the last: QUIT)"), info
    assert doc["serve"]["bad_connections"] == 1
    check_battery(doc, serve.stderr(), accepts_bad_certs=True, cases=["valid", "expired"])


def test_imap_tags_and_refusals(tmp_path):
    """IMAP answers carry the client's tag; LOGIN before STARTTLS is a NO
    with PRIVACYREQUIRED; a line without a command is an untagged BAD."""
    serve = ServeRun(tmp_path, ["--starttls", "imap", "--cases", "expired", "--connections",
                                "1", "--timeout", "30s"])
    got = talk(serve.host, serve.port, [b"x7 CAPABILITY\r\n", b"x8 LOGIN a b\r\n", b"x9\r\n",
                                         b"y1 LOGOUT\r\n"])
    rc, doc = serve.finish()
    assert got.startswith(b"* OK [CAPABILITY IMAP4rev1 STARTTLS"), got
    assert b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\nx7 OK" in got, got
    assert b"x8 NO [PRIVACYREQUIRED]" in got and b"* BAD" in got, got
    assert b"* BYE" in got and b"y1 OK LOGOUT" in got, got
    assert "did not ask for STARTTLS: it quit after 4 commands" in \
        doc["serve"]["connection_log"][0]["note"]


BAD_CLIENTS = [
    # (what it sends after the greeting, read_greeting, what the one line says)
    ([client_hello_bytes()], True, "TLS record (the client speaks TLS at once"),
    ([b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"], True, "an HTTP request in place of a command"),
    ([b"EHLO x\r\n", b"\x00\x01garbage\xff\r\n"], True, "a byte that is not text"),
    ([b"EHLO " + b"x" * 3000], True, "a line longer than 1024 bytes"),
    ([b"EHLO x\r\n", b"STARTTLS\r\n" + client_hello_bytes()], True,
     "bytes after its SMTP STARTTLS, before the reply"),
    ([b"NOOP\r\n" * 40], True, "kept on after 32 commands"),
    ([b"EHLO x\r\n"], True, "went silent after 1 command (the last: EHLO)"),
]


def test_bad_clients_then_a_real_one(tmp_path):
    need("curl")
    serve = ServeRun(tmp_path, ["--starttls", "smtp", "--cases", "expired", "--serve-wait", "1s",
                                "--timeout", "90s"])
    for sends, greet, _ in BAD_CLIENTS:
        try:
            talk(serve.host, serve.port, sends, read_greeting=greet,
                 linger=1.3 if "silent" in _ else 0.3)
        except OSError:
            pass
    loop = threading.Thread(target=reconnect_loop,
                            args=(serve, curl_starttls("smtp", False), serve.ca), daemon=True)
    loop.start()
    rc, doc = serve.finish()
    loop.join(30)
    err = serve.stderr()
    info = describe(doc, err)
    bad = [l for l in err.splitlines() if "marked unknown" in l]
    assert len(bad) == len(BAD_CLIENTS), info
    for line, (_, _, says) in zip(bad, BAD_CLIENTS):
        assert says in line, f"{says!r} not in {line!r}"
    assert doc["serve"]["bad_connections"] == len(BAD_CLIENTS)
    check_battery(doc, err, accepts_bad_certs=False, cases=["valid", "expired"])
    assert rc == 0, info


def test_plain_tls_client_against_starttls_is_unknown(tmp_path):
    """curl speaking TLS at once (https://) to a --starttls server: the
    greeting is not TLS to it, its ClientHello is not a command to us."""
    need("curl")
    serve = ServeRun(tmp_path, ["--starttls", "ftp", "--cases", "expired", "--connections", "1",
                                "--timeout", "30s"])
    subprocess.run(["curl", "-s", "-o", "/dev/null", "-m", "5", "-k",
                    f"https://127.0.0.1:{serve.port}/"], timeout=15)
    rc, doc = serve.finish()
    note = doc["serve"]["connection_log"][0]["note"]
    assert note.startswith("FTP: a TLS record") or "did not ask for STARTTLS" in note, note
    assert doc["client_tests"][0]["verdict"] == "not-run"
