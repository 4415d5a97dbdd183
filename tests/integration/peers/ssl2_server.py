#!/usr/bin/python3
"""A scripted SSL 2.0 responder (not an SSL server): answers a CLIENT-HELLO
the way an SSL 2.0 server would (draft-hickman-netscape-ssl-00, "Server Only
Protocol Messages"): SERVER-HELLO with its certificate and the configured
cipher kinds the client also offered, or ERROR NO-CIPHER when there are none;
it closes on anything that is not an SSL 2.0 CLIENT-HELLO (a TLS ClientHello)
and never completes a handshake.

Usage: ssl2_server.py CERT_PEM KINDS (e.g. 0x010080,0x0700C0); prints
"ready PORT"."""

import argparse
import os
import struct

from tls_records import linger_until_closed, parse_codes, pem_to_der, read_first_message, serve


def ssl2_record(body):
    return struct.pack("!H", 0x8000 | len(body)) + body


def parse_client_hello(body):
    if body[0] != 1:
        raise ValueError("not a CLIENT-HELLO")
    _version, specs_len, sid_len, chal_len = struct.unpack("!HHHH", body[1:9])
    specs = body[9:9 + specs_len]
    return [int.from_bytes(specs[i:i + 3], "big") for i in range(0, specs_len, 3)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cert")
    ap.add_argument("kinds")
    args = ap.parse_args()
    cert = pem_to_der(args.cert)
    configured = parse_codes(args.kinds, 3)

    def handler(conn):
        first = read_first_message(conn)
        if first[0] != "ssl2":
            return
        offered = parse_client_hello(first[1])
        common = [k for k in configured if k in offered]
        if not common:
            conn.sendall(ssl2_record(b"\x00\x00\x01"))  # ERROR NO-CIPHER-ERROR
            linger_until_closed(conn)
            return
        specs = b"".join(k.to_bytes(3, "big") for k in common)
        conn_id = os.urandom(16)
        hello = (struct.pack("!BBBH", 4, 0, 1, 2) +
                 struct.pack("!HHH", len(cert), len(specs), len(conn_id)) + cert + specs + conn_id)
        conn.sendall(ssl2_record(hello))
        linger_until_closed(conn)

    serve(handler)


if __name__ == "__main__":
    main()
