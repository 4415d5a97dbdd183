#!/usr/bin/python3
"""A scripted TLS 1.3 post-quantum responder (not a TLS server): no Debian 12
package speaks ML-KEM (OpenSSL 3.0 and GnuTLS 3.7 have none, and there is
no oqs-provider package), so this plays a server that accepts hybrid
groups. It answers a ClientHello the way an OpenSSL 3.5 server configured
with GROUPS would (RFC 8446 Sec. 4.1.1, 4.2.8):

  - no TLS 1.3 in supported_versions: alert protocol_version;
  - the first of GROUPS (server order) in the client's supported_groups,
    none: alert handshake_failure;
  - a key share for that group: it must have the group's size, and the
    ML-KEM encapsulation key must pass FIPS 203's modulus check (else alert
    illegal_parameter); the answer is a ServerHello with a share of the
    group's real ciphertext size (1120 bytes for X25519MLKEM768) of random
    bytes (--share-bytes N: of N bytes instead, a broken server);
  - no share for it: a HelloRetryRequest naming it.
It never completes a handshake: after the ServerHello it closes.
--max-hello N plays a middlebox that cannot take a ClientHello over N bytes
on the wire: it closes such a connection without a byte (--silent: it
holds it without a byte, as a box that drops the second segment does).
Usage: pq_server.py GROUPS (e.g. 0x11EC,0x001D) [--max-hello N [--silent]]
[--share-bytes N]; prints "ready PORT"."""

import argparse
import os
import struct

from tls_records import linger_until_closed, parse_codes, read_first_message, serve

TLS12 = b"\x03\x03"
HRR_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")
SUITES13 = (0x1301, 0x1302, 0x1303)
Q = 3329
# Parts of each group's share in wire order, (client, server) bytes per part.
PART = {"x25519": (32, 32), "p256": (65, 65), "p384": (97, 97),
        "mlkem512": (800, 768), "mlkem768": (1184, 1088), "mlkem1024": (1568, 1568)}
LAYOUT = {0x001D: ["x25519"], 0x0017: ["p256"], 0x0018: ["p384"],
          0x0200: ["mlkem512"], 0x0201: ["mlkem768"], 0x0202: ["mlkem1024"],
          0x11EB: ["p256", "mlkem768"], 0x11EC: ["mlkem768", "x25519"],
          0x11ED: ["p384", "mlkem1024"], 0x6399: ["x25519", "mlkem768"]}


def record(content_type, body):
    return struct.pack("!B2sH", content_type, TLS12, len(body)) + body


def alert(description):
    return record(21, bytes([2, description]))


def ext(code, body):
    return struct.pack("!HH", code, len(body)) + body


def parse_client_hello(body):
    """(session_id, suites, {ext type: data}) of a ClientHello message."""
    if body[0] != 1:
        raise ValueError("not a ClientHello")
    p = 4 + 2 + 32
    sid = body[p + 1:p + 1 + body[p]]
    p += 1 + body[p]
    n = struct.unpack("!H", body[p:p + 2])[0]
    suites = [struct.unpack("!H", body[p + 2 + i:p + 4 + i])[0] for i in range(0, n, 2)]
    p += 2 + n
    p += 1 + body[p]
    exts = {}
    end = p + 2 + struct.unpack("!H", body[p:p + 2])[0]
    p += 2
    while p < end:
        t, n = struct.unpack("!HH", body[p:p + 4])
        exts[t] = body[p + 4:p + 4 + n]
        p += 4 + n
    return sid, suites, exts


def u16_list(data):
    return [struct.unpack("!H", data[i:i + 2])[0] for i in range(0, len(data), 2)]


def key_shares(data):
    """{group: key_exchange} of a ClientHello key_share."""
    shares, p = {}, 2
    while p < len(data):
        g, n = struct.unpack("!HH", data[p:p + 4])
        shares[g] = data[p + 4:p + 4 + n]
        p += 4 + n
    return shares


def mlkem_ek_ok(ek):
    """FIPS 203 Sec. 7.2 modulus check: every 12-bit coefficient < q."""
    for i in range(0, len(ek) - 32, 3):
        a = ek[i] | (ek[i + 1] & 0x0F) << 8
        b = ek[i + 1] >> 4 | ek[i + 2] << 4
        if a >= Q or b >= Q:
            return False
    return True


def share_ok(group, share):
    parts = LAYOUT.get(group)
    if parts is None or len(share) != sum(PART[p][0] for p in parts):
        return False
    p = 0
    for part in parts:
        n = PART[part][0]
        piece = share[p:p + n]
        if part.startswith("mlkem") and not mlkem_ek_ok(piece):
            return False
        if part in ("p256", "p384") and piece[0] != 4:
            return False
        p += n
    return True


def server_hello(random, sid, suite, key_share_ext):
    body = (TLS12 + random + bytes([len(sid)]) + sid + struct.pack("!HB", suite, 0) )
    exts = ext(43, b"\x03\x04") + ext(51, key_share_ext)
    body += struct.pack("!H", len(exts)) + exts
    return record(22, b"\x02" + len(body).to_bytes(3, "big") + body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("groups")
    ap.add_argument("--max-hello", type=int, default=0)
    ap.add_argument("--silent", action="store_true")
    ap.add_argument("--share-bytes", type=int, default=0)
    args = ap.parse_args()
    configured = parse_codes(args.groups, 2)

    def handler(conn):
        first = read_first_message(conn)
        if first[0] != "tls" or first[1] != 22:
            return
        body = first[2]
        # A hello longer than one record (2^14) is not sent by tlsprobe.
        if args.max_hello and len(body) + 5 > args.max_hello:
            if args.silent:
                linger_until_closed(conn, timeout=30.0)
            return  # the middlebox: close without a byte
        sid, suites, exts = parse_client_hello(body)
        if 0x0304 not in u16_list(exts.get(43, b"\x00")[1:]):
            conn.sendall(alert(70))
            linger_until_closed(conn)
            return
        suite = next((s for s in suites if s in SUITES13), None)
        offered = u16_list(exts.get(10, b"\x00\x00")[2:])
        group = next((g for g in configured if g in offered), None)
        if suite is None or group is None:
            conn.sendall(alert(40))
            linger_until_closed(conn)
            return
        shares = key_shares(exts.get(51, b"\x00\x00"))
        if group not in shares:
            conn.sendall(server_hello(HRR_RANDOM, sid, suite, struct.pack("!H", group)))
            linger_until_closed(conn)
            return
        if not share_ok(group, shares[group]):
            conn.sendall(alert(47))
            linger_until_closed(conn)
            return
        size = args.share_bytes or sum(PART[p][1] for p in LAYOUT[group])
        share = struct.pack("!HH", group, size) + os.urandom(size)
        conn.sendall(server_hello(os.urandom(32), sid, suite, share))

    serve(handler)


main()
