"""Shared bits of the scripted responders in this directory: loopback-only
listening, one thread per connection, PEM to DER, and reading one hello.

These are scripted test responders, not SSL servers: they answer the first
message the way a server of their kind would and then only wait for the
client to go away. No Debian package can serve SSL 2.0 or SSL 3.0 any more,
so for those two versions (and only those) the tests use these."""

import base64
import socket
import struct
import sys
import threading


def pem_to_der(path):
    """DER of the first certificate in a PEM file."""
    text = open(path, encoding="ascii").read()
    body = text.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----", 1)[0]
    return base64.b64decode("".join(body.split()))


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("peer closed")
        data += chunk
    return data


def read_first_message(conn):
    """('ssl2', body) for an SSL 2.0 record with a 2-byte header,
    ('tls', record_type, body) for a TLS record; raises on EOF."""
    head = recv_exact(conn, 2)
    if head[0] & 0x80:
        length = ((head[0] & 0x7F) << 8) | head[1]
        return ("ssl2", recv_exact(conn, length))
    rest = recv_exact(conn, 3)
    length = struct.unpack("!H", rest[1:3])[0]
    return ("tls", head[0], recv_exact(conn, length))


def linger_until_closed(conn, timeout=5.0):
    """Wait for the client to close (it never completes the handshake)."""
    conn.settimeout(timeout)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def serve(handler, host="127.0.0.1"):
    """Listen on host:0, print "ready PORT", run handler(conn) per
    connection in a thread, until killed."""
    if host not in ("127.0.0.1", "::1"):
        raise SystemExit("scripted responders listen on loopback only")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(64)
    print(f"ready {sock.getsockname()[1]}", flush=True)

    def run(conn):
        try:
            handler(conn)
        except (OSError, ConnectionError, ValueError, IndexError, struct.error):
            pass
        finally:
            conn.close()

    while True:
        conn, _ = sock.accept()
        threading.Thread(target=run, args=(conn,), daemon=True).start()


def parse_codes(text, width):
    """"0x000A,0x0005" -> [0x000A, 0x0005]; width only documents 2 or 3 bytes."""
    codes = [int(c, 16) for c in text.split(",") if c.strip()]
    for c in codes:
        if c >= 1 << (8 * width):
            sys.exit(f"code {c:#x} wider than {width} bytes")
    return codes
