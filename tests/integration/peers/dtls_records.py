"""Shared bits of the scripted DTLS peers in this directory
(dtls_bad_peer.py, dtls_modern_peer.py): DTLS records and handshake
headers, and the loopback UDP loop that answers datagram by datagram.
These peers are scripted answers, not DTLS servers; see each one's
docstring for why no Debian package can play its part."""

import signal
import socket
import struct
import sys


def record(content_type, seq, body, version=0xFEFD, epoch=0):
    """DTLSPlaintext (RFC 6347 Sec. 4.1): type, version, epoch, 48-bit
    sequence number, length."""
    return struct.pack("!BHHHIH", content_type, version, epoch, seq >> 32, seq & 0xFFFFFFFF,
                       len(body)) + body


def handshake(msg_type, message_seq, body):
    """Handshake header (RFC 6347 Sec. 4.2.2), one unfragmented message."""
    n = len(body)
    return struct.pack("!B", msg_type) + n.to_bytes(3, "big") + struct.pack("!H", message_seq) + \
        (0).to_bytes(3, "big") + n.to_bytes(3, "big") + body


def serve_udp(answer):
    """Bind 127.0.0.1 on an ephemeral port, print "ready PORT", and send
    answer(datagram, seq) (None: nothing) back to each datagram's sender,
    seq counting the datagrams answered so far. At SIGTERM prints
    "datagrams N" (how many were received) to stderr and exits."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    count = 0

    def stop(signum, frame):
        print(f"datagrams {count}", file=sys.stderr, flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"ready {sock.getsockname()[1]}", flush=True)
    seq = 0
    while True:
        datagram, addr = sock.recvfrom(65535)
        count += 1
        out = answer(datagram, seq)
        seq += 1
        if out is not None:
            sock.sendto(out, addr)
