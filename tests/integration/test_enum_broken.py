"""--enum against servers that select a suite they cannot complete (poisoned
picks): Dovecot without ssl_dh closes the connection, with no alert, on any
ClientHello where it picks a DHE suite. Offering every suite at once, a
scanner then sees TLS 1.2 refused (sslscan does) and, in elimination, loses
every suite behind the poisoned one. tlsprobe must report what a client can
actually negotiate: TLS 1.2 supported, exactly the suites that complete,
and a note naming the suites the server selects and then abandons.

The scripted test peer peers/poisoned_server.py emulates that server (its
own preference order, DHE first and poisoned; a close or internal_error
when it picks one); the real Dovecot of Debian, without ssl_dh, is checked
against `openssl s_client -starttls imap` offering each suite alone."""

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import explain, require_tool, run_json

# The peer's preference order: DHE first (poisoned), then ECDHE_RSA and RSA.
PREFERENCE = ["0x009E", "0xC02F", "0x0033", "0x002F", "0xC030", "0x009C"]
POISONED = {"0x009E": "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "0x0033": "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"}
GOOD = {"0xC02F", "0x002F", "0xC030", "0x009C"}
GT_THREADS = 12


def enumerate_target(target, *extra):
    res = run_json(["--enum", *extra, target], timeout=150)
    assert res.rc in (0, 1), explain(res)
    assert isinstance(res.doc.get("cipher_suites"), list), explain(res)
    return res


def supported(doc):
    return {p["version"]: p["supported"] for p in doc["protocols"]}


def accepted(doc, version):
    return {s["code"] for s in doc["cipher_suites"] if s["version"] == version}


def start_peer(responder, pki, *options):
    return responder("poisoned_server.py", pki / "leaf.pem", ",".join(PREFERENCE),
                     ",".join(POISONED), *options)


@pytest.mark.parametrize("death", ["close", "internal_error"])
def test_poisoned_dhe_pick(responder, pki, death):
    peer = start_peer(responder, pki, "--death", death)
    res = enumerate_target(peer.target)
    doc = res.doc
    sup = supported(doc)
    assert sup["TLSv1.2"] is True, explain(res)
    for v in ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.3"):
        assert sup[v] is False, explain(res)
    assert accepted(doc, "TLSv1.2") == GOOD, explain(res)
    assert doc["features"]["scan_complete"]["value"] is True, explain(res)
    # The peer refuses cleanly (handshake_failure), so a death singles out
    # each poisoned suite: named, with what the server did.
    note = doc["features"].get("broken_suites")
    assert note is not None and note["value"] is True, explain(res)
    for name in POISONED.values():
        assert f"server selects {name} but" in note["detail"], note
    for code in GOOD:
        assert code not in note["detail"], note
    word = "without an alert" if death == "close" else "internal_error (80)"
    assert word in note["detail"], note
    assert "no DH parameters?" in note["detail"], note
    # The repair is cheap: a few dozen connections, not one per suite.
    assert doc["enumeration"]["connections"] < 120, doc["enumeration"]


def test_poisoned_peer_that_closes_on_every_refusal(responder, pki):
    """Dovecot refuses by closing too: a close then says nothing about a
    suite, so none is named, but none is lost either."""
    peer = start_peer(responder, pki, "--refuse", "close")
    res = enumerate_target(peer.target)
    doc = res.doc
    assert supported(doc)["TLSv1.2"] is True, explain(res)
    assert accepted(doc, "TLSv1.2") == GOOD, explain(res)
    assert "broken_suites" not in doc["features"], doc["features"]
    assert doc["features"]["scan_complete"]["value"] is True, explain(res)


def test_healthy_peer_pays_no_split(responder, pki):
    """The same peer without poison: no broken note, and no more connections
    than the picks and refusals need."""
    peer = responder("poisoned_server.py", pki / "leaf.pem", ",".join(PREFERENCE[1:2] +
                     PREFERENCE[3:]), "0x0000")
    res = enumerate_target(peer.target)
    doc = res.doc
    assert accepted(doc, "TLSv1.2") == GOOD, explain(res)
    assert "broken_suites" not in doc["features"]
    assert doc["enumeration"]["connections"] < 60, doc["enumeration"]


# --------------------------------------------------------------------------
# Dovecot without ssl_dh, against openssl s_client as the oracle


@pytest.fixture
def dovecot_without_dh(dovecot):
    server, _ = dovecot(dh=False)
    return server


def openssl_suites():
    """[(code, OpenSSL name, IANA name, TLS 1.3?)] from openssl itself."""
    out = subprocess.run(["openssl", "ciphers", "-stdname", "-V", "ALL:COMPLEMENTOFALL"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split()
        # "0xC0,0x2F - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 - ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ..."
        if len(parts) >= 6 and parts[0].startswith("0x") and parts[1] == "-":
            hi, lo = parts[0].split(",")
            rows.append(("0x" + hi[2:].upper() + lo[2:].upper(), parts[4], parts[2],
                         parts[5] == "TLSv1.3"))
    assert rows, out[:300]
    return rows


def starttls_accepts(port, name, tls13):
    argv = ["openssl", "s_client", "-starttls", "imap", "-connect", f"127.0.0.1:{port}"]
    argv += ["-tls1_3", "-ciphersuites", name] if tls13 else ["-tls1_2", "-cipher",
                                                                  name + ":@SECLEVEL=0"]
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=20)
    except subprocess.TimeoutExpired:
        return False
    m = re.search(r"Cipher is (\S+)", proc.stdout)
    return m is not None and m.group(1) == name


def test_dovecot_without_ssl_dh(dovecot_without_dh):
    port = dovecot_without_dh.port
    rows = openssl_suites()
    with ThreadPoolExecutor(GT_THREADS) as pool:
        ok = list(pool.map(lambda r: starttls_accepts(port, r[1], r[3]), rows))
    truth = {"TLSv1.2": {r[0] for r, a in zip(rows, ok) if a and not r[3]},
             "TLSv1.3": {r[0] for r, a in zip(rows, ok) if a and r[3]}}
    # The situation under test: s_client -tls1_2 connects, DHE does not.
    assert truth["TLSv1.2"], "openssl s_client could not connect with TLS 1.2 at all"
    assert not any("_DHE_" in r[2] for r, a in zip(rows, ok) if a), truth
    assert any("_DHE_" in r[2] for r in rows)
    res = enumerate_target(f"127.0.0.1:{port}", "--starttls", "imap")
    doc = res.doc
    sup = supported(doc)
    assert sup["TLSv1.2"] is True, explain(res)
    for version, codes in truth.items():
        mine = accepted(doc, version)
        assert mine == codes, (f"{version}: false positives {sorted(mine - codes)}, false "
                               f"negatives {sorted(codes - mine)}\n{explain(res)}")
    assert doc["features"]["scan_complete"]["value"] is True, explain(res)
    assert "Diffie-Hellman" in dovecot_without_dh.log() or \
        "DH parameters" in (dovecot_without_dh.workdir / "dovecot.log").read_text()
