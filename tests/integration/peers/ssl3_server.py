#!/usr/bin/python3
"""A scripted SSL 3.0 responder (not an SSL server): answers a ClientHello the
way an SSL 3.0-only server would (RFC 6101 Sec. 5.6.1.3): ServerHello version
3.0 whatever higher version the client offers, the first client-offered suite
that is in its configured set, then Certificate and ServerHelloDone; a
handshake_failure alert when no offered suite is in the set; a close for an
SSL 2.0 CLIENT-HELLO. It never completes a handshake.

Only suites with RSA key transport make sense here (no ServerKeyExchange is
sent). Usage: ssl3_server.py CERT_PEM SUITES (e.g. 0x000A,0x0005,0x002F)
[--server-order]; prints "ready PORT"."""

import argparse
import os
import struct

from tls_records import linger_until_closed, parse_codes, pem_to_der, read_first_message, serve

SSL3 = b"\x03\x00"
RENEGOTIATION_SCSV = 0x00FF


def record(content_type, body):
    return struct.pack("!B2sH", content_type, SSL3, len(body)) + body


def handshake(msg_type, body):
    return struct.pack("!B", msg_type) + len(body).to_bytes(3, "big") + body


def parse_client_hello(body):
    """(client_version, [suites]) from a ClientHello handshake message."""
    if body[0] != 1:
        raise ValueError("not a ClientHello")
    p = 4
    version = struct.unpack("!H", body[p:p + 2])[0]
    p += 2 + 32
    p += 1 + body[p]  # session id
    n = struct.unpack("!H", body[p:p + 2])[0]
    suites = [struct.unpack("!H", body[p + 2 + i:p + 4 + i])[0] for i in range(0, n, 2)]
    return version, suites


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cert")
    ap.add_argument("suites")
    ap.add_argument("--server-order", action="store_true")
    args = ap.parse_args()
    cert = pem_to_der(args.cert)
    configured = parse_codes(args.suites, 2)

    def handler(conn):
        first = read_first_message(conn)
        if first[0] != "tls" or first[1] != 22:
            return  # an SSL 3.0-only server does not understand SSL 2.0
        version, offered = parse_client_hello(first[2])
        if version < 0x0300:
            return
        if args.server_order:
            common = [s for s in configured if s in offered]
        else:
            common = [s for s in offered if s in configured]
        if not common:
            conn.sendall(record(21, b"\x02\x28"))  # fatal handshake_failure
            linger_until_closed(conn)
            return
        # RFC 5746 Sec. 3.6: answer the SCSV with renegotiation_info.
        exts = b""
        if RENEGOTIATION_SCSV in offered:
            exts = struct.pack("!H", 5) + b"\xff\x01\x00\x01\x00"
        hello = (SSL3 + os.urandom(32) + b"\x20" + os.urandom(32) +
                 struct.pack("!HB", common[0], 0) + exts)
        certs = len(cert).to_bytes(3, "big") + cert
        flight = (handshake(2, hello) + handshake(11, len(certs).to_bytes(3, "big") + certs) +
                  handshake(14, b""))
        conn.sendall(record(22, flight))
        linger_until_closed(conn)

    serve(handler)


if __name__ == "__main__":
    main()
