"""--dtls: the handshake report over UDP (issue 9) against real DTLS servers
on loopback: gnutls-serv --udp (certificates, PSK, with and without its
cookie exchange), openssl s_server -dtls1_2 / -dtls1 (with and without
-listen), and libcoap's coap-server-gnutls / coap-server-openssl (PSK and
certificates). Ground truth from openssl s_client -dtls1_2 and gnutls-cli
--udp. Bad input from the scripted peer peers/dtls_bad_peer.py (silence,
garbage, empty datagrams, a HelloVerifyRequest flood, a wrong epoch), a
first flight lost by the relay peers/dtls_loss_relay.py, a closed UDP port (ICMP port unreachable), and the command line."""

import hashlib
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import (SERVER_START_TIMEOUT, _killpg, explain, finding_ids, pem_sha256,
                      require_tool, run, run_json)

PSK_IDENTITY = "dev1"
PSK_HEX = "00112233445566778899aabbccddeeff"
# libcoap's -k takes the key's bytes as typed, not hex.
COAP_PSK = "secretPSK"
COAP_PSK_HEX = COAP_PSK.encode().hex()

# tlsprobe's deadline in the runs that must fail, and the slack a loaded
# 2-core machine gets on top of it.
TIMEOUT_S = 4
SLACK_S = 4


# --------------------------------------------------------------------------
# UDP servers: the ServerFactory waits for a TCP listener, these bind UDP.


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def udp_bound(port):
    """Whether some socket is bound to UDP port on 127.0.0.1 or the
    wildcard (/proc/net/udp: local_address is HEXIP:HEXPORT)."""
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        local = line.split()[1]
        ip, hexport = local.split(":")
        if int(hexport, 16) == port and ip in ("0100007F", "00000000"):
            return True
    return False


class UdpServer:
    def __init__(self, argv, port, workdir, env=None, listen_port=None):
        self.port = port
        self.log_path = workdir / "server.log"
        full_env = dict(os.environ)
        full_env.update(env or {})
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=log,
                                         stderr=subprocess.STDOUT, env=full_env, cwd=workdir,
                                         start_new_session=True)
        wait_port = listen_port or port
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline and not udp_bound(wait_port):
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not udp_bound(wait_port):
            _killpg(self.proc)
            pytest.fail(f"{argv[0]} did not bind UDP {wait_port}: {self.log()}", pytrace=False)

    @property
    def target(self):
        return f"127.0.0.1:{self.port}"

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        _killpg(self.proc)


@pytest.fixture
def udp_servers(tmp_path, pki):
    started = []
    count = [0]

    def workdir():
        count[0] += 1
        d = tmp_path / f"udp-{count[0]}"
        d.mkdir()
        return d

    class Factory:
        def gnutls(self, extra=(), cert=True):
            """gnutls-serv --udp under the bind_loopback shim."""
            exe = require_tool("gnutls-serv")
            shim = os.environ.get("TP_BIND_LOOPBACK")
            if not shim or not os.path.exists(shim):
                pytest.skip("TP_BIND_LOOPBACK is not set: gnutls-serv would listen everywhere")
            port = free_udp_port()
            argv = [exe, "--udp", "--port", str(port), "--echo", "--disable-client-cert"]
            if cert:
                argv += ["--x509certfile", str(pki / "leaf-fullchain.pem"),
                         "--x509keyfile", str(pki / "leaf.key")]
            s = UdpServer(argv + list(extra), port, workdir(), env={"LD_PRELOAD": shim})
            started.append(s)
            return s

        def openssl(self, version="-dtls1_2", extra=()):
            exe = require_tool("openssl")
            port = free_udp_port()
            argv = [exe, "s_server", version, "-accept", f"127.0.0.1:{port}", "-quiet",
                    "-cert", str(pki / "leaf.pem"), "-key", str(pki / "leaf.key"),
                    "-cert_chain", str(pki / "inter.pem")] + list(extra)
            s = UdpServer(argv, port, workdir())
            started.append(s)
            return s

        def coap(self, flavour, extra):
            """coap-server-gnutls/-openssl: -p P is CoAP over UDP, DTLS is P+1."""
            exe = require_tool(f"coap-server-{flavour}")
            port = free_udp_port()
            while port >= 65535 or not free_port_pair(port):
                port = free_udp_port()
            argv = [exe, "-A", "127.0.0.1", "-p", str(port), "-v", "0"] + list(extra)
            s = UdpServer(argv, port + 1, workdir(), listen_port=port + 1)
            started.append(s)
            return s

    yield Factory()
    for s in started:
        s.stop()


def free_port_pair(port):
    """port + 1 is free for UDP too (libcoap binds both)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", port + 1))
        return True
    except OSError:
        return False


def openssl_iana_names():
    """OpenSSL suite name -> IANA name (`openssl ciphers -stdname`)."""
    out = subprocess.run(["openssl", "ciphers", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "-":
            table[parts[2]] = parts[0]
    return table


def s_client_suite(target, *args):
    """The suite openssl s_client negotiates with target, by IANA name."""
    host, port = target.rsplit(":", 1)
    proc = subprocess.run(["openssl", "s_client", "-connect", f"{host}:{port}"] + list(args),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    for line in proc.stdout.splitlines():
        if "Cipher is " in line:
            name = line.split("Cipher is ", 1)[1].strip()
            return openssl_iana_names().get(name, name)
    pytest.fail(f"s_client negotiated nothing: {proc.stdout}{proc.stderr}", pytrace=False)
    return None


def same_suite_with_s_client(target, iana_name, *args):
    """openssl s_client -dtls1_2 offering only iana_name negotiates it."""
    names = {iana: ossl for ossl, iana in openssl_iana_names().items()}
    assert iana_name in names, f"openssl has no name for {iana_name}"
    return s_client_suite(target, "-dtls1_2", "-cipher", names[iana_name] + ":@SECLEVEL=0",
                          *args) == iana_name


def gnutls_cli_description(target, *args):
    """gnutls-cli --udp's '- Description:' line for one handshake."""
    host, port = target.rsplit(":", 1)
    proc = subprocess.run(["gnutls-cli", "--udp", "-p", port, host] + list(args),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    for line in proc.stdout.splitlines():
        if line.startswith("- Description:"):
            return line.split(":", 1)[1].strip()
    pytest.fail(f"gnutls-cli completed no handshake: {proc.stdout}{proc.stderr}", pytrace=False)
    return None


def dtls_of(res):
    d = res.doc.get("dtls")
    assert isinstance(d, dict), explain(res)
    return d


# --------------------------------------------------------------------------
# Real servers


def test_gnutls_serv_certificates(udp_servers, pki):
    srv = udp_servers.gnutls()
    truth = gnutls_cli_description(srv.target, "--x509cafile", str(pki / "root.pem"),
                                   "--verify-hostname", "localhost")
    res = run_json(["--dtls", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem")])
    assert res.rc == 1, explain(res)  # dtls-10-accepted is high
    hs = res.doc["handshake"]
    assert hs["completed"] and hs["version"] == "DTLSv1.2", explain(res)
    assert truth.startswith("(DTLS1.2-X.509)"), truth
    # gnutls-cli names the cipher ("AES-256-GCM"); the IANA name holds it.
    cipher = truth.rsplit("-(", 1)[1].rstrip(")").replace("-", "_")
    assert cipher in hs["cipher_suite"]["name"], (truth, explain(res))
    assert res.doc["target"]["transport"] == "udp"
    assert res.doc["request"]["dtls"] is True and res.doc["request"]["mtu"] == 1400
    assert res.doc["verification"]["trusted"] is True, explain(res)
    assert res.doc["certificates"][0]["sha256"] == pem_sha256(pki / "leaf.pem")
    d = dtls_of(res)
    # gnutls-serv always asks for a cookie (RFC 6347 Sec. 4.2.1) ...
    assert d["cookie_exchange"] is True and d["hello_verify_requests"] == 1, explain(res)
    assert d["cookie_bytes"] is not None and 0 < d["cookie_bytes"] <= 255
    # ... so its first answer is the small HelloVerifyRequest.
    assert 0 < d["amplification"] < 1, explain(res)
    assert d["client_hello_bytes"] <= 1400 and d["datagrams_sent"] >= 3
    assert d["retransmissions"] == 0 and d["ignored_datagrams"] == 0, explain(res)
    # gnutls-serv speaks DTLS 1.0 too: a finding.
    assert d["dtls10_accepted"] is True, explain(res)
    ids = finding_ids(res.doc)
    assert "dtls-10-accepted" in ids and "dtls-no-cookie" not in ids, explain(res)
    assert res.doc["other_chains"] == []
    assert d["raw_public_key"] is False  # offered, and a certificate came


def test_gnutls_serv_without_cookie_amplifies(udp_servers, pki):
    srv = udp_servers.gnutls(extra=["--nocookie"])
    res = run_json(["--dtls", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--fail-on", "critical"])
    assert res.rc == 0, explain(res)
    d = dtls_of(res)
    assert d["cookie_exchange"] is False and d["hello_verify_requests"] == 0, explain(res)
    assert d["cookie_bytes"] is None
    # The certificate chain alone is larger than the ClientHello.
    assert d["first_flight_bytes"] > d["client_hello_bytes"], explain(res)
    assert d["amplification"] == pytest.approx(
        d["first_flight_bytes"] / d["client_hello_bytes"], abs=0.01)
    assert d["amplification"] > 1.5
    msgs = [f["message"] for f in res.doc["findings"] if f["id"] == "dtls-no-cookie"]
    assert len(msgs) == 1 and f"{d['first_flight_bytes']} bytes" in msgs[0], explain(res)


def test_gnutls_serv_psk(udp_servers, tmp_path):
    passwd = tmp_path / "psk.passwd"
    passwd.write_text(f"{PSK_IDENTITY}:{PSK_HEX}\n")
    srv = udp_servers.gnutls(cert=False, extra=["--pskpasswd", str(passwd), "--priority",
                                                "NORMAL:+PSK:+ECDHE-PSK:+DHE-PSK:"
                                                "+VERS-DTLS1.2"])
    res = run_json(["--dtls", srv.target, "--psk-identity", PSK_IDENTITY, "--psk-key", PSK_HEX,
                    "--fail-on", "critical"])
    assert res.rc == 0, explain(res)
    hs = res.doc["handshake"]
    assert hs["completed"] and hs["version"] == "DTLSv1.2", explain(res)
    assert hs["psk"]["used"] is True and hs["psk"]["identity"] == PSK_IDENTITY
    assert hs["psk"]["key_exchange"] in hs["cipher_suite"]["name"], explain(res)
    # Ground truth: openssl s_client offering only that suite, with the
    # same key, completes with it (gnutls-cli 3.7 hangs on this server).
    assert same_suite_with_s_client(srv.target, hs["cipher_suite"]["name"], "-psk_identity",
                                    PSK_IDENTITY, "-psk", PSK_HEX), explain(res)
    assert res.doc["certificates"] == []


def test_gnutls_serv_wrong_psk_fails(udp_servers, tmp_path):
    passwd = tmp_path / "psk.passwd"
    passwd.write_text(f"{PSK_IDENTITY}:{PSK_HEX}\n")
    srv = udp_servers.gnutls(cert=False, extra=["--pskpasswd", str(passwd), "--priority",
                                                "NORMAL:+PSK:+ECDHE-PSK:+DHE-PSK"])
    res = run_json(["--dtls", srv.target, "--psk-identity", PSK_IDENTITY, "--psk-key",
                    "ff" * 16, "--timeout", f"{TIMEOUT_S}s"])
    assert res.rc in (3, 4), explain(res)
    assert res.doc["handshake"]["completed"] is False
    assert res.elapsed < TIMEOUT_S + SLACK_S


@pytest.mark.parametrize("listen", [False, True], ids=["plain", "listen"])
def test_openssl_dtls12(udp_servers, pki, listen):
    srv = udp_servers.openssl("-dtls1_2", extra=["-listen"] if listen else [])
    res = run_json(["--dtls", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem")])
    assert res.rc == 0, explain(res)
    hs = res.doc["handshake"]
    assert hs["completed"] and hs["version"] == "DTLSv1.2", explain(res)
    assert res.doc["verification"]["trusted"] is True, explain(res)
    d = dtls_of(res)
    # s_server asks for a cookie either way (it sets SSL_OP_COOKIE_EXCHANGE).
    assert d["cookie_exchange"] is True, explain(res)
    # -dtls1_2 refuses DTLS 1.0 (or leaves it unanswered): never "yes".
    assert d["dtls10_accepted"] is not True, explain(res)
    assert "dtls-10-accepted" not in finding_ids(res.doc)
    srv.stop()
    # Ground truth: a fresh server for s_client (s_server serves one peer).
    srv2 = udp_servers.openssl("-dtls1_2", extra=["-listen"] if listen else [])
    truth = s_client_suite(srv2.target, "-dtls1_2", "-CAfile", str(pki / "root.pem"))
    assert hs["cipher_suite"]["name"] == truth, explain(res)


def test_openssl_dtls10_only(udp_servers, pki):
    srv = udp_servers.openssl("-dtls1", extra=["-cipher", "DEFAULT:@SECLEVEL=0"])
    res = run_json(["--dtls", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem")])
    assert res.rc == 1, explain(res)  # a high finding
    assert res.doc["handshake"]["version"] == "DTLSv1.0", explain(res)
    assert "protocol-dtls10" in finding_ids(res.doc), explain(res)
    assert dtls_of(res)["dtls10_accepted"] is True


@pytest.mark.parametrize("flavour", ["gnutls", "openssl"])
def test_coap_server_psk(udp_servers, flavour):
    srv = udp_servers.coap(flavour, ["-k", COAP_PSK, "-h", "coaphint"])
    res = run_json(["--dtls", srv.target, "--psk-identity", PSK_IDENTITY, "--psk-key",
                    COAP_PSK_HEX])
    assert res.rc in (0, 1), explain(res)
    hs = res.doc["handshake"]
    assert hs["completed"] and hs["version"] == "DTLSv1.2", explain(res)
    assert hs["psk"]["used"] is True and hs["psk"]["identity_hint"] == "coaphint", explain(res)
    assert dtls_of(res)["cookie_exchange"] is True
    # Ground truth: openssl s_client offering only that suite, with the
    # same key, completes with it.
    assert same_suite_with_s_client(srv.target, hs["cipher_suite"]["name"], "-psk_identity",
                                    PSK_IDENTITY, "-psk", COAP_PSK_HEX), explain(res)


@pytest.mark.parametrize("flavour", ["gnutls", "openssl"])
def test_coap_server_certificates(udp_servers, pki, flavour):
    srv = udp_servers.coap(flavour, ["-c", str(pki / "leaf-fullchain.pem"), "-j",
                                     str(pki / "leaf.key"), "-n"])
    res = run_json(["--dtls", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem")])
    assert res.doc["handshake"]["completed"], explain(res)
    assert res.doc["handshake"]["version"] == "DTLSv1.2"
    assert res.doc["certificates"][0]["sha256"] == pem_sha256(pki / "leaf.pem"), explain(res)


def test_coap_server_raw_public_key(udp_servers, tmp_path):
    """RFC 7250: libcoap's GnuTLS server with -M presents a raw public key;
    its fingerprint is the SHA-256 of the key's SubjectPublicKeyInfo as
    openssl computes it."""
    key = tmp_path / "rpk.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", str(tmp_path / "k.pem")], check=True,
                   capture_output=True)
    # libcoap wants the traditional EC PRIVATE KEY and the PUBLIC KEY.
    ec = subprocess.run(["openssl", "ec", "-in", str(tmp_path / "k.pem")], check=True,
                        capture_output=True).stdout
    pub = subprocess.run(["openssl", "ec", "-in", str(tmp_path / "k.pem"), "-pubout"],
                         check=True, capture_output=True).stdout
    key.write_bytes(ec + pub)
    spki = subprocess.run(["openssl", "pkey", "-in", str(tmp_path / "k.pem"), "-pubout",
                           "-outform", "DER"], check=True, capture_output=True).stdout
    srv = udp_servers.coap("gnutls", ["-M", str(key), "-n"])
    res = run_json(["--dtls", srv.target, "--fail-on", "critical"])
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["completed"], explain(res)
    d = dtls_of(res)
    assert d["raw_public_key"] is True, explain(res)
    assert d["raw_public_key_sha256"] == hashlib.sha256(spki).hexdigest(), explain(res)
    assert d["raw_public_key_bits"] == 256 and "EC" in d["raw_public_key_type"]
    assert res.doc["certificates"] == [] and res.doc["verification"]["trusted"] is None
    assert "dtls-raw-public-key" in finding_ids(res.doc), explain(res)


def test_mtu_is_honoured(udp_servers, pki):
    srv = udp_servers.gnutls()
    res = run_json(["--dtls", "--mtu", "300", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--fail-on", "critical"])
    assert res.rc == 0, explain(res)
    d = dtls_of(res)
    assert d["mtu"] == 300 and res.doc["request"]["mtu"] == 300
    assert d["client_hello_bytes"] <= 300, explain(res)


# --------------------------------------------------------------------------
# --enum


def test_server_flight_against_mtu(udp_servers, pki):
    """The largest datagram of the server's flight, against our MTU:
    gnutls-serv --udp --mtu 200 fragments its flight to 200 bytes, within
    our --mtu 300; by default it sends datagrams far above it (and within
    the default 1400)."""
    small = udp_servers.gnutls(extra=["--mtu", "200"])
    res = run_json(["--dtls", "--mtu", "300", small.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem")])
    d = dtls_of(res)
    assert res.doc["handshake"]["completed"], explain(res)
    assert 0 < d["server_flight_max_datagram"] <= 200, explain(res)
    assert d["server_flight_within_mtu"] is True, explain(res)
    big = udp_servers.gnutls()
    for mtu, within in (("300", False), (None, True)):
        args = ["--dtls", big.target, "--sni", "localhost", "--ca-file", str(pki / "root.pem")]
        res = run_json(args + (["--mtu", mtu] if mtu else []))
        d = dtls_of(res)
        assert res.doc["handshake"]["completed"], explain(res)
        assert 300 < d["server_flight_max_datagram"] <= 1400, explain(res)
        assert d["server_flight_within_mtu"] is within, explain(res)


def openssl_dtls_candidates():
    """(IANA name, OpenSSL name, protocol) of every TLS 1.2-and-older suite
    this OpenSSL knows, PSK ones included."""
    out = subprocess.run(["openssl", "ciphers", "-stdname", "-s", "-psk",
                          "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[1] == "-" and parts[3] != "TLSv1.3":
            rows.append((parts[0], parts[2], parts[3], parts[5].split("=", 1)[1]))
    return rows


def s_client_accepts(target, version_flag, ossl_name, pki):
    host, port = target.rsplit(":", 1)
    proc = subprocess.run(["openssl", "s_client", "-connect", f"{host}:{port}", version_flag,
                           "-cipher", ossl_name + ":@SECLEVEL=0", "-psk_identity", PSK_IDENTITY,
                           "-psk", PSK_HEX, "-CAfile", str(pki / "root.pem")],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    return f"Cipher is {ossl_name}" in proc.stdout


def found_suites(doc, version):
    return {s["name"] for s in doc["dtls"]["enumeration"]["cipher_suites"]
            if s["version"] == version}


OPENSSL_DTLS_SERVER_CIPHERS = ("ECDHE-ECDSA-AES128-CCM8:ECDHE-ECDSA-AES128-GCM-SHA256:"
                               "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-SHA:"
                               "PSK-AES128-CCM8:PSK-AES256-CBC-SHA:@SECLEVEL=0")


def test_enum_openssl_exact_sets(udp_servers, pki):
    """Every suite s_server accepts, in DTLS 1.2 and 1.0, and nothing else:
    s_client offering one suite at a time is the ground truth."""
    def server():
        return udp_servers.openssl("-dtls", extra=[
            "-cert", str(pki / "ecdsa.pem"), "-key", str(pki / "ecdsa.key"),
            "-cipher", OPENSSL_DTLS_SERVER_CIPHERS, "-psk", PSK_HEX])
    srv = server()
    res = run_json(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--policy", "iot-rfc7925", "--timeout", "60s"])
    assert res.rc == 1, explain(res)  # DTLS 1.0 accepted: high
    e = dtls_of(res)["enumeration"]
    assert e["versions"] == {"DTLSv1.0": True, "DTLSv1.2": True, "DTLSv1.3": False}, explain(res)
    assert e["suites_complete"] == {"DTLSv1.0": True, "DTLSv1.2": True, "DTLSv1.3": True}, \
        explain(res)
    # OpenSSL 3.0 speaks no DTLS 1.3: it refuses the TLS 1.3 suites.
    assert found_suites(res.doc, "DTLSv1.3") == set() and e["dtls13_groups_complete"] is None, \
        explain(res)
    assert e["connection_id"] is False and e["unknown_because"] is None, explain(res)
    assert e["retries"] == 0 and e["datagrams_sent"] >= e["probes"], explain(res)
    srv.stop()
    # Ground truth, one suite at a time; s_client takes half a second a
    # try, so only suites this server could authenticate with (an ECDSA
    # certificate, a PSK: OpenSSL's own Au= column), DTLS 1.2 and 1.0 on
    # two servers at once.
    rows = [r for r in openssl_dtls_candidates() if r[3] in ("ECDSA", "PSK")]
    truth12, truth10 = set(), set()

    def sweep(target, version_flag, truth, keep):
        for iana, ossl, proto, _ in rows:
            if keep(proto) and s_client_accepts(target, version_flag, ossl, pki):
                truth.add(iana)

    srv10, srv12 = server(), server()
    t = threading.Thread(target=sweep, args=(srv10.target, "-dtls1", truth10,
                                             lambda p: p != "TLSv1.2"))
    t.start()
    sweep(srv12.target, "-dtls1_2", truth12, lambda p: True)
    t.join()
    assert truth12 and "TLS_PSK_WITH_AES_128_CCM_8" in truth12, truth12
    assert found_suites(res.doc, "DTLSv1.2") == truth12, (truth12, explain(res))
    assert found_suites(res.doc, "DTLSv1.0") == truth10, (truth10, explain(res))
    ids = finding_ids(res.doc)
    assert "dtls-no-cid" in ids and "dtls-10-accepted" in ids, explain(res)
    assert "dtls-rfc7925-suite-missing" not in ids


def test_enum_rfc7925_suites_missing(udp_servers, pki):
    srv = udp_servers.openssl("-dtls1_2", extra=["-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])
    res = run_json(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--policy", "iot-rfc7925", "--timeout", "60s"])
    e = dtls_of(res)["enumeration"]
    assert found_suites(res.doc, "DTLSv1.2") == {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, \
        explain(res)
    assert e["versions"]["DTLSv1.0"] is False, explain(res)
    assert "dtls-rfc7925-suite-missing" in finding_ids(res.doc), explain(res)


def gnutls_priority_codes(priority):
    out = subprocess.run(["gnutls-cli", "-l", "--priority", priority], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    codes = set()
    for line in out.splitlines():
        if line.startswith("TLS_") and "\t0x" in line:
            hi, lo = line.split("\t")[1].split(",")
            codes.add("0x" + hi.strip()[2:].upper().zfill(2) + lo.strip()[2:].upper().zfill(2))
    return codes


def test_enum_gnutls_serv_silent_refusals(udp_servers, pki):
    """gnutls-serv answers a ClientHello it shares no suite with by silence:
    the suites are all found, and the end of the search is unknown."""
    priority = ("NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+AES-128-GCM:+CHACHA20-POLY1305:"
                "-KX-ALL:+ECDHE-RSA:+RSA")
    srv = udp_servers.gnutls(extra=["--priority", priority])
    res = run_json(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--timeout", "60s"])
    e = dtls_of(res)["enumeration"]
    codes = {s["code"] for s in e["cipher_suites"] if s["version"] == "DTLSv1.2"}
    assert codes == gnutls_priority_codes(priority), explain(res)
    assert e["versions"]["DTLSv1.2"] is True
    assert e["suites_complete"]["DTLSv1.2"] is None, explain(res)
    assert "no answer" in e["unknown_because"], explain(res)
    assert e["retries"] > 0 and e["rtt_ms"] is not None


def test_enum_reassembles_fragmented_server_hello(udp_servers, pki):
    """gnutls-serv --mtu 100 sends even its ServerHello in fragments
    (RFC 6347 Sec. 4.2.3): the scan reassembles them and finds the same
    suites as the priority allows."""
    priority = ("NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+AES-128-GCM:+CHACHA20-POLY1305:"
                "-KX-ALL:+ECDHE-RSA:+RSA")
    srv = udp_servers.gnutls(extra=["--priority", priority, "--mtu", "100"])
    res = run_json(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--timeout", "60s"])
    assert res.doc["handshake"]["completed"], explain(res)
    e = dtls_of(res)["enumeration"]
    codes = {s["code"] for s in e["cipher_suites"] if s["version"] == "DTLSv1.2"}
    assert codes == gnutls_priority_codes(priority), explain(res)


# openssl's group names for the ground truth, by IANA name.
OPENSSL_GROUPS = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521",
                  "x25519": "X25519", "x448": "X448", "brainpoolP256r1": "brainpoolP256r1",
                  "secp256k1": "secp256k1"}


def s_client_group_accepted(target, ossl_group, pki):
    """openssl s_client -dtls1_2 offering only ECDHE suites and one group
    completes a handshake with target. gnutls-serv refuses by silence,
    which s_client waits out for ever: a loopback handshake takes well
    under the 3 s it gets."""
    host, port = target.rsplit(":", 1)
    try:
        proc = subprocess.run(["openssl", "s_client", "-connect", f"{host}:{port}", "-dtls1_2",
                               "-cipher", "ECDHE:@SECLEVEL=0", "-groups", ossl_group,
                               "-CAfile", str(pki / "root.pem")], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=3)
    except subprocess.TimeoutExpired:
        return False
    return any("Cipher is " in line and "(NONE)" not in line
               for line in proc.stdout.splitlines())


def found_groups(res):
    """The DTLS 1.2 elliptic-curve groups (groups also holds the FFDHE ones
    and those seen with DTLS 1.0)."""
    groups = dtls_of(res)["enumeration"]["groups"]
    assert isinstance(groups, list), explain(res)
    return {g["name"] for g in groups
            if "DTLSv1.2" in g["versions"] and not g["name"].startswith("ffdhe")}


@pytest.mark.parametrize("kind", ["openssl", "gnutls"])
def test_enum_groups_exact(udp_servers, pki, kind):
    """The DTLS 1.2 ECDHE groups the server accepts, read from its
    ServerKeyExchange by elimination: exactly those openssl s_client
    -dtls1_2 -groups X, one at a time, completes a handshake with."""
    if kind == "openssl":
        srv = udp_servers.openssl(extra=["-groups", "P-384:X25519:secp256k1"])
    else:
        srv = udp_servers.gnutls(extra=["--priority", "NORMAL:-VERS-ALL:+VERS-DTLS1.2:"
                                        "-GROUP-ALL:+GROUP-SECP521R1:+GROUP-X448"])
    res = run_json(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--timeout", "60s"])
    found = found_groups(res)
    e = dtls_of(res)["enumeration"]
    # openssl s_server refuses with an alert; gnutls-serv by silence.
    assert e["groups_complete"] is (True if kind == "openssl" else None), explain(res)
    # Each silent refusal costs s_client's 3 s: gnutls-serv gets fewer.
    candidates = OPENSSL_GROUPS if kind == "openssl" else {
        k: OPENSSL_GROUPS[k] for k in ("secp521r1", "x448", "secp256r1", "x25519")}
    truth = {iana for iana, ossl in candidates.items()
             if s_client_group_accepted(srv.target, ossl, pki)}
    assert len(truth) == (3 if kind == "openssl" else 2), truth
    assert found == truth, (truth, explain(res))


def test_enum_groups_null_without_ecdhe(udp_servers, pki):
    srv = udp_servers.openssl(extra=["-cipher", "AES128-GCM-SHA256"])
    res = run_json(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--timeout", "60s"])
    e = dtls_of(res)["enumeration"]
    assert e["versions"]["DTLSv1.2"] is True, explain(res)
    assert e["groups"] is None and e["groups_complete"] is None, explain(res)


def test_enum_coap_gnutls_psk_only_without_key(udp_servers):
    """libcoap's GnuTLS server with only a PSK ignores offers that hold
    certificate suites: the PSK suites are found offered apart, and the
    report's failed handshake is tolerated."""
    srv = udp_servers.coap("gnutls", ["-k", COAP_PSK, "-h", "coaphint"])
    res = run_json(["--dtls", "--enum", srv.target, "--timeout", "90s"])
    e = dtls_of(res)["enumeration"]
    names = found_suites(res.doc, "DTLSv1.2")
    assert "TLS_PSK_WITH_AES_128_CCM_8" in names, explain(res)
    assert all("PSK" in n for n in names), explain(res)
    assert e["versions"]["DTLSv1.2"] is True
    assert res.doc["handshake"]["completed"] is False
    assert res.doc["handshake"]["error"] is not None, explain(res)  # tolerated


def test_enum_silent_peer(responder):
    peer = responder("dtls_bad_peer.py", "silent")
    res = run_json(["--dtls", "--enum", peer.target, "--timeout", "9s"])
    assert res.rc == 3, explain(res)
    e = dtls_of(res)["enumeration"]
    assert e["versions"] == {"DTLSv1.0": None, "DTLSv1.2": None, "DTLSv1.3": None}, explain(res)
    assert e["unknown_because"], explain(res)
    assert e["cipher_suites"] == []
    assert res.elapsed < 9 + SLACK_S, explain(res)


# --------------------------------------------------------------------------
# --timing, --link


def link_preset(name):
    import csv
    path = Path(__file__).resolve().parents[2] / "src" / "data" / "link-profiles.csv"
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["preset"] == name:
                return row
    raise KeyError(name)


def dtls_projection(flights, link):
    """The DTLS model of projection.h, recomputed: every flight waits for
    the previous one; datagrams of IPv4 20 + UDP 8 header bytes at the
    link MTU; loss p per datagram costs the flight 1 s; each flight starts
    its sender's measured processing_ms after the previous one arrives.
    (The timers' copies are left out: on loopback flights they end before
    the sender's next flight, so they cost nothing here.)"""
    mtu, rtt = int(link["mtu_bytes"]), float(link["rtt_ms"])
    p = float(link["loss_pct"] or 0) / 100.0
    t = float(link["setup_ms"] or 0)
    for f in flights:
        bps = float(link["dl_kbps" if f["direction"] == "server" else "ul_kbps"]) * 1000.0
        packets = -(-f["bytes"] // (mtu - 28))
        wire = f["bytes"] + 28 * packets
        t += f["processing_ms"]
        t += wire * 8 * 1000.0 / bps + (1 - (1 - p) ** packets) * 1000.0 + rtt / 2
    return t


def test_timing_link_projection(udp_servers):
    srv = udp_servers.coap("openssl", ["-k", COAP_PSK, "-h", "coaphint"])
    res = run_json(["--dtls", "--timing", "--link", "nb-iot", srv.target, "--psk-identity",
                    PSK_IDENTITY, "--psk-key", COAP_PSK_HEX])
    assert res.rc in (0, 1), explain(res)
    assert res.doc["timing"] is None  # the TCP timing object stays null
    t = dtls_of(res)["timing"]
    labels = [f["label"] for f in t["flights"]]
    # Cookie exchange, then the full DTLS 1.2 handshake: 3 round trips more.
    assert labels[:4] == ["ClientHello", "HelloVerifyRequest", "ClientHello", "ServerHello"], \
        explain(res)
    assert len(labels) == 6 and labels[4] == "ClientKeyExchange", explain(res)
    dirs = [f["direction"] for f in t["flights"]]
    assert dirs == ["client", "server"] * 3
    d = dtls_of(res)
    assert sum(f["bytes"] for f in t["flights"] if f["direction"] == "client") <= \
        d["client_hello_bytes"] * 4
    assert sum(f["datagrams"] for f in t["flights"]) == d["datagrams_sent"] + \
        d["datagrams_received"] - 1  # the close_notify is no flight
    p = t["projection"]
    assert p["link"] == "nb-iot" and p["round_trips"] == pytest.approx(3.0)
    assert p["spurious_retransmissions"] is True  # 1.6 s RTT > 1 s timer
    assert p["total_ms"] == pytest.approx(dtls_projection(t["flights"], link_preset("nb-iot")),
                                          abs=0.01), explain(res)
    assert sum(p["parts_ms"].values()) == pytest.approx(p["total_ms"], abs=0.01)
    # On loopback every gap is the peer's processing: the first flight has
    # none, the others what the clock showed between flights.
    assert t["flights"][0]["processing_ms"] == 0
    for prev, f in zip(t["flights"], t["flights"][1:]):
        assert 0 <= f["processing_ms"] <= f["end_ms"] - prev["end_ms"] + 0.002, explain(res)
    assert p["parts_ms"]["processing"] == pytest.approx(
        sum(f["processing_ms"] for f in t["flights"]), abs=0.01)
    assert p["timer_copies"] >= 2  # at least the two ClientHellos' timers at 1.6 s
    assert "UDP" in p["model"]


def test_timing_link_lost_flight(udp_servers):
    """lose=4: the server's flight after the cookie exchange is known lost;
    the projection sends it again at its 1 s timer, against the same
    handshake projected without the loss."""
    srv = udp_servers.coap("openssl", ["-k", COAP_PSK, "-h", "coaphint"])
    spec = "bw=20k,rtt=300ms,mtu=1430"
    base = ["--dtls", "--timing", srv.target, "--psk-identity", PSK_IDENTITY, "--psk-key",
            COAP_PSK_HEX, "--link"]
    clean = run_json(base + [spec])
    lossy = run_json(base + [spec + ",lose=4"])
    for res in (clean, lossy):
        assert res.rc in (0, 1), explain(res)
    assert dtls_of(lossy)["timing"]["flights"][3]["label"] == "ServerHello", explain(lossy)
    p0, p1 = dtls_of(clean)["timing"]["projection"], dtls_of(lossy)["timing"]["projection"]
    assert p0["parts_ms"]["loss"] == 0 and p0["timer_copies"] == 0, explain(clean)
    # Its timer fires 1 s after its first copy left; nothing else changes at
    # 300 ms (every answer arrives before a timer), so the flight's own
    # serialisation and processing may differ by what the two runs measured.
    assert p1["parts_ms"]["loss"] == pytest.approx(1000.0, abs=0.01), explain(lossy)
    assert p1["total_ms"] - p0["total_ms"] == pytest.approx(1000.0, abs=50.0)
    assert p1["timer_copies"] == 1  # the client's ClientHello, waiting > 1 s
    # Over TCP, flights known lost are a usage error before any traffic.
    res = run(["--timing", "--link", spec + ",lose=4", "127.0.0.1:9"])
    assert res.rc == 2 and "lose= is for --dtls" in res.stderr


def test_timing_without_link(udp_servers, pki):
    srv = udp_servers.gnutls()
    res = run_json(["--dtls", "--timing", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem")])
    t = dtls_of(res)["timing"]
    assert t["projection"] is None and len(t["flights"]) == 6, explain(res)
    # The server's flight carries its Certificate over several datagrams.
    assert t["flights"][3]["label"] == "ServerHello" and t["flights"][3]["datagrams"] > 1
    ends = [f["end_ms"] for f in t["flights"]]
    assert ends == sorted(ends)


# --------------------------------------------------------------------------
# Bad input


def test_lost_first_flight_is_retransmitted(udp_servers, pki, responder):
    """peers/dtls_loss_relay.py in front of gnutls-serv --udp loses the
    first copy of the server's first flight: the report still completes,
    counts our retransmission, and its timing shows RFC 6347's 1 s timer
    (Sec. 4.2.4.1) between the ClientHello and its copy."""
    srv = udp_servers.gnutls()
    relay = responder("dtls_loss_relay.py", srv.port)
    res = run_json(["--dtls", "--timing", relay.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--timeout", "20s"])
    relay.proc.terminate()
    _, err = relay.proc.communicate(timeout=10)
    dropped = int(err.decode().split("dropped ")[1].split()[0])
    assert dropped > 0, err
    assert res.rc == 0 and res.doc["handshake"]["completed"], explain(res)
    d = dtls_of(res)
    assert d["retransmissions"] >= 1 and d["retransmission_timeout_ms"] == 1000, explain(res)
    flights = d["timing"]["flights"]
    # After the cookie exchange: the ClientHello with the cookie and its
    # copy a timer later, then the server's flight.
    hello = [f for f in flights if f["label"] == "ClientHello" and f["direction"] == "client"][-1]
    assert hello["datagrams"] >= 2, flights
    assert 900 <= hello["end_ms"] <= 1900, flights
    server = next(f for f in flights if f["label"] == "ServerHello")
    assert server["end_ms"] >= 900, flights


def test_closed_udp_port_is_icmp_refused():
    port = free_udp_port()
    res = run_json(["--dtls", f"127.0.0.1:{port}", "--timeout", "10s"])
    assert res.rc == 3, explain(res)
    assert res.doc["error"]["code"] == "connect", explain(res)
    assert "ICMP" in res.doc["error"]["message"]
    assert res.elapsed < 5, explain(res)


def test_default_port_is_5684():
    res = run_json(["--dtls", "127.0.0.1", "--timeout", "3s"])
    assert res.doc["target"]["port"] == 5684, explain(res)


def test_silent_peer(responder):
    peer = responder("dtls_bad_peer.py", "silent")
    res = run_json(["--dtls", peer.target, "--timeout", f"{TIMEOUT_S}s"])
    assert res.rc == 3, explain(res)
    assert res.doc["error"]["code"] == "timeout"
    assert "no answer over UDP" in res.doc["error"]["message"], explain(res)
    d = dtls_of(res)
    # GnuTLS retransmitted the ClientHello at 1 s and 3 s (RFC 6347 Sec. 4.2.4.1).
    assert d["datagrams_sent"] >= 2 and d["retransmissions"] == d["datagrams_sent"] - 1
    assert d["datagrams_received"] == 0 and d["cookie_exchange"] is None
    assert TIMEOUT_S - 0.5 < res.elapsed < TIMEOUT_S + SLACK_S, explain(res)


@pytest.mark.parametrize("behaviour", ["garbage", "empty"])
def test_peer_that_is_not_dtls(responder, behaviour):
    peer = responder("dtls_bad_peer.py", behaviour)
    res = run_json(["--dtls", peer.target, "--timeout", f"{TIMEOUT_S}s"])
    assert res.rc == 3, explain(res)
    assert "not DTLS" in res.doc["error"]["message"], explain(res)
    d = dtls_of(res)
    assert d["ignored_datagrams"] == d["datagrams_received"] > 0, explain(res)
    assert res.elapsed < TIMEOUT_S + SLACK_S, explain(res)


def test_hello_verify_request_flood(responder):
    peer = responder("dtls_bad_peer.py", "hvr-flood")
    res = run_json(["--dtls", peer.target, "--timeout", "20s"])
    assert res.rc == 4, explain(res)
    assert "HelloVerifyRequests" in res.doc["error"]["message"], explain(res)
    d = dtls_of(res)
    assert d["hello_verify_requests"] == 5 and d["cookie_exchange"] is True, explain(res)
    # Stopped at the cap, not at the deadline.
    assert res.elapsed < 5, explain(res)


def test_wrong_epoch_records(responder):
    peer = responder("dtls_bad_peer.py", "wrong-epoch")
    res = run_json(["--dtls", peer.target, "--timeout", f"{TIMEOUT_S}s"])
    assert res.rc == 3, explain(res)
    assert res.doc["handshake"]["completed"] is False
    d = dtls_of(res)
    # Well-formed records, so not "ignored" as garbage; GnuTLS drops them.
    assert d["datagrams_received"] > 0 and d["ignored_datagrams"] == 0, explain(res)
    assert res.elapsed < TIMEOUT_S + SLACK_S, explain(res)


# --------------------------------------------------------------------------
# Command line


@pytest.mark.parametrize("args,words", [
    (["--dtls", "--starttls", "smtp", "h"], ["--dtls", "--starttls"]),
    (["--mtu", "1200", "h"], ["--mtu", "--dtls"]),
    (["--dtls", "--mtu", "100", "h"], ["--mtu"]),
    (["--dtls", "--mtu", "99999", "h"], ["--mtu"]),
    (["--dtls", "--tls-max", "1.2", "h"], ["--dtls", "--tls-max"]),
    (["--dtls", "--enum", "--parallel", "2", "h"], ["--parallel", "--dtls"]),
    (["--dtls", "--enum", "--max-connections", "2", "h"], ["--max-connections", "--dtls"]),
    (["--dtls", "--timing", "--repeat", "3", "h"], ["--dtls", "--repeat"]),
    (["--dtls", "--timing", "--link", "no-such-link", "127.0.0.1"], ["no-such-link"]),
    (["--dtls", "--read", "x.pcap"], ["--read", "--dtls"]),
])
def test_usage_errors(args, words):
    res = run(args, offline=True)
    assert res.rc == 2, explain(res)
    for w in words:
        assert w in res.stderr, explain(res)
