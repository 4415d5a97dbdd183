"""Mutual TLS (--cert/--key) and SNI-only servers: the servers devices talk
to. Real peers on loopback: mosquitto with require_certificate,
openssl s_server -Verify, gnutls-serv --require-client-cert, nginx with
ssl_reject_handshake. Ground truth for "the server accepts this
certificate" comes from openssl s_client with the same files."""

import subprocess

import pytest

from conftest import explain, finding_ids, require_tool, run, run_json

CLIENT_CA_CN = "CN=tlsprobe test client CA"
CLIENT_CN = "CN=tlsprobe test client"


def probe(srv, pki, *extra):
    return run_json([srv.localhost(), "--ca-file", pki / "root.pem"] + [str(e) for e in extra])


def client_cert(pki):
    return ["--cert", pki / "client.pem", "--key", pki / "client.key"]


def s_client_accepted(srv, pki, *args):
    """openssl s_client's verdict with the same client certificate: the
    handshake completes and the server answers an HTTP request (s_server
    -www), which it only does once it accepted the certificate."""
    exe = require_tool("openssl")
    proc = subprocess.run(
        [exe, "s_client", "-connect", f"127.0.0.1:{srv.port}", "-servername", "localhost",
         "-CAfile", str(pki / "root.pem"), "-ign_eof", *[str(a) for a in args]],
        input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=30, check=False)
    return b"HTTP/1.0 200" in proc.stdout


@pytest.fixture
def mtls_openssl(servers, pki):
    """openssl s_server that requires a certificate from the client CA and
    refuses any other (s_server goes on after a verify error unless
    -verify_return_error)."""
    return servers.openssl(extra=["-Verify", "1", "-verify_return_error", "-CAfile",
                                  str(pki / "client-ca.pem")])


@pytest.mark.parametrize("tls_max", [None, "1.2"])
def test_required_without_cert_is_reported_not_failed(mtls_openssl, pki, tls_max):
    extra = ["--tls-max", tls_max] if tls_max else []
    res = probe(mtls_openssl, pki, *extra)
    assert res.rc == 0, explain(res)
    doc = res.doc
    assert "client-cert-required" in finding_ids(doc), explain(res)
    assert "tls-failed" not in finding_ids(doc), explain(res)
    msg = next(f["message"] for f in doc["findings"] if f["id"] == "client-cert-required")
    assert CLIENT_CA_CN in msg, msg
    cc = doc["handshake"]["client_certificate"]
    assert cc["requested"] is True and cc["sent"] is False, cc
    assert any(CLIENT_CA_CN in dn for dn in cc["acceptable_cas"]), cc
    # The run completed: the failure is kept beside the handshake, not as
    # the document's error, and everything the server showed is reported.
    assert "error" not in doc, explain(res)
    assert doc["handshake"]["error"]["alert_name"] in ("certificate_required",
                                                       "handshake_failure"), explain(res)
    assert doc["handshake"]["version"] == ("TLSv1.2" if tls_max else "TLSv1.3")
    assert doc["handshake"]["cipher_suite"]["name"], explain(res)
    assert doc["verification"]["trusted"] is True, explain(res)
    assert len(doc["certificates"]) == 2


@pytest.mark.parametrize("tls_max", [None, "1.2"])
def test_cert_accepted(mtls_openssl, pki, tls_max):
    assert s_client_accepted(mtls_openssl, pki, "-cert", pki / "client.pem", "-key",
                             pki / "client.key")
    extra = ["--tls-max", tls_max] if tls_max else []
    res = probe(mtls_openssl, pki, *client_cert(pki), *extra)
    assert res.rc == 0, explain(res)
    cc = res.doc["handshake"]["client_certificate"]
    assert cc["requested"] is True and cc["sent"] is True, cc
    assert CLIENT_CN in cc["subject"], cc
    assert res.doc["handshake"]["completed"] is True
    ids = finding_ids(res.doc)
    assert "client-cert-requested" in ids and "client-cert-required" not in ids, explain(res)
    assert res.doc["request"]["cert_file"].endswith("client.pem")


def test_cert_from_another_ca_rejected(mtls_openssl, pki):
    # The server's own leaf is no client certificate of the client CA.
    assert not s_client_accepted(mtls_openssl, pki, "-cert", pki / "leaf.pem", "-key",
                                 pki / "leaf.key")
    res = probe(mtls_openssl, pki, "--cert", pki / "leaf.pem", "--key", pki / "leaf.key")
    assert res.rc == 4, explain(res)
    assert "client-cert-rejected" in finding_ids(res.doc), explain(res)
    assert res.doc["error"]["alert_name"] in ("unknown_ca", "bad_certificate",
                                              "certificate_unknown"), explain(res)


def test_cert_and_key_in_one_file(mtls_openssl, pki, tmp_path):
    both = tmp_path / "both.pem"
    both.write_text((pki / "client.pem").read_text() + (pki / "client.key").read_text())
    res = probe(mtls_openssl, pki, "--cert", both)
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["client_certificate"]["sent"] is True


def test_cert_with_timing(mtls_openssl, pki):
    res = run([mtls_openssl.localhost(), "--ca-file", pki / "root.pem", "--timing",
               *client_cert(pki)])
    assert res.rc == 0, explain(res)
    assert "Client cert sent" in res.stdout or "Certificate" in res.stdout, res.stdout


def test_mosquitto_require_certificate(mosquitto, pki):
    broker = mosquitto(extra="require_certificate true\n", cafile="client-ca.pem")
    res = probe(broker, pki)
    assert res.rc == 0, explain(res)
    assert "client-cert-required" in finding_ids(res.doc), explain(res)
    res = probe(broker, pki, *client_cert(pki))
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["completed"] is True, explain(res)
    assert res.doc["handshake"]["client_certificate"]["sent"] is True


def test_mosquitto_enum_names_the_requirement(mosquitto, pki):
    broker = mosquitto(extra="require_certificate true\n", cafile="client-ca.pem")
    res = probe(broker, pki, "--enum")
    assert res.rc in (0, 1), explain(res)
    assert "client-cert-required" in finding_ids(res.doc), explain(res)
    versions = {p["version"]: p["supported"] for p in res.doc["protocols"]}
    assert versions["TLSv1.3"] is True and versions["TLSv1.2"] is True, versions


def test_gnutls_require_client_cert(servers, pki):
    srv = servers.gnutls(extra=["--require-client-cert", "--verify-client-cert",
                                "--x509cafile", str(pki / "client-ca.pem")])
    res = probe(srv, pki)
    assert res.rc == 0, explain(res)
    assert "client-cert-required" in finding_ids(res.doc), explain(res)
    res = probe(srv, pki, *client_cert(pki))
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["client_certificate"]["sent"] is True


def test_optional_request_completes_without_cert(servers, pki):
    srv = servers.openssl(extra=["-verify", "1", "-CAfile", str(pki / "client-ca.pem")])
    res = probe(srv, pki)
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["completed"] is True
    ids = finding_ids(res.doc)
    assert "client-cert-requested" in ids and "client-cert-required" not in ids


@pytest.mark.parametrize("args,needle", [
    (["--cert", "/nonexistent/client.pem"], "--cert"),
    (["--key", "KEY"], "--key needs --cert"),
    (["--psk-identity", "dev1"], "--psk-identity and --psk-key"),
    (["--psk-key", "00zz", "--psk-identity", "x"], "hex"),
])
def test_bad_credentials_are_usage_errors(pki, args, needle):
    args = [str(pki / "client.key") if a == "KEY" else a for a in args]
    res = run(["127.0.0.1:9", *args])
    assert res.rc == 2, explain(res)
    assert needle in res.stderr, res.stderr


def test_key_not_matching_cert(pki):
    res = run(["127.0.0.1:9", "--cert", pki / "client.pem", "--key", pki / "leaf.key"])
    assert res.rc == 2, explain(res)
    assert "does not match" in res.stderr, res.stderr


# --------------------------------------------------------------------------
# SNI required (nginx ssl_reject_handshake)


def test_sni_required_found_by_enum(servers, pki):
    srv = servers.nginx(sni_only=True)
    res = probe(srv, pki, "--enum")
    assert res.rc in (0, 1), explain(res)
    assert "sni-required" in finding_ids(res.doc), explain(res)
    msg = next(f["message"] for f in res.doc["findings"] if f["id"] == "sni-required")
    assert "unrecognized_name" in msg and "localhost" in msg, msg


def test_sni_not_required_no_finding(servers, pki):
    srv = servers.nginx()
    res = probe(srv, pki, "--enum")
    assert res.rc in (0, 1), explain(res)
    assert "sni-required" not in finding_ids(res.doc), explain(res)


def test_no_sni_refused_suggests_sni(servers, pki):
    srv = servers.nginx(sni_only=True)
    res = run_json([f"127.0.0.1:{srv.port}", "--ca-file", pki / "root.pem"])
    assert res.rc == 4, explain(res)
    assert "--sni" in res.doc["error"]["message"], explain(res)
    res = run_json([f"127.0.0.1:{srv.port}", "--ca-file", pki / "root.pem", "--sni",
                    "localhost"])
    assert res.rc == 0, explain(res)
