#!/usr/bin/python3
"""A scripted UDP relay (not a DTLS server) in front of a real DTLS server
(gnutls-serv --udp) that loses the first copy of the server's first flight:
every datagram from the first one holding a plaintext ServerHello up to,
not including, the next one holding a ServerHello (the flight's
retransmission, RFC 6347 Sec. 4.2.4) is dropped. Everything else passes
through untouched. No Debian package loses datagrams on cue, hence this
script; it keeps a packet filter out of the tests.

Usage: dtls_loss_relay.py UPSTREAM_PORT   (upstream on 127.0.0.1)
prints "ready PORT"; at exit, "dropped N" on stderr."""

import os
import select
import signal
import socket
import sys

CONTENT_HANDSHAKE = 22
HS_SERVER_HELLO = 2
RECORD_HEADER = 13


def holds_server_hello(datagram):
    """Whether an epoch-0 handshake record of the datagram starts a
    ServerHello fragment (records follow one another, RFC 6347 Sec. 4.1)."""
    at = 0
    while at + RECORD_HEADER <= len(datagram):
        ctype = datagram[at]
        epoch = int.from_bytes(datagram[at + 3:at + 5], "big")
        length = int.from_bytes(datagram[at + 11:at + 13], "big")
        body = datagram[at + RECORD_HEADER:at + RECORD_HEADER + length]
        if ctype == CONTENT_HANDSHAKE and epoch == 0 and body[:1] == bytes([HS_SERVER_HELLO]):
            return True
        at += RECORD_HEADER + length
    return False


def main():
    upstream = ("127.0.0.1", int(sys.argv[1]))
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", 0))
    dropped = 0
    state = "before"  # before the first flight, dropping it, then passing all

    def finish(*_):
        sys.stderr.write(f"dropped {dropped}\n")
        sys.stderr.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    print(f"ready {front.getsockname()[1]}", flush=True)
    # One upstream socket per client address, so the server sees each
    # client as its own peer.
    by_client, by_sock = {}, {}
    while True:
        ready, _, _ = select.select([front] + list(by_sock), [], [])
        for s in ready:
            if s is front:
                data, client = front.recvfrom(65535)
                up = by_client.get(client)
                if up is None:
                    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    up.bind(("127.0.0.1", 0))
                    up.connect(upstream)
                    by_client[client], by_sock[up] = up, client
                up.send(data)
                continue
            try:
                data = s.recv(65535)
            except ConnectionRefusedError:
                continue
            sh = holds_server_hello(data)
            if state == "before" and sh:
                state = "dropping"
            elif state == "dropping" and sh:
                state = "passing"
            if state == "dropping":
                dropped += 1
                continue
            front.sendto(data, by_sock[s])


if __name__ == "__main__":
    main()
