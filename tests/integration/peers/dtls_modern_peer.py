#!/usr/bin/python3
"""A scripted DTLS test peer (not a DTLS server) that answers what no
Debian package can: DTLS 1.3 (RFC 9147) and the Connection ID extension
(RFC 9146). Debian 12's DTLS stacks (GnuTLS 3.7, OpenSSL 3.0, wolfSSL 5.5
and mbedTLS 2.28 as built there) speak neither, so without this peer only
the "no" answers of `--dtls --enum` could be tested.

It plays an RFC 7925 device: DTLS 1.2 with the one suite
TLS_PSK_WITH_AES_128_CCM_8, and DTLS 1.3 with the TLS 1.3 suites and
groups it is told. It answers each ClientHello with one message (no
handshake is ever completed, so the report's GnuTLS handshake fails; the
enumeration reads first flights only):

  - supported_versions holds DTLS 1.3 (0xFEFC): the first of its DTLS 1.3
    suites (its own preference order) that the client offers; then the
    first of its groups that has a share in the client's key_share: a
    DTLS 1.3 ServerHello (legacy_version 0xFEFD, supported_versions
    0xFEFC, a key_share of random bytes in that group); else the first of
    its groups in the client's supported_groups: a HelloRetryRequest
    (RFC 8446 Sec. 4.1.3: the ServerHello with the HRR random, its
    key_share naming that group); no suite or no group shared: as below
    when supported_versions holds DTLS 1.2 too, else a fatal
    handshake_failure alert;
  - else a DTLS 1.2 ClientHello offering TLS_PSK_WITH_AES_128_CCM_8: a
    DTLS 1.2 ServerHello choosing it, echoing a connection_id (its own CID
    of 4 bytes) when the client offered one;
  - else a fatal alert: protocol_version for a DTLS 1.0 hello,
    handshake_failure otherwise.

Usage: dtls_modern_peer.py [--tls13-suites 0x1301,0x1305]
[--groups x25519,secp256r1]; both lists in preference order, defaulting
to 0x1301,0x1302,0x1303,0x1304,0x1305 and x25519,secp256r1. Prints
"ready PORT"; at SIGTERM prints "datagrams N" to stderr."""

import argparse
import hashlib
import os
import struct

from dtls_records import handshake, record, serve_udp

DTLS10, DTLS12, DTLS13 = 0xFEFF, 0xFEFD, 0xFEFC
PSK_CCM8 = 0xC0A8
EXT_SUPPORTED_GROUPS, EXT_SUPPORTED_VERSIONS, EXT_KEY_SHARE, EXT_CONNECTION_ID = 10, 43, 51, 54
HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()  # RFC 8446 Sec. 4.1.3
# name: (code, size of a server share: RFC 8446 Sec. 4.2.8.2, RFC 7748)
GROUPS = {"secp256r1": (0x0017, 65), "secp384r1": (0x0018, 97), "secp521r1": (0x0019, 133),
          "x25519": (0x001D, 32), "x448": (0x001E, 56), "ffdhe2048": (0x0100, 256),
          "ffdhe3072": (0x0101, 384)}
SHARE_BYTES = dict(GROUPS.values())
ALERT_HANDSHAKE_FAILURE, ALERT_PROTOCOL_VERSION = 40, 70


def ext(ext_type, data):
    return struct.pack("!HH", ext_type, len(data)) + data


class Reader:
    """Just enough of a bounds-checked reader for a ClientHello."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("short")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack("!H", self.take(2))[0]

    def vec8(self):
        return self.take(self.u8())

    def vec16(self):
        return self.take(self.u16())


def parse_client_hello(datagram):
    """(client_version, message_seq, session_id, suites, {ext type: data})
    of an unfragmented ClientHello, or None."""
    r = Reader(datagram)
    if r.u8() != 22:
        return None
    r.take(10)  # version, epoch, sequence number
    rec = Reader(r.vec16())
    if rec.u8() != 1:
        return None
    length = int.from_bytes(rec.take(3), "big")
    message_seq = rec.u16()
    offset = int.from_bytes(rec.take(3), "big")
    frag_len = int.from_bytes(rec.take(3), "big")
    if offset != 0 or frag_len != length:
        return None
    ch = Reader(rec.take(length))
    client_version = ch.u16()
    ch.take(32)
    session_id = ch.vec8()
    ch.vec8()  # cookie
    raw = ch.vec16()
    suites = [struct.unpack("!H", raw[i:i + 2])[0] for i in range(0, len(raw) - 1, 2)]
    ch.vec8()  # compression methods
    exts = {}
    if ch.pos < len(ch.data):
        block = Reader(ch.vec16())
        while block.pos < len(block.data):
            t = block.u16()
            exts[t] = block.vec16()
    return client_version, message_seq, session_id, suites, exts


def offered_versions(exts):
    data = exts.get(EXT_SUPPORTED_VERSIONS)
    if not data:
        return []
    r = Reader(data)
    body = r.vec8()
    return [struct.unpack("!H", body[i:i + 2])[0] for i in range(0, len(body) - 1, 2)]


def u16_list(data):
    return [struct.unpack("!H", data[i:i + 2])[0] for i in range(0, len(data) - 1, 2)]


def offered_groups(exts):
    data = exts.get(EXT_SUPPORTED_GROUPS)
    return u16_list(Reader(data).vec16()) if data else []


def key_share_groups(exts):
    """The groups of the client's KeyShareEntries (RFC 8446 Sec. 4.2.8)."""
    data = exts.get(EXT_KEY_SHARE)
    if not data:
        return []
    r = Reader(Reader(data).vec16())
    groups = []
    while r.pos < len(r.data):
        groups.append(r.u16())
        r.vec16()
    return groups


def server_hello(message_seq, session_id, suite, extensions, random=None):
    body = struct.pack("!H", DTLS12) + (random or os.urandom(32)) + bytes([len(session_id)]) + session_id + \
        struct.pack("!HB", suite, 0) + struct.pack("!H", len(extensions)) + extensions
    return handshake(2, message_seq, body)


def alert(description):
    return struct.pack("!BB", 2, description)


def dtls13_reply(message_seq, session_id, suites, exts, config):
    """A ServerHello, a HelloRetryRequest, or None (nothing shared)."""
    suite = next((s for s in config.tls13_suites if s in suites), None)
    shares, offered = key_share_groups(exts), offered_groups(exts)
    with_share = next((g for g in config.groups if g in shares), None)
    wanted = next((g for g in config.groups if g in offered), None)
    if suite is None or (with_share is None and wanted is None):
        return None
    versions = ext(EXT_SUPPORTED_VERSIONS, struct.pack("!H", DTLS13))
    if with_share is not None:
        share = os.urandom(SHARE_BYTES.get(with_share, 32))
        extensions = versions + ext(EXT_KEY_SHARE, struct.pack("!HH", with_share, len(share)) +
                                    share)
        return server_hello(message_seq, session_id, suite, extensions)
    extensions = versions + ext(EXT_KEY_SHARE, struct.pack("!H", wanted))
    return server_hello(message_seq, session_id, suite, extensions, random=HRR_RANDOM)


def reply(datagram, seq, config):
    try:
        parsed = parse_client_hello(datagram)
        if parsed is None:
            return None
        client_version, message_seq, session_id, suites, exts = parsed
        versions = offered_versions(exts)
        if DTLS13 in versions:
            hello = dtls13_reply(message_seq, session_id, suites, exts, config)
            if hello is not None:
                return record(22, seq, hello)
            if DTLS12 not in versions:
                return record(21, seq, alert(ALERT_HANDSHAKE_FAILURE))
    except ValueError:
        return None
    if client_version == DTLS12 and PSK_CCM8 in suites:
        extensions = b""
        if EXT_CONNECTION_ID in exts:
            extensions += ext(EXT_CONNECTION_ID, bytes([4]) + os.urandom(4))
        return record(22, seq, server_hello(message_seq, session_id, PSK_CCM8, extensions))
    why = ALERT_PROTOCOL_VERSION if client_version == DTLS10 else ALERT_HANDSHAKE_FAILURE
    return record(21, seq, alert(why), version=client_version if client_version else DTLS12)


def parse_args():
    ap = argparse.ArgumentParser(description="scripted DTLS 1.3 / Connection ID peer")
    ap.add_argument("--tls13-suites", default="0x1301,0x1302,0x1303,0x1304,0x1305",
                    help="DTLS 1.3 suites, preferred first")
    ap.add_argument("--groups", default="x25519,secp256r1", help="groups, preferred first")
    config = ap.parse_args()
    config.tls13_suites = [int(c, 16) for c in config.tls13_suites.split(",") if c]
    config.groups = [GROUPS[g][0] for g in config.groups.split(",") if g]
    return config


def main():
    config = parse_args()
    serve_udp(lambda datagram, seq: reply(datagram, seq, config))


if __name__ == "__main__":
    main()
