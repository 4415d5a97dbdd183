"""Pre-shared keys (issue 7): servers with PSKs only, as RFC 7925 IoT devices
and mosquitto with psk_file are, against the report (--psk-identity,
--psk-key), the PSK-only diagnosis of a failed report, and --enum with and
without the key.

Peers: gnutls-serv --pskpasswd, openssl s_server -psk -nocert and mosquitto
with psk_file/psk_hint, all without a certificate. Ground truth for --enum:
each PSK suite the client library knows, offered alone with the key, by
`openssl s_client -psk` (one -cipher / -ciphersuites at a time) and
`gnutls-cli --pskusername/--pskkey` (a one-suite priority). tlsprobe's
accepted set per version must equal it."""

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import explain, finding_ids, run_json
from test_enum import gnutls_suites

IDENTITY = "sensor-17"
KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
HINT = "tlsprobe-test-hint"
PSK_ARGS = ["--psk-identity", IDENTITY, "--psk-key", KEY]
GT_THREADS = 6
OPENSSL_VERSION_FLAG = {"TLSv1.0": "-tls1", "TLSv1.1": "-tls1_1", "TLSv1.2": "-tls1_2"}
TLS13_OPENSSL = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                 "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256",
                 "TLS_AES_128_CCM_8_SHA256"]
TLS13_CODES = {"TLS_AES_128_GCM_SHA256": "0x1301", "TLS_AES_256_GCM_SHA384": "0x1302",
               "TLS_CHACHA20_POLY1305_SHA256": "0x1303", "TLS_AES_128_CCM_SHA256": "0x1304",
               "TLS_AES_128_CCM_8_SHA256": "0x1305"}
TLS13_GNUTLS = {"0x1301": "AES-128-GCM", "0x1302": "AES-256-GCM",
                "0x1303": "CHACHA20-POLY1305", "0x1304": "AES-128-CCM",
                "0x1305": "AES-128-CCM-8"}
GNUTLS_SERVER_PRIORITY = "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+ECDHE-PSK:+DHE-PSK:+PSK"


# --------------------------------------------------------------------------
# The servers


@pytest.fixture
def gnutls_psk(servers):
    def start(priority=GNUTLS_SERVER_PRIORITY):
        psk_file = servers.tmp_path / "gnutls-psk.txt"
        psk_file.write_text(f"{IDENTITY}:{KEY}\n")
        return servers.gnutls(cert=None, priority=priority,
                              extra=("--pskpasswd", str(psk_file), "--pskhint", HINT))
    return start


@pytest.fixture
def openssl_psk(servers):
    def start():
        return servers.openssl(cert=None, extra=("-psk", KEY, "-psk_identity", IDENTITY,
                                                 "-psk_hint", HINT, "-cipher",
                                                 "PSK:@SECLEVEL=0"))
    return start


# --------------------------------------------------------------------------
# Ground truth


def openssl_psk_suites():
    """[(code, OpenSSL name)] of every TLS <= 1.2 PSK suite OpenSSL knows."""
    out = subprocess.run(["openssl", "ciphers", "-V", "PSK:@SECLEVEL=0"], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    suites = []
    for line in out.splitlines():
        m = re.match(r"^\s*0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+(\S+)", line)
        if m and m.group(4) != "TLSv1.3":
            suites.append(("0x" + m.group(1) + m.group(2), m.group(3)))
    assert suites, out[:300]
    return suites


def openssl_handshakes(port, version_args):
    try:
        proc = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                               "-psk", KEY, "-psk_identity", IDENTITY, *version_args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=20)
    except subprocess.TimeoutExpired:
        return False
    m = re.search(r"Cipher is (\S+)", proc.stdout)
    return m is not None and m.group(1) != "(NONE)"


def openssl_truth(port):
    jobs = [(v, code, [flag, "-cipher", f"{name}:@SECLEVEL=0"])
            for v, flag in OPENSSL_VERSION_FLAG.items() for code, name in openssl_psk_suites()]
    jobs += [("TLSv1.3", TLS13_CODES[name], ["-tls1_3", "-ciphersuites", name])
             for name in TLS13_OPENSSL]
    with ThreadPoolExecutor(GT_THREADS) as pool:
        ok = list(pool.map(lambda j: openssl_handshakes(port, j[2]), jobs))
    truth = {v: set() for v in list(OPENSSL_VERSION_FLAG) + ["TLSv1.3"]}
    for (v, code, _), accepted in zip(jobs, ok):
        if accepted:
            truth[v].add(code)
    return truth


def gnutls_handshakes(port, priority):
    """True or False; None when gnutls-cli itself crashed (GnuTLS 3.7.9's
    does, with SIGSEGV, on TLS 1.0/1.1 (EC)DHE-PSK priorities), which says
    nothing about the server."""
    try:
        proc = subprocess.run(["gnutls-cli", "-p", str(port), "127.0.0.1", "--pskusername",
                               IDENTITY, "--pskkey", KEY, "--priority", priority],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=20)
    except subprocess.TimeoutExpired:
        return False
    if "Handshake was completed" in proc.stdout:
        return True
    return None if proc.returncode < 0 else False


def gnutls_truth(port):
    psk_kx = ("+PSK", "+DHE-PSK", "+ECDHE-PSK", "+RSA-PSK")
    suites = [(code, kw) for code, kw in
              gnutls_suites("NORMAL:+PSK:+DHE-PSK:+ECDHE-PSK:+RSA-PSK:+ARCFOUR-128:+3DES-CBC:+NULL")
              if kw.endswith(psk_kx)]
    versions = {"TLSv1.0": "VERS-TLS1.0", "TLSv1.1": "VERS-TLS1.1", "TLSv1.2": "VERS-TLS1.2"}
    jobs = [(v, code, f"NORMAL:-VERS-ALL:+{kw}:{suite}")
            for v, kw in versions.items() for code, suite in suites]
    # TLS 1.3: the suite alone, the PSK key exchanges enabled (GnuTLS offers
    # its external PSK only with them; RSA-PSK is not a TLS 1.3 mode).
    jobs += [("TLSv1.3", code,
              f"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+{name}:+ECDHE-PSK:+DHE-PSK:+PSK")
             for code, name in TLS13_GNUTLS.items()]
    with ThreadPoolExecutor(GT_THREADS) as pool:
        ok = list(pool.map(lambda j: gnutls_handshakes(port, j[2]), jobs))
    # Where gnutls-cli crashed, OpenSSL's client asks the same question.
    openssl_names = dict(openssl_psk_suites())
    for i, ((v, code, _), answer) in enumerate(zip(jobs, ok)):
        if answer is None:
            if code not in openssl_names:
                pytest.fail(f"gnutls-cli crashed on {v} {code}, which OpenSSL does not know")
            ok[i] = openssl_handshakes(port, [OPENSSL_VERSION_FLAG[v], "-cipher",
                                              f"{openssl_names[code]}:@SECLEVEL=0"])
    truth = {v: set() for v in list(versions) + ["TLSv1.3"]}
    for (v, code, _), accepted in zip(jobs, ok):
        if accepted:
            truth[v].add(code)
    return truth


def accepted(doc, version):
    return {s["code"] for s in doc["cipher_suites"] if s["version"] == version}


def check_suites(res, truth, versions):
    for v in versions:
        mine = accepted(res.doc, v)
        assert mine == truth[v], (
            f"{v}: false positives {sorted(mine - truth[v])}, false negatives "
            f"{sorted(truth[v] - mine)}\n{explain(res)}")


def finding(doc, fid):
    return [f for f in doc.get("findings") or [] if f.get("id") == fid]


# --------------------------------------------------------------------------
# The report


@pytest.mark.parametrize("kind", ["gnutls", "openssl", "mosquitto"])
def test_report_completes_with_the_psk_over_tls13(kind, gnutls_psk, openssl_psk, mosquitto_psk):
    server = {"gnutls": gnutls_psk, "openssl": openssl_psk,
              "mosquitto": lambda: mosquitto_psk({IDENTITY: KEY, "other": "00ff"}, HINT)}[kind]()
    res = run_json([*PSK_ARGS, server.target])
    hs = res.doc["handshake"]
    assert res.rc == 0 and hs["completed"], explain(res)
    assert hs["version"] == "TLSv1.3", explain(res)
    psk = hs["psk"]
    assert psk["identity"] == IDENTITY and psk["used"] is True, explain(res)
    # TLS 1.3 has no identity hint (RFC 8446 dropped it).
    assert psk["identity_hint"] is None
    # Every peer here mixes an ECDHE share in (psk_dhe_ke): forward secret.
    assert psk["key_exchange"] == "ECDHE_PSK" and psk["forward_secrecy"] is True, explain(res)
    assert res.doc["certificates"] == [], explain(res)
    assert "cert-untrusted" not in finding_ids(res.doc), explain(res)


@pytest.mark.parametrize("kind", ["gnutls", "openssl", "mosquitto"])
def test_report_tls12_gives_the_identity_hint(kind, gnutls_psk, openssl_psk, mosquitto_psk):
    server = {"gnutls": gnutls_psk, "openssl": openssl_psk,
              "mosquitto": lambda: mosquitto_psk({IDENTITY: KEY}, HINT)}[kind]()
    res = run_json([*PSK_ARGS, "--tls-max", "1.2", server.target])
    hs = res.doc["handshake"]
    assert res.rc == 0 and hs["completed"] and hs["version"] == "TLSv1.2", explain(res)
    assert hs["psk"]["used"] is True and hs["psk"]["identity_hint"] == HINT, explain(res)
    assert "PSK" in hs["cipher_suite"]["name"], explain(res)
    assert hs["psk"]["key_exchange"] in hs["cipher_suite"]["name"], explain(res)


def test_report_plain_psk_has_no_forward_secrecy(gnutls_psk):
    server = gnutls_psk(priority="NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK")
    res = run_json([*PSK_ARGS, server.target])
    psk = res.doc["handshake"]["psk"]
    assert res.doc["handshake"]["completed"], explain(res)
    assert psk["key_exchange"] == "PSK" and psk["forward_secrecy"] is False, explain(res)
    assert finding(res.doc, "psk-no-forward-secrecy"), explain(res)


def test_report_with_a_wrong_key_fails(openssl_psk):
    server = openssl_psk()
    res = run_json(["--psk-identity", IDENTITY, "--psk-key", "00" * 16, server.target])
    assert res.rc != 0 and not res.doc["handshake"]["completed"], explain(res)
    assert res.doc["handshake"]["psk"]["used"] is not True
    # With a key given the PSK-only question does not arise.
    assert "PSK-only" not in (res.doc.get("error") or {}).get("message", ""), explain(res)


@pytest.mark.parametrize("kind", ["gnutls", "openssl", "mosquitto"])
def test_report_without_the_psk_says_psk_only(kind, gnutls_psk, openssl_psk, mosquitto_psk):
    server = {"gnutls": gnutls_psk, "openssl": openssl_psk,
              "mosquitto": lambda: mosquitto_psk({IDENTITY: KEY}, HINT)}[kind]()
    res = run_json([server.target])
    assert res.rc != 0 and not res.doc["handshake"]["completed"], explain(res)
    err = res.doc["error"]
    assert err["alert_name"] == "handshake_failure", explain(res)
    assert "PSK-only" in err["message"] and "--psk-key" in err["message"], explain(res)
    assert HINT in err["message"], explain(res)
    found = finding(res.doc, "server-psk-only")
    assert found and HINT in found[0]["message"], explain(res)
    assert "PSK-only" in res.stderr


def test_no_psk_only_claim_for_a_certificate_server(servers):
    # A certificate server that refuses our offer must not be called
    # PSK-only: offered only PSK suites, it refuses them too.
    server = servers.openssl(extra=("-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-no_tls1_3"))
    res = run_json(["--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA", server.target])
    assert res.rc != 0, explain(res)
    assert "server-psk-only" not in finding_ids(res.doc), explain(res)
    assert "PSK-only" not in (res.doc.get("error") or {}).get("message", ""), explain(res)


# --------------------------------------------------------------------------
# --enum


def enum(target, *extra):
    res = run_json(["--enum", *extra, target], timeout=150)
    assert isinstance(res.doc.get("cipher_suites"), list), explain(res)
    return res


def test_enum_with_the_key_matches_openssl_ground_truth(openssl_psk):
    server = openssl_psk()
    res = enum(server.target, *PSK_ARGS)
    truth = openssl_truth(server.port)
    assert truth["TLSv1.2"] and truth["TLSv1.3"], truth
    check_suites(res, truth, ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"])
    features = res.doc["features"]
    # OpenSSL servers refuse psk_ke unless told otherwise (SSL_OP_ALLOW_NO_DHE_KEX).
    assert features["psk_dhe_ke"]["value"] is True, explain(res)
    assert features["psk_ke"]["value"] is False, features["psk_ke"]
    assert res.doc["enumeration"]["psk_only"] is True, explain(res)
    assert res.doc["enumeration"]["psk_identity_hint"] == HINT
    assert finding(res.doc, "server-psk-only"), explain(res)


def test_enum_with_the_key_matches_gnutls_ground_truth(gnutls_psk):
    server = gnutls_psk()
    res = enum(server.target, *PSK_ARGS)
    truth = gnutls_truth(server.port)
    assert truth["TLSv1.2"] and truth["TLSv1.3"], truth
    check_suites(res, truth, ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"])
    features = res.doc["features"]
    # GnuTLS takes psk_ke when PSK is in its priority, psk_dhe_ke with (EC)DHE-PSK.
    assert features["psk_ke"]["value"] is True, features["psk_ke"]
    assert features["psk_dhe_ke"]["value"] is True, features["psk_dhe_ke"]
    assert res.doc["enumeration"]["psk_identity_hint"] == HINT


def test_enum_mosquitto_psk_matches_openssl_ground_truth(mosquitto_psk):
    server = mosquitto_psk({IDENTITY: KEY}, HINT)
    res = enum(server.target, *PSK_ARGS)
    truth = openssl_truth(server.port)
    assert truth["TLSv1.2"] and truth["TLSv1.3"], truth
    check_suites(res, truth, ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"])
    assert res.doc["enumeration"]["psk_only"] is True, explain(res)
    assert finding(res.doc, "server-psk-only"), explain(res)


@pytest.mark.parametrize("kind", ["gnutls", "openssl"])
def test_enum_without_the_key_finds_tls12_psk_suites(kind, gnutls_psk, openssl_psk):
    server = {"gnutls": gnutls_psk, "openssl": openssl_psk}[kind]()
    res = enum(server.target)
    truth = openssl_truth(server.port) if kind == "openssl" else gnutls_truth(server.port)
    # TLS <= 1.2 suites are chosen in the ServerHello, before the key is
    # used: the same set as with the key. TLS 1.3 needs the key's binder.
    check_suites(res, truth, ["TLSv1.0", "TLSv1.1", "TLSv1.2"])
    assert accepted(res.doc, "TLSv1.3") == set(), explain(res)
    assert "psk_ke" not in res.doc["features"], explain(res)
    assert res.doc["enumeration"]["psk_only"] is True, explain(res)
    assert res.doc["enumeration"]["psk_identity_hint"] == HINT, explain(res)
    found = finding(res.doc, "server-psk-only")
    assert found and HINT in found[0]["message"], explain(res)


def test_enum_certificate_server_is_not_psk_only(servers):
    server = servers.gnutls()
    res = enum(server.target)
    assert res.doc["enumeration"]["psk_only"] is False, explain(res)
    assert "server-psk-only" not in finding_ids(res.doc), explain(res)


def test_enum_iot_policy_rates_the_mandatory_psk_suite(openssl_psk):
    # RFC 7925 Sec. 4.2: TLS_PSK_WITH_AES_128_CCM_8 is the PSK profile's
    # mandatory suite; RFC 9325 rates it weak (64-bit tag) and plain PSK
    # suites weak for their missing forward secrecy.
    server = openssl_psk()
    iot = enum(server.target, "--policy", "iot-rfc7925", *PSK_ARGS)
    general = enum(server.target, *PSK_ARGS)

    def rating(res, name):
        return {s["rating"] for s in res.doc["cipher_suites"]
                if s["name"] == name and s["version"] == "TLSv1.2"}

    assert rating(iot, "TLS_PSK_WITH_AES_128_CCM_8") == {"recommended"}, explain(iot)
    assert rating(iot, "TLS_PSK_WITH_AES_128_GCM_SHA256") == {"ok"}, explain(iot)
    assert rating(general, "TLS_PSK_WITH_AES_128_CCM_8") == {"weak"}, explain(general)
    assert rating(general, "TLS_PSK_WITH_AES_128_GCM_SHA256") == {"weak"}, explain(general)
    assert rating(general, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256") == {"ok"}


def test_timing_uses_the_psk(openssl_psk):
    # --timing runs the report's own session code: the PSK goes with it.
    server = openssl_psk()
    res = run_json(["--timing", "--repeat", "2", *PSK_ARGS, server.target])
    assert res.rc == 0 and res.doc["handshake"]["completed"], explain(res)
    assert res.doc["handshake"]["psk"]["used"] is True, explain(res)
    assert res.doc["timing"] is not None, explain(res)
