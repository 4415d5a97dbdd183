"""Servers that abort a handshake over an optional part of the ClientHello
(issue 7, part 3): the report and --enum must finish with the offer the
server tolerates, and name the part.

lighttpd on wolfSSL (Debian's lighttpd-mod-wolfssl, library defaults) closes
the connection, without a byte, on every ClientHello that carries
status_request (RFC 6066 Sec. 8), in TLS 1.2 and TLS 1.3 alike; `openssl
s_client -status` fails the same way, while s_client without -status (it
sends no status_request by default) completes. lighttpd on mbedTLS 2.28
tolerates every part tlsprobe sends (TLS 1.2 only).

Ground truth is independent of tlsprobe: `openssl s_client` per suite, alone
(-cipher for TLS <= 1.2, with a PSK for the PSK suites so that s_client
offers them; -ciphersuites for TLS 1.3); a suite counts when the server
selects it ("Cipher is X"), as a ServerHello counts for tlsprobe."""

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import explain, finding_ids, run_json

VERSIONS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
OPENSSL_FLAG = {"TLSv1.0": "-tls1", "TLSv1.1": "-tls1_1", "TLSv1.2": "-tls1_2",
                "TLSv1.3": "-tls1_3"}
TLS13_SUITES = {"TLS_AES_128_GCM_SHA256": "0x1301", "TLS_AES_256_GCM_SHA384": "0x1302",
                "TLS_CHACHA20_POLY1305_SHA256": "0x1303", "TLS_AES_128_CCM_SHA256": "0x1304",
                "TLS_AES_128_CCM_8_SHA256": "0x1305"}
OPENSSL_ALL = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"
GT_THREADS = 8
ENUM_DEADLINE = 120


# --------------------------------------------------------------------------
# Ground truth


def s_client(port, *args, status=False):
    """Run openssl s_client; (the suite the server selected or None, output)."""
    argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *args]
    if status:
        argv.append("-status")
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=20)
    except subprocess.TimeoutExpired:
        return None, ""
    m = re.search(r"Cipher is (\S+)", proc.stdout)
    picked = m.group(1) if m and m.group(1) != "(NONE)" else None
    return picked, proc.stdout + proc.stderr


def openssl_ciphers():
    """[(code "0xC02F", OpenSSL name)] of every TLS <= 1.2 suite OpenSSL has."""
    out = subprocess.run(["openssl", "ciphers", "-V", OPENSSL_ALL], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].startswith("0x") and parts[1] == "-" and \
                parts[3] != "TLSv1.3":
            hi, lo = parts[0].split(",")
            rows.append(("0x" + hi[2:].upper() + lo[2:].upper(), parts[2]))
    assert rows, out[:300]
    return rows


def suite_selected(port, version, name):
    if version == "TLSv1.3":
        picked, _ = s_client(port, "-tls1_3", "-ciphersuites", name)
    else:
        extra = ["-psk", "0102030405060708"] if "PSK" in name else []
        picked, _ = s_client(port, OPENSSL_FLAG[version], "-cipher", name + ":@SECLEVEL=0",
                             *extra)
    return picked == name


def truth(port):
    """{version: set of codes the server selects}, one suite at a time."""
    rows = openssl_ciphers()
    jobs = [(v, code, name) for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2") for code, name in rows]
    jobs += [("TLSv1.3", code, name) for name, code in TLS13_SUITES.items()]
    with ThreadPoolExecutor(GT_THREADS) as pool:
        ok = list(pool.map(lambda j: suite_selected(port, j[0], j[2]), jobs))
    found = {v: set() for v in VERSIONS}
    for (v, code, _), selected in zip(jobs, ok):
        if selected:
            found[v].add(code)
    return found


# --------------------------------------------------------------------------
# Reading tlsprobe's answer


def report(server, pki, *extra):
    res = run_json([server.target, "--ca-file", pki / "root.pem", *extra])
    assert res.rc == 0, explain(res)
    hs = res.doc["handshake"]
    assert hs["completed"] is True, explain(res)
    assert res.doc.get("error") is None, explain(res)
    return res


def enumerate_target(server, pki):
    res = run_json(["--enum", "--ca-file", pki / "root.pem", server.target],
                   timeout=ENUM_DEADLINE + 30)
    assert isinstance(res.doc.get("cipher_suites"), list), explain(res)
    return res


def check_suites(res, expected):
    doc = res.doc
    sup = {p["version"]: p["supported"] for p in doc["protocols"]}
    for version in VERSIONS:
        mine = {s["code"] for s in doc["cipher_suites"] if s["version"] == version}
        codes = expected[version]
        assert mine == codes, (
            f"{version}: false positives {sorted(mine - codes)}, false negatives "
            f"{sorted(codes - mine)}\n{explain(res)}")
        if codes:
            assert sup[version] is True, f"{version}: {sup[version]}\n{explain(res)}"
    assert "broken_suites" not in doc["features"], doc["features"]["broken_suites"]
    # Nothing about versions or suites may be left unknown (wolfSSL's
    # cookie-only HelloRetryRequest for a TLS 1.2-only curve leaves the TLS
    # 1.3 group list short: a different matter, not checked here).
    complete = doc["features"]["scan_complete"]
    if complete["value"] is not True:
        for part in complete["detail"].split("; "):
            assert "groups" in part, complete


# --------------------------------------------------------------------------
# lighttpd + wolfSSL: aborts every hello with status_request


@pytest.fixture
def wolfssl(servers):
    server = servers.lighttpd(tls_module="wolfssl")
    # The premise, checked with an independent client: -status is refused,
    # the same offer without it completes.
    picked, out = s_client(server.port, "-tls1_2", status=True)
    assert picked is None, f"lighttpd+wolfSSL no longer aborts status_request:\n{out}"
    picked, out = s_client(server.port, "-tls1_2")
    assert picked is not None, out
    return server


@pytest.mark.parametrize("extra,version", [((), "TLSv1.3"), (("--tls-max", "1.2"), "TLSv1.2")])
def test_wolfssl_report_names_status_request(wolfssl, pki, extra, version):
    res = report(wolfssl, pki, *extra)
    hs = res.doc["handshake"]
    assert hs["version"] == version, explain(res)
    assert hs["intolerance"] == ["status_request"], explain(res)
    ids = finding_ids(res.doc)
    assert ids.count("intolerance-status-request") == 1, ids
    assert not [i for i in ids if i.startswith("intolerance-") and
                i != "intolerance-status-request"], ids
    # What was not asked is not claimed absent.
    assert hs["ocsp"]["stapled"] is None, hs["ocsp"]
    # A completed report, chain and verification included.
    assert res.doc["verification"]["trusted"] is True, explain(res)


def test_wolfssl_report_text(wolfssl, pki):
    from conftest import run
    res = run([wolfssl.target, "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    assert re.search(r"Left out \(aborts\)\s+status_request", res.stdout), res.stdout
    assert "[intolerance-status-request]" in res.stdout, res.stdout


def test_wolfssl_enum_matches_ground_truth(wolfssl, pki):
    expected = truth(wolfssl.port)
    assert expected["TLSv1.2"], "s_client found no TLS 1.2 suite: the premise is wrong"
    res = enumerate_target(wolfssl, pki)
    check_suites(res, expected)
    doc = res.doc
    assert doc["enumeration"]["intolerance"] == ["status_request"], explain(res)
    feature = doc["features"]["intolerance"]
    assert feature["value"] is True and "status_request" in feature["detail"], feature
    # The stapling feature is read from status_request: unknown, not "no".
    assert doc["features"]["ocsp_stapling"]["value"] is None, doc["features"]["ocsp_stapling"]
    ids = finding_ids(doc)
    assert ids.count("intolerance-status-request") == 1, ids


# --------------------------------------------------------------------------
# lighttpd + mbedTLS: tolerates everything tlsprobe sends


@pytest.fixture
def mbedtls(servers):
    return servers.lighttpd(tls_module="mbedtls")


def test_mbedtls_report_is_plain(mbedtls, pki):
    for extra in ((), ("--tls-max", "1.2")):
        res = report(mbedtls, pki, *extra)
        assert res.doc["handshake"]["intolerance"] == [], explain(res)
        assert not [i for i in finding_ids(res.doc) if i.startswith("intolerance-")], explain(res)


def test_mbedtls_enum_matches_ground_truth(mbedtls, pki):
    expected = truth(mbedtls.port)
    assert expected["TLSv1.2"], "s_client found no TLS 1.2 suite"
    # The premise: status_request is no problem here.
    picked, out = s_client(mbedtls.port, "-tls1_2", status=True)
    assert picked is not None, out
    res = enumerate_target(mbedtls, pki)
    check_suites(res, expected)
    assert res.doc["enumeration"]["intolerance"] == [], explain(res)
    assert "intolerance" not in res.doc["features"], res.doc["features"]["intolerance"]


# --------------------------------------------------------------------------
# A real server behind a scripted middlebox (tests/tools/intolerant_relay.py)
# that aborts hellos carrying given extensions: the parts no Debian server
# is known to choke on.

RELAY = Path(__file__).resolve().parent.parent / "tools" / "intolerant_relay.py"
EXT = {"extended_master_secret": 23, "status_request": 5, "record_size_limit": 28}


@pytest.fixture
def relay():
    started = []

    def start(server, drop, how):
        argv = [sys.executable, str(RELAY), "0", "127.0.0.1", str(server.port), "--how", how]
        for name in drop:
            argv += ["--drop", str(EXT[name])]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, start_new_session=True)
        started.append(proc)
        line = proc.stdout.readline()
        assert line.startswith("ready "), line
        return f"127.0.0.1:{int(line.split()[1])}", int(line.split()[1])

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("part,how", [("status_request", "reset"),
                                      ("extended_master_secret", "alert")])
def test_relay_report_names_the_part(servers, pki, relay, part, how):
    server = servers.openssl()
    target, _ = relay(server, [part], how)
    res = run_json([target, "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    hs = res.doc["handshake"]
    assert hs["completed"] is True and hs["version"] == "TLSv1.3", explain(res)
    assert hs["intolerance"] == [part], explain(res)
    assert "intolerance-" + part.replace("_", "-") in finding_ids(res.doc), explain(res)


@pytest.mark.parametrize("part,how", [("extended_master_secret", "alert"),
                                      ("record_size_limit", "close")])
def test_relay_enum_matches_ground_truth(servers, pki, relay, part, how):
    """--enum through the relay finds the backend's suites, each found by
    s_client alone: through the relay for record_size_limit (OpenSSL does not
    send it), directly for extended_master_secret (s_client always sends it,
    so the relay would drop every s_client hello)."""
    server = servers.openssl()
    target, port = relay(server, [part], how)
    expected = truth(port) if part != "extended_master_secret" else truth(server.port)
    res = run_json(["--enum", target], timeout=ENUM_DEADLINE + 30)
    assert isinstance(res.doc.get("cipher_suites"), list), explain(res)
    for version in VERSIONS:
        mine = {s["code"] for s in res.doc["cipher_suites"] if s["version"] == version}
        assert mine == expected[version], (
            f"{version}: false positives {sorted(mine - expected[version])}, false negatives "
            f"{sorted(expected[version] - mine)}\n{explain(res)}")
    assert res.doc["enumeration"]["intolerance"] == [part], explain(res)
    assert "intolerance-" + part.replace("_", "-") in finding_ids(res.doc), explain(res)
