"""--dtls --enum's ratings, signature schemes and groups (issue 9), beside
test_dtls.py (whose udp_servers fixture and helpers this borrows): every
DTLS suite, version, group and scheme rated by the TCP scan's policies,
the same verdicts the TCP --enum gives a TCP server with the same
configuration; DTLS 1.2 signature schemes by elimination over
signature_algorithms, DTLS 1.2 FFDHE groups (RFC 7919, DHE suites) and
DTLS 1.0 ECDHE groups, exact against openssl s_client -dtls1_2 -sigalgs X /
-dtls1 -groups X and gnutls-cli --udp --priority, on openssl s_server -dtls
and gnutls-serv --udp; the iot-rfc7925 policy on a DTLS server."""

import subprocess

import pytest

from conftest import explain, finding_ids, run, run_json
from test_dtls import PSK_HEX, PSK_IDENTITY, dtls_of, same_suite_with_s_client, \
    udp_servers  # noqa: F401  (a fixture)

SERVER_CIPHERS = ("ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256:"
                  "AES128-SHA:@SECLEVEL=0")
SERVER_SIGALGS = "rsa_pss_rsae_sha384:rsa_pkcs1_sha256:rsa_pkcs1_sha1"
SIGALG_CANDIDATES = ("rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
                     "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha1",
                     "ecdsa_secp256r1_sha256")
# IANA name -> openssl's, for -groups.
GROUP_CANDIDATES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521",
                    "x25519": "X25519", "x448": "X448"}


def s_client_completes(target, *args):
    """openssl s_client completes a handshake with target (openssl s_server
    refuses with an alert, so each try is quick)."""
    host, port = target.rsplit(":", 1)
    proc = subprocess.run(["openssl", "s_client", "-connect", f"{host}:{port}"] + list(args),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    return any("Cipher is " in line and "(NONE)" not in line
               for line in proc.stdout.splitlines())


def gnutls_cli_completes(target, priority):
    """gnutls-cli --udp with priority completes a handshake; gnutls-serv
    refuses by silence, which the client would wait out: a loopback
    handshake takes well under the 3 s it gets."""
    host, port = target.rsplit(":", 1)
    try:
        proc = subprocess.run(["gnutls-cli", "--udp", "-p", port, host, "--insecure",
                               "--priority", priority], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=3)
    except subprocess.TimeoutExpired:
        return False
    return "- Description:" in proc.stdout


def enumeration(res):
    e = dtls_of(res)["enumeration"]
    assert isinstance(e, dict), explain(res)
    return e


def verdict(entry):
    return (entry["rating"], entry["reason"], entry["reference"],
            [(r["rating"], r["reason"], r["reference"]) for r in entry["reasons"]])


def test_openssl_ratings_schemes_and_dtls10_groups(udp_servers, servers, pki):  # noqa: F811
    """openssl s_server -dtls: the signature schemes and the DTLS 1.0
    groups are exactly what s_client completes handshakes with, one at a
    time; every suite is rated as the TCP --enum rates the same suite on
    openssl s_server over TCP with the same configuration (DTLS 1.0 as TLS
    1.1, DTLS 1.2 as TLS 1.2)."""
    common = ["-cipher", SERVER_CIPHERS, "-sigalgs", SERVER_SIGALGS, "-groups", "P-384:X25519"]
    srv = udp_servers.openssl("-dtls", extra=common)
    res = run_json(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--timeout", "60s"])
    e = enumeration(res)
    assert e["policy"] == "rfc9325", explain(res)
    assert e["versions"]["DTLSv1.0"] is True and e["versions"]["DTLSv1.2"] is True, explain(res)
    assert e["signature_schemes_complete"] is True, explain(res)
    assert e["dtls10_groups_complete"] is True and e["groups_complete"] is True, explain(res)
    # openssl's DHE prime is its own: no RFC 7919 group, an end all the same.
    assert e["ffdhe_groups_complete"] is True, explain(res)
    assert e["unknown_because"] is None, explain(res)
    # The budget: a ClientHello, its cookie copy and, when accepted, the
    # closing alert per probe, plus retries after silence (a loaded machine).
    assert e["probes"] <= 30, explain(res)
    assert e["datagrams_sent"] <= 3 * e["probes"] + e["retries"], explain(res)

    schemes = {s["name"] for s in e["signature_schemes"]}
    truth = {x for x in SIGALG_CANDIDATES
             if s_client_completes(srv.target, "-dtls1_2", "-sigalgs", x, "-cipher",
                                   "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0")}
    assert truth == {"rsa_pss_rsae_sha384", "rsa_pkcs1_sha256", "rsa_pkcs1_sha1"}, truth
    assert schemes == truth, (truth, explain(res))
    rated = {s["name"]: s["rating"] for s in e["signature_schemes"]}
    assert rated["rsa_pkcs1_sha1"] == "forbidden" and rated["rsa_pss_rsae_sha384"] == \
        "recommended", explain(res)

    groups10 = {g["name"] for g in e["groups"] if "DTLSv1.0" in g["versions"]}
    truth10 = {iana for iana, ossl in GROUP_CANDIDATES.items()
               if s_client_completes(srv.target, "-dtls1", "-groups", ossl, "-cipher",
                                     "ECDHE:@SECLEVEL=0")}
    assert truth10 == {"secp384r1", "x25519"}, truth10
    assert groups10 == truth10, (truth10, explain(res))
    assert all(g["rating"] is not None and g["bits"] for g in e["groups"]), explain(res)

    dhe = [s for s in e["cipher_suites"] if s["name"] == "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"]
    assert dhe and dhe[0]["kx_bits"] >= 2048 and dhe[0]["kx_group"] is None, explain(res)
    vr = e["version_ratings"]
    assert vr["DTLSv1.0"]["rating"] == "forbidden" and "RFC 8996" in \
        vr["DTLSv1.0"]["reference"], explain(res)
    assert vr["DTLSv1.2"]["rating"] == "ok" and vr["DTLSv1.3"]["rating"] == "recommended"
    ids = finding_ids(res.doc)
    for fid in ("enum-suite-weak", "enum-suite-deprecated", "enum-sigscheme-weak",
                "dtls-10-accepted"):
        assert fid in ids, (fid, explain(res))
    text = [f["message"] for f in res.doc["findings"] if f["id"] == "enum-suite-weak"][0]
    assert "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" in text, explain(res)

    # The TCP --enum of the same configuration: the same verdict per suite.
    tcp = servers.openssl(extra=common)
    tres = run_json(["--enum", tcp.target, "--sni", "localhost", "--ca-file",
                     str(pki / "root.pem"), "--timeout", "60s"])
    by_tcp = {(s["version"], s["name"]): verdict(s) for s in tres.doc["cipher_suites"]}
    as_tls = {"DTLSv1.0": "TLSv1.1", "DTLSv1.2": "TLSv1.2"}
    compared = 0
    for s in e["cipher_suites"]:
        key = (as_tls[s["version"]], s["name"])
        assert key in by_tcp, (key, explain(tres))
        # kx_bits rate DHE suites: openssl uses one prime for both.
        assert verdict(s) == by_tcp[key], (s, by_tcp[key])
        compared += 1
    assert compared >= 5, explain(res)


def test_gnutls_ffdhe_groups_and_schemes(udp_servers, pki):  # noqa: F811
    """gnutls-serv --udp with DHE suites and two RFC 7919 groups: the
    FFDHE groups and signature schemes are exactly those gnutls-cli --udp
    completes handshakes with, one at a time."""
    base = "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+DHE-RSA:+ECDHE-RSA"
    priority = (base + ":-GROUP-ALL:+GROUP-FFDHE2048:+GROUP-FFDHE4096:+GROUP-SECP256R1"
                ":-SIGN-ALL:+SIGN-RSA-SHA256:+SIGN-RSA-PSS-RSAE-SHA384")
    srv = udp_servers.gnutls(extra=["--priority", priority])
    res = run_json(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
                    str(pki / "root.pem"), "--timeout", "60s"])
    e = enumeration(res)
    # GnuTLS 3.7 speaks no DTLS 1.3: a refusal, no DTLS 1.3 suite.
    assert e["versions"]["DTLSv1.3"] is False and e["suites_complete"]["DTLSv1.3"] is True, \
        explain(res)
    assert all(s["version"] != "DTLSv1.3" for s in e["cipher_suites"]), explain(res)
    assert e["dtls13_groups_complete"] is None, explain(res)
    ffdhe = {g["name"] for g in e["groups"] if g["name"].startswith("ffdhe")}
    truth = {f"ffdhe{n}" for n in (2048, 3072, 4096)
             if gnutls_cli_completes(srv.target, "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:"
                                     f"+DHE-RSA:-GROUP-ALL:+GROUP-FFDHE{n}")}
    assert truth == {"ffdhe2048", "ffdhe4096"}, truth
    assert ffdhe == truth, (truth, explain(res))
    assert all(g["rating"] == "ok" and g["versions"] == ["DTLSv1.2"]
               for g in e["groups"] if g["name"] in ffdhe), explain(res)
    schemes = {s["name"] for s in e["signature_schemes"]}
    gnutls_names = {"rsa_pkcs1_sha256": "RSA-SHA256", "rsa_pss_rsae_sha384":
                    "RSA-PSS-RSAE-SHA384", "rsa_pkcs1_sha384": "RSA-SHA384"}
    truth_sig = {iana for iana, gn in gnutls_names.items()
                 if gnutls_cli_completes(srv.target, "NORMAL:-VERS-ALL:+VERS-DTLS1.2:"
                                         f"-SIGN-ALL:+SIGN-{gn}")}
    assert truth_sig == {"rsa_pkcs1_sha256", "rsa_pss_rsae_sha384"}, truth_sig
    assert schemes == truth_sig, (truth_sig, explain(res))
    # DHE suites carry the RFC 7919 group their prime is, rated by its size.
    dhe = [s for s in e["cipher_suites"] if "_DHE_" in s["name"]]
    assert dhe and all(s["kx_group"] in truth and s["kx_bits"] >= 2048 for s in dhe), \
        explain(res)
    assert all(s["rating"] == "deprecated" for s in dhe), explain(res)


def test_rfc7925_mandatory_psk_suite(udp_servers, pki):  # noqa: F811
    """TLS_PSK_WITH_AES_128_CCM_8, which RFC 7925 makes mandatory: under
    iot-rfc7925 it is what the profile asks for (no
    dtls-rfc7925-suite-missing), under the default policy weak (a 64-bit
    tag), as the TCP scan rates it."""
    srv = udp_servers.openssl("-dtls1_2", extra=[
        "-psk", PSK_HEX, "-cipher", "PSK-AES128-CCM8:ECDHE-RSA-AES128-GCM-SHA256"])
    assert same_suite_with_s_client(srv.target, "TLS_PSK_WITH_AES_128_CCM_8", "-psk", PSK_HEX,
                                    "-psk_identity", PSK_IDENTITY)
    args = ["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
            str(pki / "root.pem"), "--timeout", "60s"]
    res = run_json(args + ["--policy", "iot-rfc7925"])
    e = enumeration(res)
    assert e["policy"] == "iot-rfc7925", explain(res)
    suites = {s["name"]: s for s in e["cipher_suites"]}
    ccm8 = suites.get("TLS_PSK_WITH_AES_128_CCM_8")
    assert ccm8 is not None and ccm8["rating"] == "recommended", explain(res)
    assert "RFC 7925" in ccm8["reference"], explain(res)
    assert e["version_ratings"]["DTLSv1.2"]["rating"] == "recommended", explain(res)
    p256 = [g for g in e["groups"] if g["name"] == "secp256r1"]
    assert p256 and p256[0]["rating"] == "recommended", explain(res)
    assert "dtls-rfc7925-suite-missing" not in finding_ids(res.doc), explain(res)

    res = run_json(args)
    e = enumeration(res)
    ccm8 = [s for s in e["cipher_suites"] if s["name"] == "TLS_PSK_WITH_AES_128_CCM_8"]
    assert ccm8 and ccm8[0]["rating"] == "weak", explain(res)
    weak = [f["message"] for f in res.doc["findings"] if f["id"] == "enum-suite-weak"]
    assert weak and "TLS_PSK_WITH_AES_128_CCM_8" in weak[0], explain(res)


def test_text_shows_ratings(udp_servers, pki):  # noqa: F811
    srv = udp_servers.openssl("-dtls1_2", extra=[
        "-cipher", "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256"])
    res = run(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
               str(pki / "root.pem"), "--timeout", "60s"])
    out = res.stdout
    assert "DTLS enumeration" in out and "Policy                rfc9325" in out, out
    line = [ln for ln in out.splitlines() if "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA " in ln]
    assert line and "weak [" in line[0], out
    assert "CBC mode" in out and "DTLSv1.2 signatures" in out, out


def test_rfc7925_curve_missing(udp_servers, pki):  # noqa: F811
    """An ECDHE server without secp256r1: under iot-rfc7925,
    dtls-rfc7925-curve-missing; with P-256 added, not (s_client -groups
    is the ground truth that the set is what it is)."""
    def scan(groups):
        srv = udp_servers.openssl("-dtls1_2", extra=[
            "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-groups", groups])
        res = run_json(["--dtls", "--enum", srv.target, "--sni", "localhost", "--ca-file",
                        str(pki / "root.pem"), "--policy", "iot-rfc7925", "--timeout", "60s"])
        p256 = s_client_completes(srv.target, "-dtls1_2", "-groups", "P-256")
        srv.stop()
        return res, p256

    res, p256 = scan("P-384:X25519")
    assert not p256
    e = enumeration(res)
    assert e["groups_complete"] is True, explain(res)
    assert {g["name"] for g in e["groups"]} == {"secp384r1", "x25519"}, explain(res)
    assert "dtls-rfc7925-curve-missing" in finding_ids(res.doc), explain(res)
    res, p256 = scan("P-256:X25519")
    assert p256
    assert "dtls-rfc7925-curve-missing" not in finding_ids(res.doc), explain(res)


def test_dtls13_and_connection_id_answered(responder):
    """The "yes" answers no Debian DTLS stack can give (GnuTLS 3.7, OpenSSL
    3.0, wolfSSL 5.5 and mbedTLS 2.28 as Debian builds them speak neither
    DTLS 1.3 nor Connection ID), from the scripted peer
    peers/dtls_modern_peer.py: an RFC 7925 device with DTLS 1.3, DTLS 1.2
    TLS_PSK_WITH_AES_128_CCM_8 only, echoing a connection_id. Against
    gnutls-serv and openssl s_server the same fields read no (test_dtls.py)."""
    peer = responder("dtls_modern_peer.py")
    res = run_json(["--dtls", "--enum", peer.target, "--policy", "iot-rfc7925",
                    "--timeout", "30s"])
    e = enumeration(res)
    assert e["versions"] == {"DTLSv1.0": False, "DTLSv1.2": True, "DTLSv1.3": True}, explain(res)
    assert [s["name"] for s in e["cipher_suites"]
            if s["version"] == "DTLSv1.2"] == ["TLS_PSK_WITH_AES_128_CCM_8"], explain(res)
    assert e["connection_id"] is True, explain(res)
    ids = finding_ids(res.doc)
    assert "dtls-no-cid" not in ids and "dtls-10-accepted" not in ids, explain(res)
    assert "dtls-rfc7925-suite-missing" not in ids, explain(res)
    assert e["version_ratings"]["DTLSv1.3"]["rating"] == "recommended", explain(res)


def dtls13_scan(responder, suites, groups):
    peer = responder("dtls_modern_peer.py", "--tls13-suites", suites, "--groups", groups)
    res = run_json(["--dtls", "--enum", peer.target, "--timeout", "30s"])
    text = run(["--dtls", "--enum", peer.target, "--timeout", "30s"])
    peer.stop()
    return res, enumeration(res), text.stdout


@pytest.mark.parametrize("suites,groups,names,group_names", [
    # x25519 has a share in every suite probe: ServerHellos only.
    ("0x1301,0x1305", "x25519,secp256r1",
     {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_CCM_8_SHA256"}, {"x25519", "secp256r1"}),
    # No x25519: every suite probe is answered by a HelloRetryRequest.
    ("0x1304", "secp384r1", {"TLS_AES_128_CCM_SHA256"}, {"secp384r1"}),
])
def test_dtls13_suites_and_groups_exact(responder, suites, groups, names, group_names):
    """DTLS 1.3 suites by elimination over the TLS 1.3 suites, groups by
    elimination over supported_groups with an empty key_share (each
    HelloRetryRequest names one), exact against what the scripted peer
    peers/dtls_modern_peer.py is told (no Debian DTLS stack speaks DTLS
    1.3), each rated as the TCP scan rates it in TLS 1.3."""
    res, e, text = dtls13_scan(responder, suites, groups)
    assert e["versions"]["DTLSv1.3"] is True, explain(res)
    s13 = [s for s in e["cipher_suites"] if s["version"] == "DTLSv1.3"]
    assert {s["name"] for s in s13} == names and len(s13) == len(names), explain(res)
    assert e["suites_complete"]["DTLSv1.3"] is True, explain(res)
    # The key_share (or the HelloRetryRequest) of each suite probe names
    # the peer's preferred group.
    first = groups.split(",")[0]
    assert all(s["kx_group"] == first for s in s13), explain(res)
    assert all(s["rating"] != "unrated" and s["reason"] for s in s13), explain(res)
    g13 = [g for g in e["groups"] if "DTLSv1.3" in g["versions"]]
    assert {g["name"] for g in g13} == group_names and len(g13) == len(group_names), explain(res)
    assert all(g["versions"] == ["DTLSv1.3"] and g["rating"] != "unrated" for g in g13), \
        explain(res)
    assert e["dtls13_groups_complete"] is True and e["unknown_because"] is None, explain(res)
    assert e["retries"] == 0, explain(res)
    assert "DTLSv1.3 suites" in text and all(n in text for n in names), text
    assert all(f"{g} (0x" in text for g in group_names), text


def test_dtls13_refused_without_shared_group(responder):
    """A DTLS 1.3 peer with no group (so none shared with any offer)
    refuses every DTLS 1.3 hello with handshake_failure: DTLSv1.3 no, no
    DTLS 1.3 suite, no DTLS 1.3 group search."""
    res, e, _ = dtls13_scan(responder, "0x1301", "")
    assert e["versions"]["DTLSv1.3"] is False and e["versions"]["DTLSv1.2"] is True, explain(res)
    assert all(s["version"] != "DTLSv1.3" for s in e["cipher_suites"]), explain(res)
    assert e["suites_complete"]["DTLSv1.3"] is True, explain(res)
    assert e["dtls13_groups_complete"] is None, explain(res)
