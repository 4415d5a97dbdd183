#!/usr/bin/env python3
"""Write the seed corpus for fuzz_pcap: tiny, deterministic capture files
(pcap with several link types, and pcapng) holding a TCP stream with a
TLS-looking ClientHello/ServerHello exchange, out-of-order and retransmitted
segments, IPv6, VLAN tags and fragments. Usage: make_pcap_corpus.py DIR"""
import os
import struct
import sys


def csum_free_ipv4(payload, proto=6, frag=0, src=b"\x7f\0\0\x01", dst=b"\x7f\0\0\x02"):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, 64, proto, 0,
                       src, dst) + payload


def ipv6(payload, nh=6, src=b"\0" * 15 + b"\1", dst=b"\0" * 15 + b"\2"):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b""):
    off = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0, 0) + opts + data


def eth(payload, ethertype=0x0800, vlans=()):
    hdr = b"\x02\0\0\0\0\1\x02\0\0\0\0\2"
    for v in vlans:
        hdr += struct.pack("!HH", 0x8100, v)
    return hdr + struct.pack("!H", ethertype) + payload


def sll2(payload, proto=0x86DD):
    return struct.pack("!HHIHBB8s", proto, 0, 1, 772, 0, 6, b"\0" * 8) + payload


SYN, ACK, PSH, FIN, RST = 2, 16, 8, 1, 4
MSS_TS = b"\x02\x04\x05\xb4\x01\x01\x08\x0a" + struct.pack("!II", 1, 0)
CH = b"\x16\x03\x01\x00\x2e\x01\x00\x00\x2a\x03\x03" + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00"
SH = b"\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03" + bytes(32) + b"\x00\x13\x01\x00"


def conversation():
    """(sent by the client?, TCP segment) in capture order."""
    c, s = 40000, 443
    cs, ss = 1000, 5000
    return [
        (True, tcp(c, s, cs, 0, SYN, opts=MSS_TS)),
        (False, tcp(s, c, ss, cs + 1, SYN | ACK, opts=MSS_TS)),
        (True, tcp(c, s, cs + 1, ss + 1, ACK)),
        (True, tcp(c, s, cs + 1 + 20, ss + 1, PSH | ACK, CH[20:])),  # out of order
        (True, tcp(c, s, cs + 1, ss + 1, ACK, CH[:20])),
        (True, tcp(c, s, cs + 1, ss + 1, ACK, CH[:30])),  # retransmitted overlap
        (False, tcp(s, c, ss + 1, cs + 1 + len(CH), PSH | ACK, SH)),
        (True, tcp(c, s, cs + 1 + len(CH), ss + 1 + len(SH), FIN | ACK)),
        (False, tcp(s, c, ss + 1 + len(SH), cs + 2 + len(CH), FIN | ACK)),
    ]


A4, B4 = b"\x7f\0\0\x01", b"\x7f\0\0\x02"
A6, B6 = b"\0" * 15 + b"\1", b"\0" * 15 + b"\2"


def v4(conv, frags=None):
    return [csum_free_ipv4(p, frag=(frags[i] if frags else 0), src=A4 if c else B4,
                           dst=B4 if c else A4) for i, (c, p) in enumerate(conv)]


def v6(conv):
    return [ipv6(p, src=A6 if c else B6, dst=B6 if c else A6) for c, p in conv]


def pcap(linktype, packets, nano=True, snaplen=65535):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, p in enumerate(packets):
        cap = p[:snaplen]
        out += struct.pack("<IIII", 1700000000, i * 1000, len(cap), len(p)) + cap
    return out


def pcapng(linktype, packets):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    # if_tsresol = 9 (nanoseconds), then opt_endofopt
    out += block(1, struct.pack("<HHI", linktype, 0, 65535) + struct.pack("<HHB3x", 9, 1, 9)
                 + struct.pack("<HH", 0, 0))
    for i, p in enumerate(packets):
        ts = 1700000000 * 10**9 + i * 1000
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(p), len(p)) + p)
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "pcap")
    os.makedirs(d, exist_ok=True)
    seeds = {
        "eth-ipv4.pcap": pcap(1, [eth(p) for p in v4(conversation())]),
        "vlan2-ipv4-usec.pcap": pcap(1, [eth(p, vlans=(10, 20)) for p in v4(conversation())],
                                     nano=False),
        "sll2-ipv6.pcap": pcap(276, [sll2(p) for p in v6(conversation())]),
        "raw-ipv4-snaplen.pcap": pcap(101, v4(conversation()), snaplen=60),
        "null-ipv4-frag.pcap": pcap(0, [struct.pack("<I", 2) + p for p in
                                        v4(conversation(), [0, 0, 0x2000, 0x0003, 0, 0, 0, 0, 0])]),
        "eth-ipv6.pcapng": pcapng(1, [eth(p, 0x86DD) for p in v6(conversation())]),
        "rst.pcap": pcap(1, [eth(csum_free_ipv4(tcp(1, 2, 7, 0, SYN))),
                             eth(csum_free_ipv4(tcp(1, 2, 8, 0, ACK, b"abc"))),
                             eth(csum_free_ipv4(tcp(2, 1, 0, 0, RST), src=B4, dst=A4))]),
    }
    for name, data in seeds.items():
        assert len(data) < 8192, name
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
