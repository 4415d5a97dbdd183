"""IPv6: bracketed literals, and address-family restriction."""

import socket

import pytest

from conftest import explain, ipv6_loopback_available, run_json

needs_ipv6 = pytest.mark.skipif(not ipv6_loopback_available(),
                                reason="cannot bind ::1 (IPv6 loopback disabled here)")


@needs_ipv6
@pytest.mark.parametrize("kind", ["gnutls", "openssl", "nginx"])
def test_ipv6_literal(servers, pki, kind):
    srv = getattr(servers, kind)(host="::1")
    assert srv.target == f"[::1]:{srv.port}"
    res = run_json([srv.target, "--ca-file", pki / "root.pem"])
    # The leaf carries IP:::1, so the literal matches it.
    assert res.rc == 0, explain(res)
    target = res.doc["target"]
    assert target["host"] == "::1", explain(res)
    assert target["address"] == "::1", explain(res)
    assert target["port"] == srv.port
    assert target["sni"] is None, explain(res)  # RFC 6066 Sec. 3: no literals
    assert res.doc["verification"]["hostname_match"] is True, explain(res)
    assert res.doc["handshake"]["version"] == "TLSv1.3", explain(res)


def localhost_has_ipv6():
    try:
        return any(ai[4][0] == "::1" for ai in
                   socket.getaddrinfo("localhost", None, socket.AF_INET6, socket.SOCK_STREAM))
    except OSError:
        return False


@needs_ipv6
@pytest.mark.skipif(not localhost_has_ipv6(),
                    reason="localhost has no IPv6 address here (no '::1 localhost' in /etc/hosts)")
def test_ipv6_only_flag(servers, pki):
    srv = servers.openssl(host="::1")
    res = run_json(["-6", srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    assert res.doc["target"]["address"] == "::1", explain(res)
    assert all(a["address"] == "::1" for a in res.doc["connection"]["attempts"]), explain(res)


def test_ipv4_flag_with_ipv6_literal():
    res = run_json(["-4", "[::1]:443", "--timeout", "10s"])
    assert res.rc == 3, explain(res)
    assert res.doc["error"]["stage"] == "resolve", explain(res)
    assert res.doc["connection"]["attempts"] == [], explain(res)


def test_ipv6_flag_with_ipv4_literal():
    res = run_json(["-6", "127.0.0.1:443", "--timeout", "10s"])
    assert res.rc == 3, explain(res)
    assert res.doc["error"]["stage"] == "resolve", explain(res)


def test_ipv4_flag_localhost(servers, pki):
    srv = servers.gnutls()  # listens on 127.0.0.1 and ::1 (bind_loopback shim)
    res = run_json(["-4", srv.localhost(), "--ca-file", pki / "root.pem"])
    assert res.rc == 0, explain(res)
    assert res.doc["target"]["address"] == "127.0.0.1", explain(res)
    assert all(a["address"] == "127.0.0.1" for a in res.doc["connection"]["attempts"])
