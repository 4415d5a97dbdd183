#!/usr/bin/python3
"""A scripted VULNERABLE test peer: a relay in front of a real TLS server
(openssl s_server) that adds the Ticketbleed bug (CVE-2016-9244, F5
BIG-IP) to it. When a ClientHello carries a session ticket and a session
ID shorter than 32 bytes, the relay stretches the session ID the server
echoes in its ServerHello to 32 bytes: the client's bytes, then "memory".
Everything else passes through untouched, so full handshakes (which is
how the client gets its ticket) complete with the real server.

Usage: ticketbleed_relay.py UPSTREAM_PORT   (upstream on 127.0.0.1)
prints "ready PORT"."""

import socket
import struct
import sys
import threading

from tls_records import recv_exact, serve

MEMORY = bytes(range(0xA0, 0xC0))


def read_record(conn):
    head = recv_exact(conn, 5)
    return head + recv_exact(conn, struct.unpack("!H", head[3:5])[0])


def short_sid_with_ticket(rec):
    """Whether a ClientHello record offers a ticket with a short session ID."""
    body = rec[5:]
    if rec[0] != 22 or body[0] != 1:
        return False
    p = 4 + 2 + 32
    sid_len = body[p]
    p += 1 + sid_len
    p += 2 + struct.unpack("!H", body[p:p + 2])[0]
    p += 1 + body[p]
    end = p + 2 + struct.unpack("!H", body[p:p + 2])[0]
    p += 2
    while p + 4 <= end:
        etype, elen = struct.unpack("!HH", body[p:p + 4])
        if etype == 35 and elen > 0:
            return 0 < sid_len < 32
        p += 4 + elen
    return False


def stretch_session_id(rec):
    """The ServerHello record with its session ID padded to 32 bytes."""
    body = bytearray(rec[5:])
    if rec[0] != 22 or body[0] != 2:
        return rec
    at = 4 + 2 + 32
    n = body[at]
    extra = MEMORY[:32 - n]
    body[at] = 32
    body[at + 1 + n:at + 1 + n] = extra
    hs_len = int.from_bytes(body[1:4], "big") + len(extra)
    body[1:4] = hs_len.to_bytes(3, "big")
    return rec[:3] + struct.pack("!H", len(body)) + bytes(body)


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    upstream_port = int(sys.argv[1])

    def handler(conn):
        hello = read_record(conn)
        up = socket.create_connection(("127.0.0.1", upstream_port))
        try:
            up.sendall(hello)
            if short_sid_with_ticket(hello):
                conn.sendall(stretch_session_id(read_record(up)))
            back = threading.Thread(target=pump, args=(up, conn), daemon=True)
            back.start()
            pump(conn, up)
            back.join(5)
        finally:
            up.close()

    serve(handler)


if __name__ == "__main__":
    main()
