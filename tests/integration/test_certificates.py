"""Certificate chains: trust, hostname, order, completeness, key and
signature findings, client-certificate requests and --fail-on."""

import re

import pytest

from conftest import explain, finding_ids, pem_sha256, run, run_json

LEAF_CN = "CN=localhost"
INTER_CN = "CN=tlsprobe test intermediate CA"
ROOT_CN = "CN=tlsprobe test root CA"
CLIENT_CA_CN = "CN=tlsprobe test client CA"
SEVERITIES = ["info", "low", "medium", "high", "critical"]


def probe(srv, pki, *extra, ca=True):
    args = [srv.localhost()]
    if ca:
        args += ["--ca-file", pki / "root.pem"]
    return run_json(args + list(extra))


def worst(doc):
    sev = [SEVERITIES.index(f["severity"]) for f in doc["findings"]]
    return SEVERITIES[max(sev)] if sev else None


@pytest.mark.parametrize("kind", ["gnutls", "openssl", "nginx"])
def test_fullchain_trusted(servers, pki, kind):
    srv = getattr(servers, kind)()
    res = probe(srv, pki)
    assert res.rc == 0, explain(res)
    ver = res.doc["verification"]
    assert ver["trusted"] is True, explain(res)
    assert ver["hostname_match"] is True, explain(res)
    assert ver["chain_complete"] is True, explain(res)
    assert ver["chain_ordered"] is True, explain(res)
    assert ver["errors"] == [], explain(res)

    certs = res.doc["certificates"]
    assert len(certs) == 2, explain(res)
    leaf, inter = certs
    assert LEAF_CN in leaf["subject"], leaf
    assert INTER_CN in leaf["issuer"], leaf
    assert INTER_CN in inter["subject"], inter
    assert ROOT_CN in inter["issuer"], inter
    assert leaf["issuer"] == inter["subject"]
    assert "DNS:localhost" in leaf["san"], leaf
    assert "IP:127.0.0.1" in leaf["san"], leaf
    assert re.fullmatch(r"[0-9a-f]{64}", leaf["sha256"]), leaf
    assert leaf["sha256"] == pem_sha256(pki / "leaf.pem")
    assert inter["sha256"] == pem_sha256(pki / "inter.pem")
    # Issued just now for 365 days.
    assert 363 <= leaf["days_left"] <= 366, leaf
    assert leaf["public_key"]["type"] == "RSA", leaf
    assert leaf["public_key"]["bits"] == 2048, leaf
    assert not [i for i in finding_ids(res.doc) if i.startswith(("cert-", "chain-"))], \
        explain(res)


def test_expired(servers, pki):
    srv = servers.gnutls(cert="expired-fullchain.pem", key="expired.key")
    res = probe(srv, pki)
    assert res.rc == 1, explain(res)
    assert "cert-expired" in finding_ids(res.doc), explain(res)
    assert res.doc["certificates"][0]["days_left"] < 0, explain(res)
    assert res.doc["verification"]["trusted"] is False, explain(res)


def test_not_yet_valid(servers, pki):
    srv = servers.gnutls(cert="notyet-fullchain.pem", key="notyet.key")
    res = probe(srv, pki)
    assert res.rc == 1, explain(res)
    assert "cert-not-yet-valid" in finding_ids(res.doc), explain(res)
    assert "cert-expired" not in finding_ids(res.doc), explain(res)


def test_self_signed(servers, pki):
    srv = servers.gnutls(cert="selfsigned.pem", key="selfsigned.key")
    res = probe(srv, pki)
    assert res.rc == 1, explain(res)
    assert "cert-self-signed" in finding_ids(res.doc), explain(res)
    assert res.doc["verification"]["trusted"] is False, explain(res)
    assert len(res.doc["certificates"]) == 1, explain(res)


def test_wrong_host(servers, pki):
    srv = servers.gnutls(cert="wronghost-fullchain.pem", key="wronghost.key")
    res = probe(srv, pki)
    assert res.rc == 1, explain(res)  # cert-hostname-mismatch is high, the default --fail-on
    assert "cert-hostname-mismatch" in finding_ids(res.doc), explain(res)
    ver = res.doc["verification"]
    assert ver["hostname_match"] is False, explain(res)
    assert ver["trusted"] is True, explain(res)  # the chain itself is fine
    assert res.doc["certificates"][0]["san"] == ["DNS:wrong.example"], explain(res)


def test_wrong_host_fail_on_critical(servers, pki):
    srv = servers.gnutls(cert="wronghost-fullchain.pem", key="wronghost.key")
    res = probe(srv, pki, "--fail-on", "critical")
    assert "cert-hostname-mismatch" in finding_ids(res.doc), explain(res)
    assert worst(res.doc) == "high", explain(res)
    assert res.rc == 0, explain(res)
    assert res.doc["summary"]["fail_on_reached"] is False, explain(res)


def test_fail_on_none(servers, pki):
    srv = servers.gnutls(cert="expired-fullchain.pem", key="expired.key")
    res = probe(srv, pki, "--fail-on", "none")
    assert "cert-expired" in finding_ids(res.doc), explain(res)
    assert res.rc == 0, explain(res)
    assert res.doc["summary"]["fail_on_reached"] is False, explain(res)


def test_fail_on_critical_with_critical_finding(servers, pki):
    srv = servers.gnutls(cert="expired-fullchain.pem", key="expired.key")
    res = probe(srv, pki, "--fail-on", "critical")
    assert worst(res.doc) == "critical", explain(res)
    assert res.rc == 1, explain(res)
    assert res.doc["summary"]["fail_on_reached"] is True, explain(res)


def test_missing_intermediate(servers, pki):
    srv = servers.gnutls(cert="leaf-only.pem", key="leaf.key")
    res = probe(srv, pki)
    assert res.rc == 1, explain(res)
    ids = finding_ids(res.doc)
    assert "chain-incomplete" in ids, explain(res)
    ver = res.doc["verification"]
    assert ver["trusted"] is False, explain(res)
    assert ver["chain_complete"] is False, explain(res)
    assert len(res.doc["certificates"]) == 1, explain(res)


def test_missing_intermediate_openssl(servers, pki):
    srv = servers.openssl(chain=None)
    res = probe(srv, pki)
    assert res.rc == 1, explain(res)
    assert "chain-incomplete" in finding_ids(res.doc), explain(res)
    assert res.doc["verification"]["trusted"] is False, explain(res)


def test_wrong_order(servers, pki):
    # nginx sends its certificate file as it is: leaf, root, intermediate.
    srv = servers.nginx(cert="wrong-order.pem")
    res = probe(srv, pki)
    certs = res.doc["certificates"]
    assert [c["sha256"] for c in certs] == [
        pem_sha256(pki / "leaf.pem"), pem_sha256(pki / "root.pem"),
        pem_sha256(pki / "inter.pem")], explain(res)
    assert "chain-order" in finding_ids(res.doc), explain(res)
    assert res.doc["verification"]["chain_ordered"] is False, explain(res)


def test_chain_with_root(servers, pki):
    srv = servers.nginx(cert="with-root.pem")
    res = probe(srv, pki)
    assert res.rc == 0, explain(res)
    assert len(res.doc["certificates"]) == 3, explain(res)
    assert "chain-extra-root" in finding_ids(res.doc), explain(res)
    assert "chain-order" not in finding_ids(res.doc), explain(res)
    ver = res.doc["verification"]
    assert ver["trusted"] is True and ver["chain_ordered"] is True, explain(res)


def test_rsa_1024(servers, pki):
    srv = servers.gnutls(cert="rsa1024-fullchain.pem", key="rsa1024.key",
                         priority="NORMAL:%PROFILE_LOW")
    res = probe(srv, pki)
    assert res.rc == 1, explain(res)
    assert "cert-rsa-small" in finding_ids(res.doc), explain(res)
    assert "cert-rsa-tiny" not in finding_ids(res.doc), explain(res)
    key = res.doc["certificates"][0]["public_key"]
    assert key["type"] == "RSA" and key["bits"] == 1024, explain(res)


def test_sha1_signed(servers, pki):
    srv = servers.gnutls(cert="sha1-fullchain.pem", key="sha1.key")
    res = probe(srv, pki)
    assert res.rc == 1, explain(res)
    assert "cert-sig-sha1" in finding_ids(res.doc), explain(res)


def test_ecdsa_p256(servers, pki):
    srv = servers.gnutls(cert="ecdsa-fullchain.pem", key="ecdsa.key")
    res = probe(srv, pki)
    assert res.rc == 0, explain(res)
    key = res.doc["certificates"][0]["public_key"]
    assert key["type"] == "EC", explain(res)
    assert key["curve"] == "secp256r1", explain(res)
    assert key["bits"] == 256, explain(res)
    assert res.doc["verification"]["trusted"] is True, explain(res)


def test_ecdsa_tls12_suite_is_ecdhe_ecdsa(servers, pki):
    srv = servers.gnutls(cert="ecdsa-fullchain.pem", key="ecdsa.key")
    res = probe(srv, pki, "--tls-max", "1.2")
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["cipher_suite"]["name"].startswith(
        "TLS_ECDHE_ECDSA_WITH_"), explain(res)


def test_system_store_does_not_trust_private_root(servers, pki):
    srv = servers.gnutls()
    res = probe(srv, pki, ca=False)
    assert res.rc == 1, explain(res)
    assert "cert-untrusted" in finding_ids(res.doc), explain(res)
    ver = res.doc["verification"]
    assert ver["trusted"] is False, explain(res)
    assert ver["hostname_match"] is True, explain(res)
    assert ver["errors"], explain(res)


def test_unreadable_ca_file_is_usage_error(servers, pki, tmp_path):
    srv = servers.gnutls()
    missing = tmp_path / "no-such-file.pem"
    res = run([srv.localhost(), "--ca-file", missing])
    assert res.rc == 2, explain(res)
    assert "no-such-file.pem" in res.stderr, res.stderr


def test_warn_days(servers, pki):
    srv = servers.gnutls()
    res = probe(srv, pki, "--warn-days", "400")
    assert "cert-expiring-soon" in finding_ids(res.doc), explain(res)
    assert res.rc == 0, explain(res)  # medium, below the default --fail-on high
    res = probe(srv, pki, "--warn-days", "400", "--fail-on", "medium")
    assert res.rc == 1, explain(res)
    res = probe(srv, pki, "--warn-days", "30")
    assert "cert-expiring-soon" not in finding_ids(res.doc), explain(res)


def test_client_cert_required(servers, pki):
    # TLS 1.3: the client finishes its side of the handshake before the
    # server can object to the empty Certificate (RFC 8446 Sec. 4.4.2.4).
    srv = servers.openssl(extra=["-Verify", "1", "-CAfile", str(pki / "client-ca.pem")])
    res = probe(srv, pki)
    assert res.rc in (0, 1, 4), explain(res)
    cc = res.doc["handshake"]["client_certificate"]
    assert cc["requested"] is True, explain(res)
    assert any(CLIENT_CA_CN in dn for dn in cc["acceptable_cas"]), explain(res)


def test_client_cert_optional_tls12(servers, pki):
    srv = servers.openssl(extra=["-verify", "1", "-CAfile", str(pki / "client-ca.pem")])
    res = probe(srv, pki, "--tls-max", "1.2")
    assert res.rc == 0, explain(res)
    assert res.doc["handshake"]["version"] == "TLSv1.2"
    cc = res.doc["handshake"]["client_certificate"]
    assert cc["requested"] is True, explain(res)
    assert any(CLIENT_CA_CN in dn for dn in cc["acceptable_cas"]), explain(res)
    assert "client-cert-requested" in finding_ids(res.doc), explain(res)


def test_no_client_cert_request(servers, pki):
    srv = servers.openssl()
    res = probe(srv, pki)
    assert res.rc == 0, explain(res)
    cc = res.doc["handshake"]["client_certificate"]
    assert cc["requested"] is False, explain(res)
    assert not cc.get("acceptable_cas"), explain(res)
    assert "client-cert-requested" not in finding_ids(res.doc), explain(res)
