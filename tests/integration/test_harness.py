"""The harness checked on its own, with Python's ssl module as the client:
when a tlsprobe test fails, this says whether the server or test peer was
what the test assumed. Nothing here runs tlsprobe."""

import hashlib
import socket
import ssl
import subprocess

import pytest

from conftest import pem_sha256


def tls_connect(pki, host, port, server_hostname="localhost", max_version=None, alpn=None):
    ctx = ssl.create_default_context(cafile=str(pki / "root.pem"))
    if max_version:
        ctx.maximum_version = max_version
    if alpn:
        ctx.set_alpn_protocols(alpn)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.create_connection((host, port), timeout=10) as raw:
        assert raw.family == family
        with ctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
            out = {"version": tls.version(), "cipher": tls.cipher()[0],
                   "alpn": tls.selected_alpn_protocol()}
            return out


@pytest.mark.parametrize("kind", ["gnutls", "openssl", "nginx"])
def test_servers_handshake(servers, pki, kind):
    srv = getattr(servers, kind)()
    got = tls_connect(pki, "127.0.0.1", srv.port)
    assert got["version"] == "TLSv1.3", got
    got = tls_connect(pki, "127.0.0.1", srv.port, max_version=ssl.TLSVersion.TLSv1_2)
    assert got["version"] == "TLSv1.2" and got["cipher"].startswith("ECDHE-RSA-"), got


def test_nginx_alpn(servers, pki):
    srv = servers.nginx()
    assert tls_connect(pki, "127.0.0.1", srv.port, alpn=["h2", "http/1.1"])["alpn"] == "h2"
    srv = servers.nginx(http2=False)
    got = tls_connect(pki, "127.0.0.1", srv.port, alpn=["h2", "http/1.1"])
    assert got["alpn"] == "http/1.1"


def test_gnutls_serv_stays_on_loopback(servers):
    srv = servers.gnutls()
    out = subprocess.run(["ss", "-Hltn", f"sport = :{srv.port}"], capture_output=True,
                         text=True, timeout=10)
    if out.returncode != 0:
        pytest.skip("ss (iproute2) not available")
    local = {line.split()[3].rsplit(":", 1)[0] for line in out.stdout.splitlines()}
    assert local and local <= {"127.0.0.1", "[::1]"}, out.stdout


def test_bad_certificates_are_bad(servers, pki):
    cases = {"expired": "expired", "notyet": "not yet valid", "wronghost": "mismatch",
             "selfsigned": "self"}
    for name, why in cases.items():
        cert = f"{name}.pem" if name == "selfsigned" else f"{name}-fullchain.pem"
        srv = servers.gnutls(cert=cert, key=f"{name}.key")
        with pytest.raises(ssl.SSLCertVerificationError) as exc:
            tls_connect(pki, "127.0.0.1", srv.port)
        assert why in str(exc.value).lower() or name == "selfsigned", exc.value


def test_missing_intermediate_is_incomplete(servers, pki):
    srv = servers.gnutls(cert="leaf-only.pem")
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_connect(pki, "127.0.0.1", srv.port)


def test_nginx_sends_wrong_order_as_is(servers, pki):
    srv = servers.nginx(cert="wrong-order.pem")
    out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{srv.port}",
                          "-servername", "localhost", "-showcerts"],
                         input="", capture_output=True, text=True, timeout=30)
    end = "-----END CERTIFICATE-----"
    blocks = [b[b.index("-----BEGIN"):] + end + "\n"
              for b in out.stdout.split(end)[:-1]]
    assert [hashlib.sha256(ssl.PEM_cert_to_DER_cert(b)).hexdigest() for b in blocks] == [
        pem_sha256(pki / "leaf.pem"), pem_sha256(pki / "root.pem"),
        pem_sha256(pki / "inter.pem")], out.stdout


def test_openssl_client_ca_list(servers, pki):
    srv = servers.openssl(extra=["-verify", "1", "-CAfile", str(pki / "client-ca.pem")])
    out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{srv.port}",
                          "-servername", "localhost", "-tls1_2"],
                         input="", capture_output=True, text=True, timeout=30)
    assert "Acceptable client certificate CA names" in out.stdout, out.stdout
    assert "tlsprobe test client CA" in out.stdout, out.stdout


def recv_all(sock, limit=1 << 20):
    data = b""
    while len(data) < limit:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data, "reset"
        if not chunk:
            return data, "eof"
        data += chunk
    return data, "limit"


@pytest.mark.parametrize("behaviour,expect", [
    ("http", b"HTTP/1.1 400"),
    ("ssh", b"SSH-2.0-"),
    ("garbage", b"\xff"),
    ("alert", bytes.fromhex("15030300020228")),
])
def test_scripted_peers(peer, behaviour, expect):
    p = peer(behaviour)
    with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        data, how = recv_all(s)
    assert data.startswith(expect), data[:64]
    assert how == "eof"
    if behaviour == "alert":
        assert data == expect


def test_scripted_reset(peer):
    p = peer("reset")
    with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        data, how = recv_all(s)
    assert (data, how) == (b"", "reset")


@pytest.mark.parametrize("behaviour", ["endless-handshake", "endless-bytes"])
def test_scripted_endless(peer, behaviour):
    p = peer(behaviour)
    with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        data, how = recv_all(s, limit=4 << 20)
    assert how == "limit" and len(data) >= 4 << 20


def test_scripted_silent(peer):
    p = peer("silent")
    with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
        s.settimeout(1.0)
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        with pytest.raises(socket.timeout):
            s.recv(1)
