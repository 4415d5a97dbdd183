#!/usr/bin/python3
"""A scripted DTLS test peer (not a DTLS server) for --dtls: a UDP socket
on 127.0.0.1 that answers every datagram the way BEHAVIOUR says. No Debian
package misbehaves on purpose, hence this script.

  silent       reads every datagram, answers none
  garbage      answers each datagram with 64 bytes that are not DTLS
  empty        answers each datagram with an empty datagram
  hvr-flood    answers every ClientHello with a HelloVerifyRequest carrying
               a fresh cookie (RFC 6347 Sec. 4.2.1), so the cookie it asked
               for is never accepted
  wrong-epoch  answers with a well-formed handshake record of epoch 5,
               which no handshake in its first flight can have

It counts what it received and prints "datagrams N" to stderr at exit.
Usage: dtls_bad_peer.py BEHAVIOUR; prints "ready PORT"."""

import os
import struct
import sys

from dtls_records import handshake, record, serve_udp

BEHAVIOURS = ("silent", "garbage", "empty", "hvr-flood", "wrong-epoch")


def client_message_seq(datagram):
    """message_seq of the first handshake fragment, 0 when unreadable."""
    if len(datagram) >= 13 + 6 and datagram[0] == 22:
        return struct.unpack("!H", datagram[13 + 4:13 + 6])[0]
    return 0


def reply(behaviour, datagram, seq):
    if behaviour == "garbage":
        return bytes((i * 37 + 11) & 0xFF for i in range(64))
    if behaviour == "empty":
        return b""
    if behaviour == "hvr-flood":
        cookie = os.urandom(16)
        body = struct.pack("!HB", 0xFEFF, len(cookie)) + cookie
        return record(22, seq, handshake(3, client_message_seq(datagram), body), version=0xFEFF)
    if behaviour == "wrong-epoch":
        return record(22, seq, handshake(2, 0, bytes(38)), epoch=5)
    return None


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in BEHAVIOURS:
        sys.exit(f"usage: dtls_bad_peer.py {{{','.join(BEHAVIOURS)}}}")
    behaviour = sys.argv[1]
    serve_udp(lambda datagram, seq: reply(behaviour, datagram, seq))


if __name__ == "__main__":
    main()
