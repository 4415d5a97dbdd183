"""Handshakes against real servers: version, cipher suite, group, ALPN,
target and SNI fields of the JSON report."""

import re

import pytest

from conftest import explain, run, run_json

TLS13_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256"}
SERVER_KINDS = ["gnutls", "openssl", "nginx"]


def start(servers, kind, **kw):
    return getattr(servers, kind)(**kw)


def check_suite(res, iana_suites):
    suite = res.doc["handshake"]["cipher_suite"]
    name, code = suite["name"], suite["code"]
    assert re.fullmatch(r"0x[0-9A-F]{4}", code), f"code {code!r} is not 0xC02F style"
    assert name in iana_suites, f"{name!r} is not an IANA suite name\n{explain(res)}"
    assert code == iana_suites[name], f"code {code} does not match {name} ({iana_suites[name]})"


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_default_is_tls13(servers, pki, iana_suites, kind):
    srv = start(servers, kind)
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    hs = res.doc["handshake"]
    assert hs["version"] == "TLSv1.3", explain(res)
    assert hs["cipher_suite"]["name"] in TLS13_SUITES, explain(res)
    check_suite(res, iana_suites)
    assert isinstance(hs["group"], str) and hs["group"], explain(res)
    assert "error" not in res.doc or res.doc["error"] is None, explain(res)


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_tls_max_12_gives_ecdhe_rsa(servers, pki, iana_suites, kind):
    srv = start(servers, kind)
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--tls-max", "1.2"])
    # TLS 1.2 although 1.3 was not offered: no protocol finding at or above high.
    assert res.rc == 0, explain(res)
    hs = res.doc["handshake"]
    assert hs["version"] == "TLSv1.2", explain(res)
    # The leaf has an RSA key, so an ECDHE suite is ECDHE_RSA.
    assert hs["cipher_suite"]["name"].startswith("TLS_ECDHE_RSA_WITH_"), explain(res)
    check_suite(res, iana_suites)
    assert isinstance(hs["group"], str) and hs["group"], explain(res)


def test_tls12_pinned_suite_code(servers, pki, iana_suites):
    """openssl offering exactly one TLS 1.2 suite: name and code must be it."""
    srv = servers.openssl(extra=["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc in (0, 1), explain(res)
    suite = res.doc["handshake"]["cipher_suite"]
    assert suite["name"] == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", explain(res)
    assert suite["code"] == "0xC02F" == iana_suites[suite["name"]], explain(res)
    assert res.doc["handshake"]["version"] == "TLSv1.2"
    assert "protocol-no-tls13" in [f["id"] for f in res.doc["findings"]], explain(res)


def test_tls13_pinned_suite(servers, pki, iana_suites):
    srv = servers.openssl(extra=["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"])
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    suite = res.doc["handshake"]["cipher_suite"]
    assert suite["name"] == "TLS_CHACHA20_POLY1305_SHA256", explain(res)
    assert suite["code"] == "0x1303", explain(res)


def test_group_pinned_secp384r1(servers, pki):
    srv = servers.gnutls(priority="NORMAL:-GROUP-ALL:+GROUP-SECP384R1")
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["group"] == "secp384r1", explain(res)


def test_alpn_h2_nginx(servers, pki):
    srv = servers.nginx()
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--alpn", "h2,http/1.1"])
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["alpn"] == "h2", explain(res)


def test_alpn_http11_when_no_h2(servers, pki):
    srv = servers.nginx(http2=False)
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--alpn", "h2,http/1.1"])
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["alpn"] == "http/1.1", explain(res)


def test_no_alpn_offered_is_null(servers, pki):
    srv = servers.nginx()
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["alpn"] is None, explain(res)


def test_target_localhost_sends_sni(servers, pki):
    srv = servers.openssl()
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    target = res.doc["target"]
    assert target["host"] == "localhost"
    assert target["port"] == srv.port
    assert target["sni"] == "localhost"
    # The server listens on 127.0.0.1 only: if localhost resolves to ::1
    # first, that attempt is refused and the IPv4 one answers.
    assert target["address"] == "127.0.0.1", explain(res)
    attempts = res.doc["connection"]["attempts"]
    assert attempts and attempts[-1]["address"] == "127.0.0.1", explain(res)


def test_target_ip_literal_sends_no_sni(servers, pki):
    srv = servers.openssl()
    res = run_json([srv.target, "--ca-file", pki / "root.pem"])
    # The leaf carries IP:127.0.0.1, so the name matches (RFC 6125 IP-ID).
    assert res.rc == 0, explain(res)
    target = res.doc["target"]
    assert target["host"] == "127.0.0.1"
    assert target["address"] == "127.0.0.1"
    assert target["sni"] is None, explain(res)


def test_no_sni(servers, pki):
    srv = servers.openssl()
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--no-sni"])
    assert res.rc in (0, 1), explain(res)
    assert res.doc["target"]["sni"] is None, explain(res)
    assert res.doc["handshake"]["version"] == "TLSv1.3"


def test_sni_override(servers, pki):
    srv = servers.openssl()
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--sni", "other"])
    assert res.rc in (0, 1), explain(res)
    assert res.doc["target"]["sni"] == "other", explain(res)
    assert res.doc["target"]["host"] == "localhost"


def test_sni_reaches_the_server(servers, pki):
    """gnutls-serv set to reject any other server_name: --sni other gets
    through, the default name gets the fatal unrecognized_name alert (112,
    RFC 6066 Sec. 3). This shows the name is really sent."""
    srv = servers.gnutls(extra=["--sni-hostname", "other", "--sni-hostname-fatal"])
    ok = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--sni", "other"])
    assert ok.rc in (0, 1), explain(ok)
    assert ok.doc["handshake"]["version"] == "TLSv1.3", explain(ok)
    bad = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert bad.rc == 4, explain(bad)
    assert bad.doc["error"]["stage"] == "tls", explain(bad)
    assert bad.doc["error"]["alert"] == 112, explain(bad)


def test_tls_min_13_against_tls12_only_server(servers, pki):
    srv = servers.openssl(extra=["-tls1_2"])
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--tls-min", "1.3"])
    assert res.rc == 4, explain(res)
    assert res.doc["error"]["stage"] == "tls", explain(res)


def test_text_report_smoke(servers, pki):
    srv = servers.gnutls()
    res = run([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    assert "TLSv1.3" in res.stdout or "TLS 1.3" in res.stdout, res.stdout
    assert "localhost" in res.stdout, res.stdout
    assert "\x1b[" not in res.stdout, "colour escapes although stdout is not a terminal"
    assert res.stderr == "", res.stderr


def test_text_report_colour_always(servers, pki):
    srv = servers.gnutls()
    res = run([srv.localhost(), "--ca-file", pki / "root.pem", "--color", "always"])
    assert res.rc == 0, explain(res)
    assert "\x1b[" in res.stdout, res.stdout


def test_json_top_level_shape(servers, pki):
    srv = servers.gnutls()
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    doc = res.doc
    assert doc["schema"] == "1.0"
    for key in ("target", "connection", "handshake", "certificates", "verification",
                "findings"):
        assert key in doc, f"missing {key}\n{explain(res)}"
    assert isinstance(doc["certificates"], list)
    assert isinstance(doc["findings"], list)
    for f in doc["findings"]:
        assert set(f) >= {"id", "severity", "message", "reference"}, f
        assert f["severity"] in ("info", "low", "medium", "high", "critical"), f
    assert doc.get("error") is None, explain(res)
