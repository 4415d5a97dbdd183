"""--read on captures the tests record themselves with tcpdump on lo:
tlsprobe's own handshakes, clients that offer weak suites, pcapng, and
damaged files (truncated, corrupt, cut mid-handshake, reordered and
retransmitted segments, no TLS at all)."""

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import run, run_json, explain, require_tool, finding_ids, tlsprobe_path


def need_root():
    if os.geteuid() != 0:
        pytest.skip("tcpdump on lo needs root (or CAP_NET_RAW)")


@contextlib.contextmanager
def tcpdump(path, port):
    """Record `tcp port PORT` on lo into path while the block runs."""
    need_root()
    exe = require_tool("tcpdump")
    proc = subprocess.Popen([exe, "-i", "lo", "-U", "--immediate-mode", "-n", "-w", str(path), f"tcp port {port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        # tcpdump says "listening on lo" once the capture is open.
        deadline = time.monotonic() + 10
        line = b""
        while time.monotonic() < deadline and b"listening" not in line:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                pytest.fail("tcpdump exited before listening")
        yield
        time.sleep(0.3)  # the last FIN/ACKs
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert path.exists() and path.stat().st_size > 24


def probe(pki, srv, *extra):
    # One handshake per run: the captures count them (no extra connections
    # for the server's other certificates).
    res = run(["--ca-file", pki / "root.pem", "--sni", "localhost", "--no-other-chains", *extra,
               srv.target])
    assert res.rc == 0, explain(res)


def weak_client(srv, priority):
    exe = require_tool("gnutls-cli")
    subprocess.run([exe, "--insecure", "--priority", priority, "-p", str(srv.port),
                    "--sni-hostname", "device.example", srv.host],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=30)


@pytest.fixture
def mixed_capture(tmp_path, servers, pki):
    """tlsprobe's TLS 1.3 and 1.2 handshakes and a weak client's offer."""
    srv = servers.openssl()
    path = tmp_path / "mixed.pcap"
    with tcpdump(path, srv.port):
        probe(pki, srv)
        probe(pki, srv, "--tls-max", "1.2")
        weak_client(srv, "NORMAL:+ARCFOUR-128:+3DES-CBC:+DES-CBC:-VERS-TLS1.3:+VERS-TLS1.0")
    return path


def handshake_of(doc, predicate):
    found = [h for h in doc["handshakes"] if predicate(h)]
    assert found, [h["client_hello"] for h in doc["handshakes"]]
    return found[0]


def test_read_reports_every_handshake(mixed_capture):
    res = run_json(["--read", mixed_capture])
    doc = res.doc
    assert res.rc == 1, explain(res)  # offer-rc4 is high, the default --fail-on
    cf = doc["capture_file"]
    assert cf["path"] == str(mixed_capture) and cf["packets"] > 20
    assert cf["tls_streams"] == 3 and cf["handshakes"] == 3 and cf["error"] is None
    hs = doc["handshakes"]
    assert len(hs) == 3
    assert [h["start_ms"] for h in hs] == sorted(h["start_ms"] for h in hs)
    for h in hs:
        assert h["complete"], h
        assert h["ja4"] and h["ja4"][0] == "t"
        assert h["timing"]["flights"][0]["label"] == "ClientHello"
        assert h["server_hello"]["cipher_suite"]["code"].startswith("0x")
    t13 = handshake_of(doc, lambda h: h["server_hello"]["version"] == "TLSv1.3")
    assert t13["chain"]["seen"] is False  # encrypted
    assert t13["timing"]["round_trips"] == 1
    assert t13["client_hello"]["sni"] == "localhost"
    t12 = handshake_of(doc, lambda h: h["client_hello"]["sni"] == "localhost"
                       and h["server_hello"]["version"] == "TLSv1.2")
    chain = t12["chain"]
    assert chain["seen"] and chain["count"] == 2 and chain["bytes"] > 500
    assert "localhost" in chain["certificates"][0]["subject"]
    assert t12["timing"]["round_trips"] == 2
    assert t12["timing"]["certificate_bytes"] == chain["bytes"] + 3 * 2 + 3 + 4


def test_read_findings_on_weak_offer(mixed_capture):
    res = run_json(["--read", mixed_capture])
    ids = finding_ids(res.doc)
    assert "offer-rc4" in ids and "offer-weak-cipher" in ids and "offer-no-tls13" in ids
    weak = handshake_of(res.doc, lambda h: h["client_hello"]["sni"] == "device.example")
    assert {"offer-rc4", "offer-weak-cipher", "offer-no-tls13"} <= set(weak["findings"])
    names = {s["name"] for s in weak["client_hello"]["cipher_suites"]}
    assert any("RC4" in (n or "") for n in names)
    rc4 = next(f for f in res.doc["findings"] if f["id"] == "offer-rc4")
    assert rc4["severity"] == "high" and "1 of 3 handshakes" in rc4["message"]
    assert run(["--read", mixed_capture, "--fail-on", "critical"]).rc == 0
    text = run(["--read", mixed_capture]).stdout
    assert "Handshake 3" in text and "offer-rc4" in text and "JA4:" in text


def ja4_oracle(fields):
    """JA4 from tshark's fields, implemented from the FoxIO spec."""
    grease = lambda v: (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)
    ints = lambda s: [int(x, 0) for x in s.split(",") if x] if s else []
    suites = [v for v in ints(fields[1]) if not grease(v)]
    exts = [v for v in ints(fields[2]) if not grease(v)]
    sigs = [v for v in ints(fields[3]) if not grease(v)]
    versions = [v for v in ints(fields[4]) if not grease(v)]
    sni, alpn = fields[5], fields[6].split(",")[0] if fields[6] else ""
    ver = max(versions) if versions else 0x0303
    vmap = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3"}
    a = "t" + vmap.get(ver, "00") + ("d" if sni else "i") + f"{min(len(suites), 99):02d}" + \
        f"{min(len(exts), 99):02d}" + (alpn[0] + alpn[-1] if alpn else "00")
    h = lambda s: hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"
    b = h(",".join(f"{v:04x}" for v in sorted(suites)))
    ext_text = ",".join(f"{v:04x}" for v in sorted(e for e in exts if e not in (0, 16)))
    if sigs:
        ext_text += "_" + ",".join(f"{v:04x}" for v in sigs)
    return f"{a}_{b}_{h(ext_text)}"


def test_ja4_against_tshark_fields(mixed_capture):
    """tshark 4.0 has no JA4 field: compute it from tshark's own parse of the
    ClientHellos (an independent parser) with the spec, and compare."""
    exe = require_tool("tshark")
    out = subprocess.run(
        [exe, "-r", str(mixed_capture), "-Y", "tls.handshake.type == 1", "-T", "fields",
         "-e", "tcp.srcport", "-e", "tls.handshake.ciphersuite",
         "-e", "tls.handshake.extension.type", "-e", "tls.handshake.sig_hash_alg",
         "-e", "tls.handshake.extensions.supported_version",
         "-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.extensions_alpn_str",
         "-E", "aggregator=,"], capture_output=True, text=True, timeout=60, check=True).stdout
    expected = {}
    for line in out.splitlines():
        fields = line.split("\t") + [""] * 7
        expected[int(fields[0])] = ja4_oracle(fields)
    doc = run_json(["--read", mixed_capture]).doc
    got = {int(h["stream"]["client"].rsplit(":", 1)[1]): h["ja4"] for h in doc["handshakes"]}
    assert got == expected


def test_pcapng(mixed_capture, tmp_path):
    editcap = require_tool("editcap")
    ng = tmp_path / "mixed.pcapng"
    subprocess.run([editcap, "-F", "pcapng", str(mixed_capture), str(ng)], check=True,
                   timeout=60)
    assert ng.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    a = run_json(["--read", mixed_capture]).doc
    b = run_json(["--read", ng]).doc
    strip = lambda d: [(h["ja4"], h["timing"]["total_bytes"], h["complete"])
                       for h in d["handshakes"]]
    assert strip(a) == strip(b)


# ---- damaged and unusual input -------------------------------------------

def pcap_records(data):
    """(global header, [(record header, packet bytes)]) of a classic pcap."""
    head, pos, out = data[:24], 24, []
    while pos + 16 <= len(data):
        incl = struct.unpack("<I", data[pos + 8:pos + 12])[0]
        out.append((data[pos:pos + 16], data[pos + 16:pos + 16 + incl]))
        pos += 16 + incl
    return head, out


def write_pcap(path, head, records):
    path.write_bytes(head + b"".join(h + p for h, p in records))


def payload_len(pkt):
    """TCP payload length of an Ethernet/IPv4 packet (lo is DLT_EN10MB)."""
    ip = pkt[14:]
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    doff = (ip[ihl + 12] >> 4) * 4
    return total - ihl - doff


@pytest.fixture
def one_handshake(tmp_path, servers, pki):
    srv = servers.openssl()
    path = tmp_path / "one.pcap"
    with tcpdump(path, srv.port):
        probe(pki, srv, "--tls-max", "1.2")
    return path


def test_truncated_file(one_handshake, tmp_path):
    data = one_handshake.read_bytes()
    head, recs = pcap_records(data)
    cut = tmp_path / "cut.pcap"
    # Keep whole packets up to the ServerHello flight, then half a record.
    keep = 24 + sum(16 + len(p) for _, p in recs[:4])
    cut.write_bytes(data[:keep + 20])
    res = run_json(["--read", cut])
    assert res.rc in (0, 1), explain(res)
    assert res.doc["capture_file"]["error"], res.doc["capture_file"]
    assert res.doc["capture_file"]["packets"] == 4
    assert "--read" in res.stderr


def test_cut_mid_handshake(one_handshake, tmp_path):
    head, recs = pcap_records(one_handshake.read_bytes())
    data_pkts = [i for i, (_, p) in enumerate(recs) if payload_len(p) > 0]
    cut = tmp_path / "mid.pcap"
    write_pcap(cut, head, recs[:data_pkts[1] + 1])  # ClientHello and the server's first segment
    res = run_json(["--read", cut])
    assert res.rc in (0, 1), explain(res)
    (h,) = res.doc["handshakes"]
    assert h["complete"] is False and h["note"] and "incomplete" in h["note"]
    assert h["client_hello"] is not None and h["ja4"]


def split_packet(hdr, pkt, at):
    """Two segments from one Ethernet/IPv4/TCP packet: payload[:at] and
    payload[at:] (sequence number advanced; checksums are not checked)."""
    ihl = (pkt[14] & 0x0F) * 4
    doff = (pkt[14 + ihl + 12] >> 4) * 4
    hlen = 14 + ihl + doff
    head, payload = bytearray(pkt[:hlen]), pkt[hlen:]
    seq = struct.unpack(">I", head[14 + ihl + 4:14 + ihl + 8])[0]

    def make(part, seq_no):
        h = bytearray(head)
        h[16:18] = struct.pack(">H", ihl + doff + len(part))
        h[14 + ihl + 4:14 + ihl + 8] = struct.pack(">I", seq_no & 0xFFFFFFFF)
        out = bytes(h) + part
        rec = hdr[:8] + struct.pack("<II", len(out), len(out))
        return rec, out

    return make(payload[:at], seq), make(payload[at:], seq + at)


def test_reordered_and_retransmitted(one_handshake, tmp_path):
    head, recs = pcap_records(one_handshake.read_bytes())
    data_pkts = [i for i, (_, p) in enumerate(recs) if payload_len(p) > 0]
    assert len(data_pkts) >= 4
    k = data_pkts[1]  # the server's first flight
    first, second = split_packet(recs[k][0], recs[k][1], 100)
    # The second half first (out of order), then the first half twice (a
    # retransmission), then the original whole segment again.
    mangled = recs[:k] + [second, first, first, recs[k]] + recs[k + 1:]
    path = tmp_path / "mangled.pcap"
    write_pcap(path, head, mangled)
    a = run_json(["--read", one_handshake]).doc["handshakes"]
    b = run_json(["--read", path]).doc["handshakes"]
    assert len(a) == len(b) == 1 and b[0]["complete"], b
    assert a[0]["ja4"] == b[0]["ja4"]
    assert a[0]["timing"]["total_bytes"] == b[0]["timing"]["total_bytes"]
    assert [(f["label"], f["records"]) for f in a[0]["timing"]["flights"]] == \
        [(f["label"], f["records"]) for f in b[0]["timing"]["flights"]]
    assert a[0]["chain"]["bytes"] == b[0]["chain"]["bytes"]


def test_corrupt_and_missing_files(tmp_path):
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(os.urandom(4096))
    res = run(["--read", junk])
    assert res.rc == 2 and "junk.pcap" in res.stderr, explain(res)
    res = run(["--read", tmp_path / "absent.pcap"])
    assert res.rc == 2, explain(res)
    empty = tmp_path / "empty.pcap"
    empty.write_bytes(b"")
    assert run(["--read", empty]).rc == 2
    assert run(["--read", junk, "127.0.0.1"]).rc == 2
    assert run(["--read", junk, "--timing"]).rc == 2


def test_no_tls(tmp_path):
    need_root()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    path = tmp_path / "plain.pcap"
    with tcpdump(path, port):
        c = socket.create_connection(("127.0.0.1", port))
        s, _ = srv.accept()
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        s.recv(100)
        s.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
        c.recv(100)
        c.close()
        s.close()
    srv.close()
    res = run_json(["--read", path])
    assert res.rc == 0, explain(res)
    assert res.doc["handshakes"] == [] and res.doc["capture_file"]["streams"] >= 1
    assert res.doc["capture_file"]["tls_streams"] == 0
    assert "no TLS handshake found" in run(["--read", path]).stdout


# ---- streaming: many handshakes, bounded memory --------------------------

def replicate(head, recs, copies):
    """copies x the capture's packets, copy c with client port 20000 + c and
    its times 10 ms later than copy c - 1 (Ethernet/IPv4, microsecond pcap)."""
    ihl = (recs[0][1][14] & 0x0F) * 4
    server_port = struct.unpack(">H", recs[0][1][14 + ihl + 2:14 + ihl + 4])[0]  # the SYN's
    out = []
    for c in range(copies):
        for hdr, pkt in recs:
            tcp = 14 + (pkt[14] & 0x0F) * 4
            sport, dport = struct.unpack(">HH", pkt[tcp:tcp + 4])
            ports = (sport, 20000 + c) if sport == server_port else (20000 + c, dport)
            sec, usec = struct.unpack("<II", hdr[:8])
            usec += c * 10000
            b = bytearray(pkt)
            b[tcp:tcp + 4] = struct.pack(">HH", *ports)
            out.append((struct.pack("<II", sec + usec // 1000000, usec % 1000000) + hdr[8:],
                        bytes(b)))
    return out


def run_rss(args):
    """(returncode, stdout bytes, max RSS in KiB) of one tlsprobe run."""
    proc = subprocess.Popen([tlsprobe_path(), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, usage.ru_maxrss


@pytest.fixture
def many(one_handshake, tmp_path):
    head, recs = pcap_records(one_handshake.read_bytes())
    paths = {}
    for copies in (300, 3000):
        paths[copies] = tmp_path / f"many{copies}.pcap"
        write_pcap(paths[copies], head, replicate(head, recs, copies))
    return paths


def test_many_handshakes_stream(many):
    rc, out, _ = run_rss(["--json", "--read", many[300]])
    assert rc == 0, out[-2000:]
    doc = json.loads(out)  # one document, whole
    hs = doc["handshakes"]
    assert len(hs) == 300 and doc["capture_file"]["handshakes"] == 300
    assert all(h["complete"] for h in hs)
    assert len({h["stream"]["client"] for h in hs}) == 300
    assert len({h["ja4"] for h in hs}) == 1
    # The handshakes were written before the findings, which need them all.
    keys = list(doc)
    assert keys.index("handshakes") < keys.index("findings") < keys.index("capture_file")
    nt13 = next(f for f in doc["findings"] if f["id"] == "offer-no-tls13")
    assert "300 of 300 handshakes" in nt13["message"]
    rc, text, _ = run_rss(["--read", many[300], "--fail-on", "low"])
    assert rc == 1  # offer-no-tls13 is low
    text = text.decode()
    assert text.index("Handshake 1:") < text.index("Handshake 300:") < \
        text.index("Capture file totals") < text.index("Findings")
    assert "300 handshakes" in text


def test_memory_bounded_by_open_streams(many):
    """Ten times the handshakes, the same memory: each one is printed and
    freed as it completes (loose bound; tests/bench has the figures)."""
    for mode in ([], ["--json"]):
        rc1, out1, rss1 = run_rss([*mode, "--read", many[300], "--fail-on", "none"])
        rc2, out2, rss2 = run_rss([*mode, "--read", many[3000], "--fail-on", "none"])
        assert rc1 == rc2 == 0
        assert len(out2) > 9 * len(out1)
        # Under ASan freed memory sits in quarantine, so RSS grows with the
        # work done whatever the program keeps; the bound is for real builds.
        if os.environ.get("TP_SANITIZED") != "1":
            assert rss2 < rss1 + 4096, (mode, rss1, rss2)


def test_cut_file_still_one_document(many, tmp_path):
    data = many[300].read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[:len(data) // 2 + 7])  # mid-record
    res = run_json(["--read", cut])
    assert res.rc in (0, 1), explain(res)
    doc = res.doc
    assert doc["capture_file"]["error"]
    assert 100 < len(doc["handshakes"]) < 200
    assert doc["capture_file"]["handshakes"] == len(doc["handshakes"])
    assert doc["findings"] and doc["summary"]
