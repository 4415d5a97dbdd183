#!/usr/bin/python3
"""A scripted test peer (not a TLS server) that emulates a TLS 1.2 server with
a "poisoned" suite: one it selects but cannot complete, as Dovecot does for
DHE suites when it has no ssl_dh. It picks the first suite of its own
preference list (SUITES, in order) that the client offers; when that pick is
one of POISONED it kills the connection (--death close: a close without an
alert, like Dovecot; --death internal_error: a fatal internal_error(80)
alert), whatever else the offer held. Otherwise it answers ServerHello,
Certificate, a ServerKeyExchange for ECDHE suites (x25519 or secp256r1, a
dummy RSA signature) and ServerHelloDone, and then waits for the client to
go away: it never completes a handshake.

An offer with no suite of SUITES gets a handshake_failure(40) alert, or
with --refuse close, a close without an alert (Dovecot refuses so). Hellos
below TLS 1.2 get protocol_version(70) (RFC 5246 App. E.1); SSL 2.0 hellos a
close. A TLS 1.3-only hello (supported_versions) is read as TLS 1.2 by this
TLS 1.2 server, as RFC 8446 Sec. 4.2.1 says an older server does.

Only RSA key transport and ECDHE_RSA suites may be non-poisoned (no DHE
ServerKeyExchange is written). Usage:
  poisoned_server.py CERT_PEM SUITES POISONED [--death close|internal_error]
                     [--refuse alert|close]
prints "ready PORT"."""

import argparse
import os
import struct

from tls_records import linger_until_closed, parse_codes, pem_to_der, read_first_message, serve

TLS12 = 0x0303
ECDHE_RSA = {0xC013, 0xC014, 0xC027, 0xC028, 0xC02F, 0xC030, 0xCCA8}
# RFC 8422 Sec. 5.1.1 / RFC 7748: groups this peer can "share" (random points).
GROUP_SHARE_LEN = {0x001D: 32, 0x0017: 65}
SIGALGS = (0x0401, 0x0804)  # rsa_pkcs1_sha256, rsa_pss_rsae_sha256
RENEGOTIATION_SCSV = 0x00FF


def record(content_type, body):
    return struct.pack("!BHH", content_type, TLS12, len(body)) + body


def alert(description):
    return record(21, bytes([2, description]))


def handshake(msg_type, body):
    return struct.pack("!B", msg_type) + len(body).to_bytes(3, "big") + body


def u16_list(data):
    return [struct.unpack("!H", data[i:i + 2])[0] for i in range(0, len(data) - 1, 2)]


def parse_client_hello(body):
    """(legacy_version, [suites], {extension type: data})."""
    if body[0] != 1:
        raise ValueError("not a ClientHello")
    p = 4
    version = struct.unpack("!H", body[p:p + 2])[0]
    p += 2 + 32
    p += 1 + body[p]  # session id
    n = struct.unpack("!H", body[p:p + 2])[0]
    suites = u16_list(body[p + 2:p + 2 + n])
    p += 2 + n
    p += 1 + body[p]  # compression methods
    exts = {}
    if p + 2 <= len(body):
        end = p + 2 + struct.unpack("!H", body[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            etype, elen = struct.unpack("!HH", body[p:p + 4])
            exts[etype] = body[p + 4:p + 4 + elen]
            p += 4 + elen
    return version, suites, exts


def ecdhe_params(exts):
    """(group, sigalg) this peer can use with the client's offer, or None."""
    groups = u16_list(exts.get(10, b"")[2:])
    sigalgs = u16_list(exts.get(13, b"")[2:])
    group = next((g for g in groups if g in GROUP_SHARE_LEN), None)
    sigalg = next((s for s in sigalgs if s in SIGALGS), None)
    if group is None or sigalg is None:
        return None
    return group, sigalg


def server_key_exchange(group, sigalg):
    """RFC 8422 Sec. 5.4: ServerECDHParams and a (dummy) digitally-signed."""
    share = os.urandom(GROUP_SHARE_LEN[group])
    if group == 0x0017:
        share = b"\x04" + share[1:]
    params = struct.pack("!BHB", 3, group, len(share)) + share
    signature = os.urandom(256)
    return params + struct.pack("!HH", sigalg, len(signature)) + signature


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cert")
    ap.add_argument("suites")
    ap.add_argument("poisoned")
    ap.add_argument("--death", choices=("close", "internal_error"), default="close")
    ap.add_argument("--refuse", choices=("alert", "close"), default="alert")
    args = ap.parse_args()
    cert = pem_to_der(args.cert)
    preference = parse_codes(args.suites, 2)
    poisoned = set(parse_codes(args.poisoned, 2))

    def refuse(conn, description):
        if args.refuse == "alert":
            conn.sendall(alert(description))
            linger_until_closed(conn)

    def handler(conn):
        first = read_first_message(conn)
        if first[0] != "tls" or first[1] != 22:
            return
        version, offered, exts = parse_client_hello(first[2])
        if version < TLS12:
            refuse(conn, 70)  # protocol_version
            return
        params = ecdhe_params(exts)
        usable = [s for s in preference if s in offered and (s not in ECDHE_RSA or params)]
        if not usable:
            refuse(conn, 40)  # handshake_failure
            return
        pick = usable[0]
        if pick in poisoned:
            if args.death == "internal_error":
                conn.sendall(alert(80))
                linger_until_closed(conn)
            return  # close without an alert
        ext = b""
        if RENEGOTIATION_SCSV in offered or 0xFF01 in exts:
            ext = struct.pack("!HH", 0xFF01, 1) + b"\x00"  # RFC 5746 Sec. 3.6
        hello = (struct.pack("!H", TLS12) + os.urandom(32) + b"\x20" + os.urandom(32) +
                 struct.pack("!HB", pick, 0) + struct.pack("!H", len(ext)) + ext)
        certs = len(cert).to_bytes(3, "big") + cert
        flight = handshake(2, hello) + handshake(11, len(certs).to_bytes(3, "big") + certs)
        if pick in ECDHE_RSA:
            flight += handshake(12, server_key_exchange(*params))
        flight += handshake(14, b"")
        conn.sendall(record(22, flight))
        linger_until_closed(conn)

    serve(handler)


if __name__ == "__main__":
    main()
