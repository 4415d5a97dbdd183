"""--enum's post-quantum key exchange phase (scan/pq.h).

No Debian 12 package speaks ML-KEM: OpenSSL 3.0 and GnuTLS 3.7 know none of
the hybrid groups and there is no oqs-provider package. So the positive
cases run against the scripted responder peers/pq_server.py (named as
such), and every answer it gives is asserted exactly: which groups are
accepted with their real-size key share and by HelloRetryRequest, the size
of the server's share, the preference between the hybrid and x25519, and a
middlebox that closes on a ClientHello over 1500 bytes.

The negatives are real servers (gnutls-serv, openssl s_server, nginx): the
ground truth that they accept no post-quantum group comes from their own
library's client (openssl s_client -groups, gnutls-cli --priority), which
refuses the group where the library lacks it; and they take the big hello."""

import subprocess

import pytest

from conftest import explain, run_json

PQ_GROUPS = {"X25519MLKEM768": "0x11EC", "SecP256r1MLKEM768": "0x11EB",
             "SecP384r1MLKEM1024": "0x11ED", "X25519Kyber768Draft00": "0x6399",
             "MLKEM768": "0x0201", "MLKEM1024": "0x0202"}
# Server key share sizes (draft-ietf-tls-ecdhe-mlkem Sec. 4.1; FIPS 203 Sec. 8).
SERVER_SHARE = {"X25519MLKEM768": 1120, "SecP256r1MLKEM768": 1153,
                "SecP384r1MLKEM1024": 1665, "X25519Kyber768Draft00": 1120,
                "MLKEM768": 1088, "MLKEM1024": 1568}
OPENSSL_GROUP = {"X25519MLKEM768": "X25519MLKEM768", "SecP256r1MLKEM768": "SecP256r1MLKEM768",
                 "SecP384r1MLKEM1024": "SecP384r1MLKEM1024", "MLKEM768": "MLKEM768",
                 "MLKEM1024": "MLKEM1024"}
GNUTLS_GROUP = {"X25519MLKEM768": "GROUP-X25519-MLKEM768",
                "SecP256r1MLKEM768": "GROUP-SECP256R1-MLKEM768",
                "SecP384r1MLKEM1024": "GROUP-SECP384R1-MLKEM1024"}


def scan(target):
    res = run_json(["--enum", target], timeout=150)
    assert isinstance(res.doc.get("groups"), list), explain(res)
    return res


def groups(doc):
    return {g["name"]: g for g in doc["groups"]}


def features(doc):
    return doc["features"]


def finding_ids(doc):
    return {f["id"] for f in doc["findings"]}


def check_accepted(doc, accepted):
    """accepted: the PQ group names the responder takes; the rest must be
    absent from the group list (the scan found no sign of them)."""
    g = groups(doc)
    for name, code in PQ_GROUPS.items():
        if name in accepted:
            assert name in g, (name, doc["groups"], features(doc))
            entry = g[name]
            assert entry["code"] == code
            assert entry["post_quantum"] is True
            assert entry["accepted_with_share"] is True, entry
            assert entry["selected_in_hrr"] is True, entry
            assert entry["share_bytes_expected"] == SERVER_SHARE[name], entry
        else:
            assert name not in g, (name, doc["groups"])


# --------------------------------------------------------------------------
# The scripted responder


def test_hybrid_accepted_and_preferred(responder):
    peer = responder("pq_server.py", "0x11EC,0x001D")
    res = scan(peer.target)
    doc = res.doc
    check_accepted(doc, {"X25519MLKEM768"})
    entry = groups(doc)["X25519MLKEM768"]
    assert entry["share_bytes"] == 1120, entry
    assert entry["rating"] in ("ok", "recommended"), entry
    assert groups(doc)["x25519"]["post_quantum"] is False
    f = features(doc)
    assert f["post_quantum"]["value"] is True, f["post_quantum"]
    assert "X25519MLKEM768 accepted (1120-byte server share)" in f["post_quantum"]["detail"]
    assert f["post_quantum_preferred"]["value"] is True, f["post_quantum_preferred"]
    assert "server order" in f["post_quantum_preferred"]["detail"]
    assert f["large_client_hello"]["value"] is True, f["large_client_hello"]
    assert "1600-byte" in f["large_client_hello"]["detail"]
    ids = finding_ids(doc)
    assert not ids & {"enum-pq-none", "enum-pq-share-size", "enum-large-hello"}, ids


def test_several_hybrids_and_pure_mlkem(responder):
    peer = responder("pq_server.py", "0x11ED,0x11EB,0x0202,0x001D")
    doc = scan(peer.target).doc
    check_accepted(doc, {"SecP384r1MLKEM1024", "SecP256r1MLKEM768", "MLKEM1024"})
    g = groups(doc)
    assert g["SecP384r1MLKEM1024"]["share_bytes"] == 1665
    assert g["SecP256r1MLKEM768"]["share_bytes"] == 1153
    assert g["MLKEM1024"]["share_bytes"] == 1568
    assert g["MLKEM1024"]["rating"] == "ok", g["MLKEM1024"]
    assert features(doc)["post_quantum"]["value"] is True


def test_classical_preferred(responder):
    peer = responder("pq_server.py", "0x001D,0x11EC")
    doc = scan(peer.target).doc
    check_accepted(doc, {"X25519MLKEM768"})
    pref = features(doc)["post_quantum_preferred"]
    assert pref["value"] is False, pref
    assert pref["detail"].startswith("x25519 is picked over X25519MLKEM768 in either order"), pref


def test_kyber_draft_only(responder):
    peer = responder("pq_server.py", "0x6399,0x001D")
    doc = scan(peer.target).doc
    check_accepted(doc, {"X25519Kyber768Draft00"})
    entry = groups(doc)["X25519Kyber768Draft00"]
    assert entry["share_bytes"] == 1120
    assert entry["rating"] == "deprecated", entry
    assert "pre-standard" in entry["reason"]
    f = features(doc)
    assert f["post_quantum"]["value"] is False, f["post_quantum"]
    assert "only the pre-standard Kyber draft" in f["post_quantum"]["detail"]
    ids = finding_ids(doc)
    assert "enum-pq-none" in ids and "enum-group-weak" in ids, ids
    # Without a standard hybrid there is nothing to prefer.
    assert "post_quantum_preferred" not in f


def test_wrong_share_size(responder):
    peer = responder("pq_server.py", "0x11EC,0x001D", "--share-bytes", "1088")
    doc = scan(peer.target).doc
    entry = groups(doc)["X25519MLKEM768"]
    assert (entry["share_bytes"], entry["share_bytes_expected"]) == (1088, 1120), entry
    found = [f for f in doc["findings"] if f["id"] == "enum-pq-share-size"]
    assert len(found) == 1, doc["findings"]
    assert "1088 bytes" in found[0]["message"] and "1120" in found[0]["message"], found


def test_middlebox_drops_big_hello(responder):
    peer = responder("pq_server.py", "0x001D,0x0017", "--max-hello", "1500")
    res = scan(peer.target)
    doc = res.doc
    f = features(doc)
    big = f["large_client_hello"]
    assert big["value"] is False, big
    assert big["detail"].startswith("a 1600-byte ClientHello got connection closed"), big
    assert "enum-large-hello" in finding_ids(doc), doc["findings"]
    # Share probes whose hello is over 1500 bytes (SecP384r1MLKEM1024,
    # MLKEM1024) are closed too: unknown, not "not accepted".
    assert "SecP384r1MLKEM1024 unknown" in f["post_quantum"]["detail"], f["post_quantum"]
    assert f["post_quantum"]["value"] is None, f["post_quantum"]
    assert "enum-pq-none" not in finding_ids(doc)
    assert {"x25519", "secp256r1"} <= set(groups(doc)), doc["groups"]


def test_middlebox_silent_on_big_hello(responder):
    """A box that drops the hello's second segment: the big hello meets
    silence (a time-out, unknown on its own), the small one an answer."""
    peer = responder("pq_server.py", "0x001D,0x0017", "--max-hello", "1500", "--silent")
    res = scan(peer.target)
    big = features(res.doc)["large_client_hello"]
    assert big["value"] is False, big
    assert big["detail"].startswith("a 1600-byte ClientHello got no reply within"), big
    assert "enum-large-hello" in finding_ids(res.doc), res.doc["findings"]
    assert res.elapsed < 60, explain(res)


def test_tls12_only_server_has_no_pq_phase(servers):
    server = servers.openssl(extra=["-no_tls1_3"])
    doc = scan(server.target).doc
    f = features(doc)
    assert "post_quantum" not in f and "large_client_hello" not in f, f
    assert "enum-pq-none" not in finding_ids(doc)
    for g in doc["groups"]:
        assert g["post_quantum"] is False and g["accepted_with_share"] is None, g


# --------------------------------------------------------------------------
# Real servers: no post-quantum group, and the big hello is taken


def openssl_takes(port, name):
    if name not in OPENSSL_GROUP:
        return False  # OpenSSL has no code point for the Kyber draft
    proc = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3",
                           "-groups", OPENSSL_GROUP[name]],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    return "Cipher is TLS_" in proc.stdout


def gnutls_takes(port, name):
    if name not in GNUTLS_GROUP:
        return False
    proc = subprocess.run(["gnutls-cli", "--insecure", "-p", str(port), "127.0.0.1",
                           "--priority", f"NORMAL:-GROUP-ALL:+{GNUTLS_GROUP[name]}"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    return proc.returncode == 0 and "Handshake was completed" in proc.stdout


@pytest.mark.parametrize("kind", ["gnutls", "openssl", "nginx"])
def test_real_servers_accept_no_pq(servers, kind):
    if kind == "gnutls":
        server = servers.gnutls()
        truth = {n for n in PQ_GROUPS if gnutls_takes(server.port, n)}
    elif kind == "openssl":
        server = servers.openssl()
        truth = {n for n in PQ_GROUPS if openssl_takes(server.port, n)}
    else:
        server = servers.nginx(protocols="TLSv1.2 TLSv1.3")
        truth = {n for n in PQ_GROUPS if openssl_takes(server.port, n)}
    res = scan(server.target)
    doc = res.doc
    mine = {g["name"] for g in doc["groups"] if g["post_quantum"]}
    assert mine == truth, (mine, truth, explain(res))
    f = features(doc)
    assert f["post_quantum"]["value"] is (True if truth else False), f["post_quantum"]
    assert f["large_client_hello"]["value"] is True, f["large_client_hello"]
    assert ("enum-pq-none" in finding_ids(doc)) == (not truth), doc["findings"]
    assert "enum-large-hello" not in finding_ids(doc)
    for g in doc["groups"]:
        assert g["post_quantum"] is False or g["name"] in truth, g
