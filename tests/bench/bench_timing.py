#!/usr/bin/python3
"""Benchmark of --timing, --link, --capture and --read (issue 4).

1. Projection accuracy: an emulated constrained link between two network
   namespaces of our own (veth pair with 198.18.0.0/30 benchmark addresses
   that exist only inside them; `tc tbf` for bandwidth per direction,
   tests/tools/delay_relay.py --connect-early for latency, since netem is
   missing). For each preset (its bandwidth and round trip; no loss, no
   radio set-up, which are not emulated) tlsprobe measures full and
   resumed handshakes and projects them onto the same link; the
   client-side handshake time (ClientHello sent to the client's
   completion) is compared with the projection's.
2. The cost of --capture against hook-only timing (loopback, wall time of
   the whole run).
3. --read throughput on large generated captures (a recorded TLS 1.2 and
   TLS 1.3 handshake replicated with rewritten client ports), text and
   JSON, against `tshark -r FILE -Y tls.handshake`: wall time and max RSS
   at two sizes (the report streams, so the RSS must not grow with them).

Needs root, iproute2, tc, gnutls-serv or openssl, tcpdump, tshark, GNU time.
Usage: bench_timing.py TLSPROBE [--quick]   (prints a table; exit 77 if not root)
"""
import json
import os
import random
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RELAY = ROOT / "tests" / "tools" / "delay_relay.py"
MKPKI = ROOT / "tests" / "certs" / "mkpki.sh"

# preset, downlink kbit/s, uplink kbit/s, RTT ms (from src/data/link-profiles.csv;
# nb-iot slowed: its RTT, at 20 kbit/s).
PRESETS = [
    ("lte-m", 150, 100, 150),
    ("3g", 1000, 384, 150),
    ("sat-leo", 100000, 10000, 45),
    ("nb-iot", 20, 20, 1600),
]


def sh(*args, check=True, **kw):
    return subprocess.run([str(a) for a in args], check=check, capture_output=True, text=True,
                          **kw)


class Namespaces:
    """Client and server namespaces joined by a veth pair."""

    def __init__(self):
        tag = f"{random.randrange(1 << 24):06x}"
        self.c, self.s = f"tp-c-{tag}", f"tp-s-{tag}"
        self.vc, self.vs = f"tpc{tag}", f"tps{tag}"
        self.c_addr, self.s_addr = "198.18.0.1", "198.18.0.2"

    def __enter__(self):
        sh("ip", "netns", "add", self.c)
        sh("ip", "netns", "add", self.s)
        sh("ip", "link", "add", self.vc, "netns", self.c, "type", "veth", "peer", "name",
           self.vs, "netns", self.s)
        for ns, dev, addr in ((self.c, self.vc, self.c_addr), (self.s, self.vs, self.s_addr)):
            sh("ip", "-n", ns, "addr", "add", f"{addr}/30", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            # No segmentation offload: tbf must see real packets.
            sh("ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso", "off",
               "gro", "off", check=False)
        return self

    def shape(self, down_kbit, up_kbit):
        for ns, dev, rate in ((self.c, self.vc, up_kbit), (self.s, self.vs, down_kbit)):
            # A peak rate just above the rate keeps tbf from sending its
            # bucket (one MTU) at line rate: every packet is paced.
            sh("tc", "-n", ns, "qdisc", "replace", "dev", dev, "root", "tbf", "rate",
               f"{rate}kbit", "burst", "1600", "latency", "60s", "peakrate",
               f"{int(rate * 1.01) + 1}kbit", "mtu", "1600")

    def __exit__(self, *exc):
        sh("ip", "netns", "del", self.c, check=False)
        sh("ip", "netns", "del", self.s, check=False)


def start(argv, ns=None, **kw):
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    return subprocess.Popen([str(a) for a in argv], start_new_session=True, **kw)


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def tlsprobe_json(exe, args, ns=None, timeout=300):
    argv = [exe, "--json"] + [str(a) for a in args]
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else None, p.stderr


def tbf_free_ms(flights, down_kbit, up_kbit, mtu=1500):
    """tbf (like any token bucket) lets the first packet of a burst leave at
    line rate: a flight arrives one packet's serialisation earlier than on
    a serial link. This is the emulator's error, not the model's; it is
    shown separately (the "adj." columns)."""
    hdr = 20 + 20 + 12
    counted = [f for f in flights if not f["post_handshake"]]
    if counted and counted[-1]["direction"] == "client":
        counted = counted[:-1]  # the client is done when it sends its last flight
    total = 0.0
    for f in counted:
        rate = (up_kbit if f["direction"] == "client" else down_kbit) * 1000
        total += (min(f["bytes"], mtu - hdr) + hdr) * 8 / rate * 1000
    return total


def client_side_ms(proj, ch_start):
    """Projected ClientHello-to-completion as the client sees it: it is done
    when it sends its last flight, or when the server's last one arrives."""
    last = proj["flights"][-1]
    done = last["start_ms"] if last["direction"] == "client" else last["end_ms"]
    return done - ch_start


def bench_link(exe, pki, quick):
    rows = []
    with Namespaces() as n:
        port = 4433
        server = start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-cert",
                        pki / "leaf.pem", "-key", pki / "leaf.key", "-cert_chain",
                        pki / "inter.pem", "-quiet"], ns=n.s, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        presets = PRESETS[:2] + PRESETS[2:3] if quick else PRESETS
        try:
            time.sleep(0.5)
            for name, down, up, rtt in presets:
                n.shape(down, up)
                relay = start([sys.executable, RELAY, 0, "127.0.0.1", port, rtt / 2, "--bind",
                               n.s_addr, "--connect-early"], ns=n.s, stdout=subprocess.PIPE,
                              text=True)
                try:
                    rport = int(relay.stdout.readline().split()[1])
                    spec = f"dl={down}k,ul={up}k,rtt={rtt}ms,mtu=1500,loss=0%,setup=0s"
                    for tls_max in ("1.3", "1.2"):
                        rc, doc, err = tlsprobe_json(exe, [
                            "--timing", "--resume", "--link", spec, "--tls-max", tls_max,
                            "--fail-on", "none", "--timeout", "5m", "--connect-timeout", "60s",
                            "--sni", "localhost", f"{n.s_addr}:{rport}"], ns=n.c)
                        if doc is None or doc.get("timing") is None:
                            rows.append((name, tls_max, "failed", err.strip()[:80]))
                            continue
                        t, p = doc["timing"], doc["projection"]
                        ch = next(f for f in p["flights"] if f["label"] == "ClientHello")
                        proj_full = client_side_ms(p, ch["start_ms"])
                        meas_full = t["handshake_ms"]
                        r = t["resumption"]["timeline"]
                        meas_res = proj_res = None
                        if r and p["resumed_total_ms"] is not None:
                            # The resumed projection's TCP part is the full one's.
                            proj_res = p["resumed_total_ms"] - ch["start_ms"]
                            hs_flights = [f for f in r["flights"] if not f["post_handshake"]]
                            if hs_flights[-1]["direction"] == "client":
                                proj_res -= rtt / 2  # the client is done when it sends
                            meas_res = r["handshake_ms"]
                        adj_full = proj_full - tbf_free_ms(t["flights"], down, up)
                        adj_res = proj_res - tbf_free_ms(r["flights"], down, up) \
                            if proj_res is not None else None
                        rows.append((name, tls_max, meas_full, proj_full, meas_res, proj_res,
                                     adj_full, adj_res))
                finally:
                    stop(relay)
        finally:
            stop(server)
    return rows


def bench_capture(exe, pki, runs):
    port = 24000 + random.randrange(1000)
    server = start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-cert",
                    pki / "leaf.pem", "-key", pki / "leaf.key", "-quiet"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        out = {}
        for label, extra in (("hook", []), ("capture", ["--capture"])):
            wall, hs = [], []
            for _ in range(runs):
                t0 = time.monotonic()
                rc, doc, _ = tlsprobe_json(exe, ["--timing", "--fail-on", "none", "--sni",
                                                 "localhost", *extra, f"127.0.0.1:{port}"])
                wall.append((time.monotonic() - t0) * 1000)
                hs.append(doc["timing"]["handshake_ms"])
            out[label] = (statistics.median(wall), statistics.median(hs))
        return out
    finally:
        stop(server)


def record_seed(exe, pki, path):
    port = 25000 + random.randrange(1000)
    server = start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-cert",
                    pki / "leaf.pem", "-key", pki / "leaf.key", "-cert_chain", pki / "inter.pem",
                    "-quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dump = start(["tcpdump", "-i", "lo", "-U", "--immediate-mode", "-n", "-w", path,
                  f"tcp port {port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        dump.stderr.readline()
        time.sleep(0.5)
        for tls_max in ("1.3", "1.2"):
            tlsprobe_json(exe, ["--tls-max", tls_max, "--fail-on", "none", "--sni", "localhost",
                                f"127.0.0.1:{port}"])
        time.sleep(0.3)
    finally:
        dump.send_signal(signal.SIGINT)
        dump.wait(timeout=10)
        stop(server)


def replicate(seed, out, copies):
    """copies x the seed's packets, each copy with its own client port."""
    data = Path(seed).read_bytes()
    head, pos, pkts = data[:24], 24, []
    while pos + 16 <= len(data):
        incl = struct.unpack("<I", data[pos + 8:pos + 12])[0]
        pkts.append((data[pos:pos + 16], data[pos + 16:pos + 16 + incl]))
        pos += 16 + incl
    server_port = None
    with open(out, "wb") as f:
        f.write(head)
        for c in range(copies):
            for hdr, p in pkts:
                ihl = (p[14] & 0x0F) * 4
                sport, dport = struct.unpack(">HH", p[14 + ihl:14 + ihl + 4])
                if server_port is None:
                    server_port = dport
                shift = c * 7 % 20000
                if sport == server_port:
                    dport = 30000 + (dport + shift) % 30000
                else:
                    sport = 30000 + (sport + shift) % 30000
                ts = struct.unpack("<II", hdr[:8])
                new_hdr = struct.pack("<II", ts[0] + c // 1000, ts[1]) + hdr[8:]
                b = bytearray(p)
                b[14 + ihl:14 + ihl + 4] = struct.pack(">HH", sport, dport)
                f.write(new_hdr + bytes(b))
    return len(pkts) * copies


def run_measured(argv, stdout=subprocess.DEVNULL):
    """(wall seconds, max RSS in MiB) of one process, from GNU time: the
    rusage Python could read counts the forked interpreter's pages too."""
    with tempfile.NamedTemporaryFile("r") as t:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name,
                               *[str(a) for a in argv]], stdout=stdout,
                              stderr=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv[0]} exited with status {proc.returncode}")
        wall, rss_kib = t.read().split()[-2:]
    return float(wall), int(rss_kib) / 1024


def best_of(runs, argv, stdout=subprocess.DEVNULL):
    """The fastest of runs (the machine may be busy); the largest RSS."""
    results = [run_measured(argv, stdout) for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results)


def bench_read(exe, pki, sizes, runs):
    """--read (text, JSON) and tshark on captures of each size (copies of a
    recorded TLS 1.3 and TLS 1.2 handshake): wall time and max RSS. The
    RSS must not grow with the file: the report streams."""
    rows = []
    with tempfile.TemporaryDirectory() as d:
        seed = Path(d) / "seed.pcap"
        record_seed(exe, pki, seed)
        for copies in sizes:
            big = Path(d) / f"big{copies}.pcap"
            packets = replicate(seed, big, copies)
            size = big.stat().st_size
            text_out = Path(d) / "out.txt"
            with open(text_out, "wb") as f:
                run_measured([exe, "--read", big, "--fail-on", "none"], stdout=f)
            tail = text_out.read_bytes()[-4096:].decode(errors="replace")
            m = re.search(r"(\d+) handshakes?\n", tail)
            n_hs = int(m.group(1)) if m else 0
            text_out.unlink()
            text = best_of(runs, [exe, "--read", big, "--fail-on", "none"])
            js = best_of(runs, [exe, "--json", "--read", big, "--fail-on", "none"])
            ts = best_of(1, ["tshark", "-r", big, "-Y", "tls.handshake"])
            rows.append((packets, size, n_hs, text, js, ts))
            big.unlink()
    return rows


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    if os.geteuid() != 0:
        print("bench_timing: needs root (network namespaces, tc, capture)", file=sys.stderr)
        return 77
    exe = os.path.abspath(sys.argv[1])
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory() as d:
        pki = Path(d) / "pki"
        sh("sh", MKPKI, pki)
        os.chmod(d, 0o755)

        print("1. Emulated link: measured vs projected handshake (ClientHello -> client done)")
        print(f"   {'preset':8} {'TLS':4} {'full':>9} {'proj':>9} {'err':>7} {'adj.':>9} "
              f"{'err':>7}   {'resumed':>9} {'proj':>9} {'err':>7} {'adj.':>9} {'err':>7}")
        for row in bench_link(exe, pki, quick):
            if row[2] == "failed":
                print(f"   {row[0]:8} {row[1]:4} failed: {row[3]}")
                continue
            name, v, mf, pf, mr, pr, af, ar = row
            res = "   resumed: n/a (did not complete)"
            if mr and pr is not None:
                res = (f"{mr:9.1f} {pr:9.1f} {100 * (pr - mr) / mr:+6.1f}% {ar:9.1f} "
                       f"{100 * (ar - mr) / mr:+6.1f}%")
            print(f"   {name:8} {v:4} {mf:9.1f} {pf:9.1f} {100 * (pf - mf) / mf:+6.1f}% "
                  f"{af:9.1f} {100 * (af - mf) / mf:+6.1f}%   {res}", flush=True)

        runs = 5 if quick else 15
        cap = bench_capture(exe, pki, runs)
        print(f"\n2. --capture cost (loopback, median of {runs} runs, whole run wall time):")
        print(f"   hook only {cap['hook'][0]:.1f} ms (handshake {cap['hook'][1]:.3f} ms); "
              f"with --capture {cap['capture'][0]:.1f} ms (handshake {cap['capture'][1]:.3f} ms);"
              f" cost {cap['capture'][0] - cap['hook'][0]:+.1f} ms per run")

        sizes = (500, 2000) if quick else (5000, 20000)
        print(f"\n3. --read on a large capture (best of {1 if quick else 3} runs; "
              f"max RSS; output to /dev/null):")
        print(f"   {'packets':>8} {'MB':>6} {'hs':>6}   {'text s':>7} {'RSS MB':>6} {'x':>5}   "
              f"{'json s':>7} {'RSS MB':>6} {'x':>5}   {'tshark s':>8} {'RSS MB':>6}")
        for packets, size, n_hs, text, js, ts in bench_read(exe, pki, sizes, 1 if quick else 3):
            print(f"   {packets:8} {size / 1e6:6.1f} {n_hs:6}   {text[0]:7.2f} {text[1]:6.1f} "
                  f"{ts[0] / text[0]:5.1f}   {js[0]:7.2f} {js[1]:6.1f} {ts[0] / js[0]:5.1f}   "
                  f"{ts[0]:8.2f} {ts[1]:6.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
