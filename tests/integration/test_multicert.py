"""Servers with several certificates (issue #7, part 4): an RSA and an ECDSA
certificate side by side, as openssl s_server -cert/-dcert and nginx with
two ssl_certificate lines hold them. tlsprobe reports the negotiated chain
in `certificates` and each other one in `other_chains`, each checked.

Ground truth: openssl s_client offering only one key type's signature
algorithms (-sigalgs ECDSA+SHA256 / RSA+SHA256) and -showcerts."""

import hashlib
import re
import socket
import ssl
import subprocess
import threading

import pytest

from conftest import explain, finding_ids, require_tool, run, run_json

PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)
CHAIN_FINDINGS = {"chain-incomplete", "chain-order", "chain-extra-root", "cert-untrusted"}

# The ECDSA leaf without its intermediate, beside the RSA leaf with it.
DUAL_MISSING = ("-dcert", "ecdsa.pem", "-dkey", "ecdsa.key")
DUAL_FULL = DUAL_MISSING + ("-dcert_chain", "inter.pem")


def openssl_dual(servers, pki, dual, extra=()):
    args = []
    for a in dual:
        args.append(str(pki / a) if a.endswith((".pem", ".key")) else a)
    return servers.openssl(cert="leaf.pem", key="leaf.key", chain="inter.pem",
                           extra=tuple(args) + tuple(extra))


def s_client_chain(srv, sigalgs, *extra):
    """SHA-256 fingerprints of the chain openssl s_client is sent when it
    offers only sigalgs: the ground truth for one key type."""
    exe = require_tool("openssl")
    proc = subprocess.run([exe, "s_client", "-connect", f"127.0.0.1:{srv.port}",
                           "-servername", "localhost", "-sigalgs", sigalgs, "-showcerts",
                           *extra], input=b"", capture_output=True, timeout=30)
    out = proc.stdout.decode(errors="replace")
    pems = PEM_RE.findall(out)
    assert pems, f"s_client -sigalgs {sigalgs} got no certificate:\n{out}\n{proc.stderr!r}"
    return [hashlib.sha256(ssl.PEM_cert_to_DER_cert(p + "\n")).hexdigest() for p in pems]


def all_chains(doc):
    """(where, key type of the leaf, chain) for the negotiated chain and
    every other one."""
    chains = [("negotiated", doc["certificates"][0]["public_key"]["type"],
               {"certificates": doc["certificates"], "verification": doc["verification"]})]
    for other in doc["other_chains"]:
        chains.append(("other", other["certificates"][0]["public_key"]["type"], other))
    return chains


def fingerprints(chain):
    return [c["sha256"] for c in chain["certificates"]]


def chain_of(doc, key_type):
    found = [(where, c) for where, t, c in all_chains(doc) if t == key_type]
    assert len(found) == 1, f"{key_type} chains: {found}"
    return found[0]


def findings_about(doc, where, key_label):
    """Finding ids about one chain: an other chain's messages start with
    'ECDSA chain: ' (or 'RSA chain: '); the negotiated one's do not."""
    prefixes = tuple(f"{t} chain: " for t in ("RSA", "ECDSA", "EdDSA"))
    ids = []
    for f in doc["findings"]:
        if where == "other" and f["message"].startswith(f"{key_label} chain: "):
            ids.append(f["id"])
        elif where == "negotiated" and not f["message"].startswith(prefixes):
            ids.append(f["id"])
    return ids


def check_dual(res, truth_rsa, truth_ec, ec_complete):
    doc = res.doc
    assert doc["handshake"]["completed"] is True, explain(res)
    assert len(doc["other_chains"]) == 1, explain(res)
    other = doc["other_chains"][0]
    assert set(other) >= {"selected_by", "key_type", "certificates", "verification"}
    assert "signature algorithms" in other["selected_by"], other
    where_rsa, rsa = chain_of(doc, "RSA")
    where_ec, ec = chain_of(doc, "EC")
    assert {where_rsa, where_ec} == {"negotiated", "other"}
    assert other["key_type"] == ("ECDSA" if where_ec == "other" else "RSA")
    assert fingerprints(rsa) == truth_rsa, explain(res)
    assert fingerprints(ec) == truth_ec, explain(res)
    assert rsa["verification"]["trusted"] is True
    assert rsa["verification"]["chain_complete"] is True
    assert ec["verification"]["hostname_match"] is True
    assert ec["verification"]["chain_complete"] is ec_complete
    assert ec["verification"]["trusted"] is ec_complete
    ec_ids = findings_about(doc, where_ec, "ECDSA")
    rsa_ids = findings_about(doc, where_rsa, "RSA")
    assert not CHAIN_FINDINGS & set(rsa_ids), explain(res)
    if ec_complete:
        assert not CHAIN_FINDINGS & set(finding_ids(doc)), explain(res)
    else:
        assert "chain-incomplete" in ec_ids and "cert-untrusted" in ec_ids, explain(res)
        msg = [f["message"] for f in doc["findings"] if f["id"] == "chain-incomplete"]
        assert len(msg) == 1 and "intermediate" in msg[0], msg
        assert res.rc == 1, explain(res)
    return where_ec


def test_openssl_ecdsa_without_intermediate(servers, pki):
    srv = openssl_dual(servers, pki, DUAL_MISSING)
    truth_ec = s_client_chain(srv, "ECDSA+SHA256")
    truth_rsa = s_client_chain(srv, "RSA+SHA256:RSA-PSS+SHA256")
    assert len(truth_ec) == 1 and len(truth_rsa) == 2
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    where_ec = check_dual(res, truth_rsa, truth_ec, ec_complete=False)
    if where_ec == "other":
        msg = [f["message"] for f in res.doc["findings"] if f["id"] == "chain-incomplete"][0]
        assert msg.startswith("ECDSA chain: "), msg


def test_openssl_both_full_chains(servers, pki):
    srv = openssl_dual(servers, pki, DUAL_FULL)
    truth_ec = s_client_chain(srv, "ECDSA+SHA256")
    truth_rsa = s_client_chain(srv, "RSA+SHA256:RSA-PSS+SHA256")
    assert len(truth_ec) == 2 and len(truth_rsa) == 2
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    check_dual(res, truth_rsa, truth_ec, ec_complete=True)
    assert res.rc == 0, explain(res)


def test_openssl_tls12(servers, pki):
    srv = openssl_dual(servers, pki, DUAL_MISSING)
    truth_ec = s_client_chain(srv, "ECDSA+SHA256", "-tls1_2")
    truth_rsa = s_client_chain(srv, "RSA+SHA256", "-tls1_2")
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--tls-max", "1.2"])
    assert res.doc["handshake"]["version"] == "TLSv1.2", explain(res)
    check_dual(res, truth_rsa, truth_ec, ec_complete=False)


def test_text_report_shows_other_chain(servers, pki):
    srv = openssl_dual(servers, pki, DUAL_MISSING)
    res = run([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 1, explain(res)
    heads = re.findall(r"^Other certificate chain: (\w+) \((\d+)\)$", res.stdout, re.M)
    assert len(heads) == 1, res.stdout
    section = res.stdout.split("Other certificate chain:")[1].split("\nFindings")[0]
    assert "Selected by" in section and "signature algorithms" in section, section
    assert "Verification" in section and "Chain complete" in section, section
    if heads[0] == ("ECDSA", "1"):
        assert re.search(r"Chain complete +no", section), section
        assert "ECDSA chain: the server sent 1 certificate" in res.stdout, res.stdout
    else:
        assert heads[0] == ("RSA", "2"), heads


def test_nginx_two_certificates(servers, pki):
    srv = servers.nginx(cert="leaf-fullchain.pem", key="leaf.key",
                        more_certs=[("ecdsa.pem", "ecdsa.key")])
    truth_ec = s_client_chain(srv, "ECDSA+SHA256")
    truth_rsa = s_client_chain(srv, "RSA+SHA256:RSA-PSS+SHA256")
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    check_dual(res, truth_rsa, truth_ec, ec_complete=False)


def test_nginx_two_full_chains(servers, pki):
    srv = servers.nginx(cert="leaf-fullchain.pem", key="leaf.key",
                        more_certs=[("ecdsa-fullchain.pem", "ecdsa.key")])
    truth_ec = s_client_chain(srv, "ECDSA+SHA256")
    truth_rsa = s_client_chain(srv, "RSA+SHA256:RSA-PSS+SHA256")
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    check_dual(res, truth_rsa, truth_ec, ec_complete=True)
    assert res.rc == 0, explain(res)


class CountingRelay:
    """A TCP relay on loopback in front of a real server, counting the
    connections tlsprobe makes (a server's own log may be buffered). Not a
    peer: it forwards bytes both ways unchanged."""

    def __init__(self, port):
        self.target = ("127.0.0.1", port)
        self.count = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.count += 1
            up = socket.create_connection(self.target, timeout=10)
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.stopping = True
        self.sock.close()


@pytest.fixture
def relay():
    started = []

    def start(port):
        r = CountingRelay(port)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


@pytest.mark.parametrize("kind,cert,key", [("gnutls", "leaf-fullchain.pem", "leaf.key"),
                                           ("gnutls", "ecdsa-fullchain.pem", "ecdsa.key"),
                                           ("nginx", "leaf-fullchain.pem", "leaf.key")])
def test_single_certificate_costs_one_connection(servers, pki, relay, kind, cert, key):
    srv = getattr(servers, kind)(cert=cert, key=key)
    front = relay(srv.port)
    res = run_json([f"localhost:{front.port}", "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    assert res.doc["other_chains"] == [], explain(res)
    assert front.count == 2, f"{front.count} connections\n{explain(res)}"


def test_dual_certificate_connections(servers, pki, relay):
    # The negotiated chain, the other one, then one offer that finds none.
    srv = openssl_dual(servers, pki, DUAL_FULL)
    front = relay(srv.port)
    res = run_json([f"localhost:{front.port}", "--ca-file", pki / "root.pem"])
    assert len(res.doc["other_chains"]) == 1, explain(res)
    assert front.count == 3, f"{front.count} connections\n{explain(res)}"


def test_no_other_chains_option(servers, pki, relay):
    srv = openssl_dual(servers, pki, DUAL_MISSING)
    front = relay(srv.port)
    res = run_json([f"localhost:{front.port}", "--ca-file", pki / "root.pem",
                    "--no-other-chains"])
    assert res.doc["request"]["no_other_chains"] is True, explain(res)
    assert res.doc["other_chains"] == [], explain(res)
    assert front.count == 1, f"{front.count} connections\n{explain(res)}"
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.doc["request"]["no_other_chains"] is False, explain(res)


def test_nginx_three_key_types(servers, pki, relay):
    # RSA, ECDSA (intermediate missing) and Ed25519: every family is found,
    # and once all three are seen no further connection is made.
    srv = servers.nginx(cert="leaf-fullchain.pem", key="leaf.key",
                        more_certs=[("ecdsa.pem", "ecdsa.key"),
                                    ("ed25519-fullchain.pem", "ed25519.key")])
    truth = {"RSA": s_client_chain(srv, "RSA+SHA256:RSA-PSS+SHA256"),
             "EC": s_client_chain(srv, "ECDSA+SHA256"),
             "ED25519": s_client_chain(srv, "ed25519")}
    front = relay(srv.port)
    res = run_json([f"localhost:{front.port}", "--ca-file", pki / "root.pem"])
    doc = res.doc
    assert len(doc["other_chains"]) == 2, explain(res)
    found = {t.upper(): fingerprints(c) for _, t, c in all_chains(doc)}
    assert found == truth, explain(res)
    families = {c["key_type"] for c in doc["other_chains"]}
    negotiated = {"RSA": "RSA", "EC": "ECDSA", "ED25519": "EdDSA"}[
        doc["certificates"][0]["public_key"]["type"].upper()]
    assert families | {negotiated} == {"RSA", "ECDSA", "EdDSA"}, explain(res)
    where_ec, ec = chain_of(doc, "EC")
    assert ec["verification"]["chain_complete"] is False, explain(res)
    assert "chain-incomplete" in findings_about(doc, where_ec, "ECDSA"), explain(res)
    for key_type in ("RSA", "Ed25519"):
        where, chain = chain_of(doc, key_type)
        assert chain["verification"]["trusted"] is True, explain(res)
    assert front.count == 3, f"{front.count} connections\n{explain(res)}"


def test_single_certificate_openssl(servers, pki):
    srv = servers.openssl(cert="ecdsa.pem", key="ecdsa.key", chain="inter.pem")
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    assert res.doc["other_chains"] == [], explain(res)


def test_not_under_timing(servers, pki):
    srv = openssl_dual(servers, pki, DUAL_MISSING)
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--timing"])
    assert res.doc["handshake"]["completed"] is True, explain(res)
    assert res.doc["other_chains"] == [], explain(res)


def test_beside_enum(servers, pki):
    srv = openssl_dual(servers, pki, DUAL_MISSING)
    res = run_json([srv.localhost(), "--ca-file", pki / "root.pem", "--enum"])
    assert res.doc["enumeration"] is not None, explain(res)
    assert len(res.doc["other_chains"]) == 1, explain(res)
    assert "chain-incomplete" in finding_ids(res.doc), explain(res)
