#!/usr/bin/env python3
"""Regenerate the fuzz seed corpus (tests/fuzz/corpus/<target>/) from the
golden captures in tests/unit/wire/data/: ClientHellos built by
src/wire/clienthello.c and the replies of openssl s_server and gnutls-serv
to them (see tests/unit/wire/data/README.md), plus the RFC 8448 Sec. 3
hellos and a few messages built here for the SSL 2.0 and TLS 1.3 layouts
no captured server sends. Usage: tests/fuzz/make_corpus.py (from anywhere).
"""
import os
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "unit" / "wire" / "data"
CORPUS = HERE / "corpus"

RFC8448_CH = bytes.fromhex(
    "0303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302"
    "010000910000000b0009000006736572766572ff01000100000a00140012001d001700180019010001010102"
    "01030104002300000033002600240001d0020" "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413"
    "691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402"
    "050206020202002d00020101001c00024001".replace("00240001d0020", "0024001d0020"))
RFC8448_SH = bytes.fromhex(
    "0303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e0033"
    "0024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304")

# RFC 8448 Sec. 4 "Resumed 0-RTT Handshake": the ClientHello message with
# its pre_shared_key (one ticket identity and its binder).
RFC8448_PSK_CH = (
    "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d9500000613011303"
    "1302010001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101"
    "0201030104003300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d66"
    "8f0b002a0000002b0003020304000d0020001e0403050306030203080408050806040105010601020104020502"
    "06020202002d00020101001c000240010015005700000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000002900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494"
    "dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143ef"
    "d3ff5dd36d64e861be7fd61d2827db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea705"
    "29513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a7"
    "9141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb0021203add4fb2d8fdf822a0ca3cf7678ef5"
    "e88dae990141c5924d57bb6fa31b9e5f9d")

# kx of the suites the captures negotiate: params bits of fuzz_ske's selector.
SKE_PARAMS = {0xc02f: 1, 0xc013: 1, 0x009e: 2, 0x0033: 2}


def records(buf):
    """(type, version, fragment) of each complete TLS record."""
    pos = 0
    while pos + 5 <= len(buf):
        ctype, version, length = struct.unpack(">BHH", buf[pos:pos + 5])
        if pos + 5 + length > len(buf):
            return
        yield ctype, version, buf[pos + 5:pos + 5 + length]
        pos += 5 + length


def messages(buf):
    """(type, body) of each whole handshake message in the records."""
    hs = b"".join(frag for ctype, _, frag in records(buf) if ctype == 22)
    pos = 0
    while pos + 4 <= len(hs):
        length = int.from_bytes(hs[pos + 1:pos + 4], "big")
        if pos + 4 + length > len(hs):
            return
        yield hs[pos], hs[pos + 4:pos + 4 + length]
        pos += 4 + length


# RFC 7919 App. A.1.
FFDHE2048_P = bytes.fromhex(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695"
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A"
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A"
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4"
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF"
)

def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def vec(width, data):
    return len(data).to_bytes(width, "big") + data


def built_seeds():
    # SSL 2.0 SERVER-HELLO (not a hit, X.509, version 2, two kinds, 16-byte id).
    cert = bytes(range(0x30, 0x44))
    kinds = bytes.fromhex("0100800700c0")
    sh2 = (bytes([4, 0, 1]) + struct.pack(">HHHH", 2, len(cert), len(kinds), 16)
           + cert + kinds + bytes(range(16)))
    write("ssl2", "server-hello", sh2)
    write("ssl2", "error-no-cipher", bytes([0, 0, 1]))
    write("ssl2", "alert-fatal-handshake-failure", bytes([2, 40]))
    write("server_flight", "ssl2-server-hello", struct.pack(">H", 0x8000 | len(sh2)) + sh2)
    write("server_flight", "ssl2-error", bytes([0x80, 3, 0, 0, 1]))
    write("server_flight", "warning-then-alert", bytes.fromhex("1503030002017015030300020228"))
    write("record", "ssl2-3byte-header", bytes([0x40, 4, 2, 1, 2, 3, 4]))
    # TLS 1.3 Certificate: context, two entries, the first with an extension.
    der = bytes.fromhex("3003020101")
    entries = (vec(3, der) + vec(2, bytes.fromhex("0005000100")) + vec(3, der) + vec(2, b""))
    write("certificate", "tls13-two-entries", bytes([1]) + vec(1, b"\xab") + vec(3, entries))
    # ServerKeyExchange variants: DH_anon, ECDHE_PSK, RSA_EXPORT (TLS 1.0).
    write("ske", "dh-anon", bytes([2 | 4]) + vec(2, b"\x00\xff" + bytes(63)) + vec(2, b"\x02")
          + vec(2, b"\x09"))
    write("ske", "ecdhe-psk", bytes([1 | 8]) + vec(2, b"id") + b"\x03\x00\x1d" + vec(1, bytes(32)))
    # Plain PSK / RSA_PSK (RFC 4279 Sec. 2, 4): the identity hint alone.
    write("ske", "psk-hint", bytes([0 | 8 | 16]) + vec(2, b"myhint"))
    write("ske", "psk-empty-hint", bytes([0 | 8]) + vec(2, b""))
    # DHE_PSK (RFC 4279 Sec. 3): hint, then ServerDHParams, no signature.
    write("ske", "dhe-psk", bytes([2 | 8 | 16]) + vec(2, b"hi") + vec(2, b"\xfb" + bytes(31))
          + vec(2, b"\x02") + vec(2, b"\x05"))
    write("ske", "rsa-export", bytes([3]) + vec(2, b"\xc1" + bytes(63)) + vec(2, b"\x01\x00\x01")
          + vec(2, b"\xab\xcd"))
    # DHE in TLS 1.2 with RFC 7919's ffdhe2048 prime, which the DTLS scan
    # names (tp_ffdhe_group_of_prime), and a signature.
    write("ske", "dhe-ffdhe2048", bytes([2 | 16]) + vec(2, FFDHE2048_P) + vec(2, b"\x02")
          + vec(2, b"\x05" * 256) + b"\x04\x01" + vec(2, b"\xab" * 16))
    write("client_hello", "rfc8448", RFC8448_CH)
    # RFC 8448 Sec. 4: the resumed ClientHello, pre_shared_key last (body only).
    write("client_hello", "rfc8448-psk", bytes.fromhex(RFC8448_PSK_CH)[4:])
    write("server_hello", "rfc8448", RFC8448_SH)
    # RFC 8448 Sec. 4 ServerHello: pre_shared_key selected_identity 0 with a
    # key_share (psk_dhe_ke), and the same without the share (psk_ke).
    sh_psk = bytes.fromhex(
        "03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d00130100003400"
        "290002000000330024001d0020121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50"
        "942cea31002b00020304")
    write("server_hello", "rfc8448-psk-dhe", sh_psk)
    write("server_hello", "psk-ke", bytes.fromhex(
        "03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d00130100000c00"
        "2900020000002b00020304"))


def capture_seeds():
    for path in sorted(DATA.glob("*.bin")):
        buf = path.read_bytes()
        name = path.stem
        if name.startswith("clienthello-"):
            write("record", name, buf)
            if buf[0] & 0x80:
                write("client_hello", name, buf[2:])
            for mtype, body in messages(buf):
                if mtype == 1:
                    write("client_hello", name, body)
            continue
        write("server_flight", name, buf)
        write("record", name, buf)
        suite = None
        version = 0
        for mtype, body in messages(buf):
            if mtype == 2:
                write("server_hello", name, body)
                version = int.from_bytes(body[0:2], "big")
                sid = body[34]
                suite = int.from_bytes(body[35 + sid:37 + sid], "big")
            elif mtype == 11:
                write("certificate", name, bytes([0]) + body)
            elif mtype == 12 and suite in SKE_PARAMS:
                sel = SKE_PARAMS[suite] | (16 if version >= 0x0303 else 0)
                write("ske", name, bytes([sel]) + body)
        for ctype, _, frag in records(buf):
            if ctype == 21:
                write("ssl2", name + "-alert", frag)


def main():
    built_seeds()
    capture_seeds()
    for d in sorted(CORPUS.iterdir()):
        print(f"{d.name}: {len(os.listdir(d))} seeds")


if __name__ == "__main__":
    main()
