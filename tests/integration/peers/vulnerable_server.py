#!/usr/bin/python3
"""A scripted VULNERABLE test peer (not a TLS server): it plays a TLS 1.2
server with static RSA key transport up to ServerHelloDone and then
misbehaves the way one historic bug did, so that tlsprobe --vulns has a
positive to find. No Debian package ships these bugs any more.

Modes:
  heartbleed  answers a heartbeat_request with payload_length bytes of
              "memory" whatever it carried (CVE-2014-0160);
  ccs         accepts an early ChangeCipherSpec silently and then fails the
              next record with bad_record_mac (CVE-2014-0224);
  robot       decrypts the ClientKeyExchange with its RSA key and answers
              bad_record_mac when the PKCS#1 v1.5 padding is right, and
              handshake_failure when it is not: a Bleichenbacher oracle;
  robot-fixed the same decryption, and bad_record_mac whatever the padding
              (a fixed server: the negative control);
  robot-slow, robot-slow-fixed
              the same two, each answer sent SLOW_S late: a slow server's
              answers must not be read as silences (an oracle hidden, or
              one made up).
Anything else the client sends gets unexpected_message(10) and a close.

The RSA key numbers come from `openssl rsa -text` (Python's standard
library has no RSA); decryption is pow(c, d, n). Usage:
  vulnerable_server.py MODE CERT_PEM KEY_PEM
prints "ready PORT"."""

import os
import re
import struct
import subprocess
import sys
import time

from tls_records import pem_to_der, read_first_message, recv_exact, serve

TLS12 = 0x0303
RSA_SUITES = (0x009C, 0x002F, 0x0035, 0x003C, 0x009D)
HEARTBEAT_EXT = 15
SLOW_S = 0.6  # past tlsprobe's quick silence (300 ms), within its patient wait (>= 1 s)


def record(content_type, body, version=TLS12):
    return struct.pack("!BHH", content_type, version, len(body)) + body


def alert(description):
    return record(21, bytes([2, description]))


def handshake(msg_type, body):
    return struct.pack("!B", msg_type) + len(body).to_bytes(3, "big") + body


def parse_client_hello(body):
    """([suites], {extension type: data})."""
    p = 4 + 2 + 32
    p += 1 + body[p]
    n = struct.unpack("!H", body[p:p + 2])[0]
    suites = [struct.unpack("!H", body[i:i + 2])[0] for i in range(p + 2, p + 2 + n, 2)]
    p += 2 + n
    p += 1 + body[p]
    exts = {}
    if p + 2 <= len(body):
        end = p + 2 + struct.unpack("!H", body[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            etype, elen = struct.unpack("!HH", body[p:p + 4])
            exts[etype] = body[p + 4:p + 4 + elen]
            p += 4 + elen
    return suites, exts


def rsa_numbers(key_path):
    """(n, d) of an RSA private key, from `openssl rsa -text`."""
    text = subprocess.run(["openssl", "rsa", "-in", key_path, "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout

    def number(label):
        m = re.search(label + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
        return int(re.sub(r"[\s:]", "", m.group(1)), 16)
    return number("modulus"), number("privateExponent")


def read_record(conn):
    head = recv_exact(conn, 5)
    length = struct.unpack("!H", head[3:5])[0]
    return head[0], recv_exact(conn, length)


def pkcs1_conformant(m, k):
    """RFC 8017 Sec. 7.2.2 step 3 without the length check of the message:
    00 02, at least eight nonzero bytes, a 00 separator."""
    block = m.to_bytes(k, "big")
    if block[0:2] != b"\x00\x02":
        return False
    sep = block.find(b"\x00", 2)
    return sep >= 10


def main():
    mode, cert_path, key_path = sys.argv[1:4]
    cert = pem_to_der(cert_path)
    n, d = rsa_numbers(key_path)
    k = (n.bit_length() + 7) // 8

    def handler(conn):
        first = read_first_message(conn)
        if first[0] != "tls" or first[1] != 22:
            return
        offered, exts = parse_client_hello(first[2])
        pick = next((s for s in RSA_SUITES if s in offered), None)
        if pick is None:
            conn.sendall(alert(40))
            return
        ext = struct.pack("!HH", 0xFF01, 1) + b"\x00"  # RFC 5746 Sec. 3.6
        if HEARTBEAT_EXT in exts:
            ext += struct.pack("!HHB", HEARTBEAT_EXT, 1, 1)
        hello = (struct.pack("!H", TLS12) + os.urandom(32) + b"\x20" + os.urandom(32) +
                 struct.pack("!HB", pick, 0) + struct.pack("!H", len(ext)) + ext)
        certs = len(cert).to_bytes(3, "big") + cert
        flight = (handshake(2, hello) + handshake(11, len(certs).to_bytes(3, "big") + certs) +
                  handshake(14, b""))
        conn.sendall(record(22, flight))
        after_ccs = False
        while True:
            ctype, body = read_record(conn)
            if mode == "heartbleed" and ctype == 24 and body[0] == 1:
                claimed = struct.unpack("!H", body[1:3])[0]
                memory = bytes((i * 7) & 0xFF for i in range(claimed))
                conn.sendall(record(24, b"\x02" + body[1:3] + memory + os.urandom(16)))
                continue
            if mode == "ccs" and ctype == 20 and not after_ccs:
                after_ccs = True
                continue
            if mode == "ccs" and after_ccs:
                conn.sendall(alert(20))
                return
            if mode.startswith("robot") and ctype == 22 and body[0] == 16:
                c = int.from_bytes(body[6:6 + k], "big")
                good = pkcs1_conformant(pow(c, d, n), k)
                # Wait for the ChangeCipherSpec and Finished the probe may send.
                conn.settimeout(0.3)
                try:
                    read_record(conn)
                    read_record(conn)
                except (OSError, ConnectionError):
                    pass
                if mode.startswith("robot-slow"):
                    time.sleep(SLOW_S)
                conn.sendall(alert(20 if good or mode.endswith("-fixed") else 40))
                return
            conn.sendall(alert(10))
            return

    serve(handler)


if __name__ == "__main__":
    main()
