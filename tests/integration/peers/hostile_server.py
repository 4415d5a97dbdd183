#!/usr/bin/python3
"""A scripted hostile responder (not a TLS server) for --enum: it reads the
client's first message and answers with a broken TLS record.

  truncated  a record header promising 100 bytes, 10 of them, then a close
  oversized  a record header with length 0xFFFF, above the 2^14 + 2048 any
             TLS record may have (RFC 8446 Sec. 5.2), then a little data

Usage: hostile_server.py BEHAVIOUR; prints "ready PORT"."""

import sys

from tls_records import linger_until_closed, read_first_message, serve

REPLIES = {
    "truncated": bytes.fromhex("1603030064") + bytes.fromhex("02000060") + bytes(6),
    "oversized": bytes.fromhex("160303ffff") + bytes.fromhex("02000060") + bytes(60),
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in REPLIES:
        sys.exit(f"usage: hostile_server.py {{{','.join(REPLIES)}}}")
    reply = REPLIES[sys.argv[1]]

    def handler(conn):
        read_first_message(conn)
        conn.sendall(reply)
        if sys.argv[1] == "oversized":
            linger_until_closed(conn)

    serve(handler)


if __name__ == "__main__":
    main()
