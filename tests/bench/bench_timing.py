#!/usr/bin/python3
"""Benchmark of --timing, --link, --capture and --read (issues 4 and 12).

1. Projection accuracy on a packet-level emulated link
   (tests/tools/packet_delay.py: client, router and server network
   namespaces of our own with 198.18.0.0/15 benchmark addresses; the router
   delays and serialises every frame, so TCP runs end to end through the
   delay). For each preset (its bandwidth per direction, round trip and
   MTU from src/data/link-profiles.csv; no loss and no radio set-up, which
   are not emulated), each chain nginx serves (an RSA-2048 leaf with
   its intermediate, and a 16 KB chain) and TLS 1.2 and 1.3, full and
   resumed (--resume):
     projected = `tlsprobe --timing --link PRESET` run on loopback in the
                 server's namespace against the same nginx: total minus
                 set-up minus expected loss (the total ends when the client
                 may send data; no False Start);
     measured  = `tlsprobe --timing` through the emulated link: TCP connect
                 plus handshake (ClientHello sent to the client's
                 completion), median of the runs.
   The error should stay within 5 %. The link is emulated full duplex, as
   the model sees a handshake: its flights alternate, and it counts no pure
   ACKs. With --half-duplex the presets that are (lte-m, nb-iot) share one
   channel in the emulation, granted in turn, so the client's ACKs take air
   time inside a long server flight (the model's known optimism there).
2. The cost of --capture against hook-only timing (loopback, wall time of
   the whole run).
3. --read throughput on large generated captures (a recorded TLS 1.2 and
   TLS 1.3 handshake replicated with rewritten client ports), text and
   JSON, against `tshark -r FILE -Y tls.handshake`: wall time and max RSS
   at two sizes (the report streams, so the RSS must not grow with them).

Needs root, iproute2, ethtool, nginx, openssl, tcpdump, tshark, GNU time.
Usage: bench_timing.py TLSPROBE [--quick] [--presets lte-m,nb-iot,...] [--runs N]
                        [--half-duplex] [--link-only]
(prints tables; exit 77 if not root, 1 if a projection is off by more than 5 %)
"""
import base64
import csv
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
MKPKI = ROOT / "tests" / "certs" / "mkpki.sh"
PROFILES = ROOT / "src" / "data" / "link-profiles.csv"
sys.path.insert(0, str(ROOT / "tests" / "tools"))
from packet_delay import Link  # noqa: E402

DEFAULT_PRESETS = ("lte-m", "nb-iot", "sat-geo", "3g")
TOLERANCE = 0.05
BIG_CHAIN_BYTES = 16000  # DER bytes of the large chain, at least


def sh(*args, check=True, **kw):
    return subprocess.run([str(a) for a in args], check=check, capture_output=True, text=True,
                          **kw)


def load_presets(names):
    """name -> (down kbit/s, up kbit/s, RTT ms, MTU, half duplex)."""
    out = {}
    with open(PROFILES, newline="") as f:
        for row in csv.DictReader(f):
            if row["preset"] in names:
                out[row["preset"]] = (float(row["dl_kbps"]), float(row["ul_kbps"]),
                                      float(row["rtt_ms"]), int(row["mtu_bytes"] or 1500),
                                      row["half_duplex"] == "Y")
    missing = [n for n in names if n not in out or out[n][3] == 0]
    if missing:
        raise SystemExit(f"bench_timing: no IP preset named {', '.join(missing)}")
    return out


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


def pem_blocks(path):
    text = Path(path).read_text()
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", text, re.S)


def der_bytes(block):
    body = "".join(block.strip().splitlines()[1:-1])
    return len(base64.b64decode(body))


def big_chain(pki, out):
    """leaf-fullchain.pem followed by other certificates of the test PKI
    until the chain holds BIG_CHAIN_BYTES of DER (nginx sends them all)."""
    blocks = pem_blocks(pki / "leaf-fullchain.pem")
    # (not rsa1024.pem or sha1.pem: OpenSSL's security level refuses them
    # in a chain)
    extra = [b for name in ("wronghost.pem", "expired.pem", "notyet.pem", "ecdsa.pem",
                            "root.pem", "client-ca.pem", "client.pem")
             for b in pem_blocks(pki / name)]
    i = 0
    while sum(der_bytes(b) for b in blocks) < BIG_CHAIN_BYTES:
        blocks.append(extra[i % len(extra)])
        i += 1
    Path(out).write_text("".join(b if b.endswith("\n") else b + "\n" for b in blocks))
    return sum(der_bytes(b) for b in blocks)


def nginx_conf(workdir, pki, chains):
    servers = "".join(f"""
    server {{
        listen 0.0.0.0:{port} ssl;
        server_name localhost;
        ssl_certificate {chain};
        ssl_certificate_key {pki / "leaf.key"};
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {{ return 200 "bench\\n"; }}
    }}""" for port, chain in chains)
    conf = f"""daemon off;
master_process on;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/cb;
    proxy_temp_path {workdir}/px;
    fastcgi_temp_path {workdir}/fc;
    uwsgi_temp_path {workdir}/uw;
    scgi_temp_path {workdir}/sc;{servers}
}}
"""
    path = Path(workdir) / "nginx.conf"
    path.write_text(conf)
    return path


def projected(exe, link, preset, port, tls_max):
    """(full, resumed) projections from a loopback run in the server's
    namespace: total - setup - loss, the parts the link does not emulate."""
    rc, doc, err = tlsprobe_json(exe, [
        "--timing", "--resume", "--link", preset, "--tls-max", tls_max, "--fail-on", "none",
        "--sni", "localhost", f"127.0.0.1:{port}"], ns=link.server_ns)
    p = (doc or {}).get("projection")
    if not p:
        raise RuntimeError(f"projection failed: {err.strip()[:200]}")
    b = p["breakdown"]
    full = p["total_ms"] - b["setup"] - b["loss"]
    res = None
    if p.get("resumed_total_ms") is not None:
        rb = p["resumed_breakdown"]
        res = p["resumed_total_ms"] - rb["setup"] - rb["loss"]
    return full, res, p["round_trips"], p.get("resumed_round_trips")


def measured(exe, link, port, tls_max, runs):
    """Medians of connect + handshake through the link, full and resumed."""
    full, res = [], []
    for _ in range(runs):
        rc, doc, err = tlsprobe_json(exe, [
            "--timing", "--resume", "--tls-max", tls_max, "--fail-on", "none", "--timeout",
            "5m", "--connect-timeout", "60s", "--sni", "localhost",
            f"{link.server_addr}:{port}"], ns=link.client_ns)
        t = (doc or {}).get("timing")
        if not t or t.get("handshake_ms") is None:
            raise RuntimeError(f"measurement failed: {err.strip()[:200]}")
        full.append(t["connect_ms"] + t["handshake_ms"])
        r = t["resumption"]
        if r and r["resumed"] and r["timeline"] and r["timeline"]["handshake_ms"] is not None:
            res.append(r["timeline"]["connect_ms"] + r["timeline"]["handshake_ms"])
    return (statistics.median(full), statistics.median(res) if res else None)


def bench_link(exe, pki, workdir, names, runs, big, half_duplex):
    presets = load_presets(names)
    chains = [("RSA chain", 4433, pki / "leaf-fullchain.pem")]
    if big:
        kb = big_chain(pki, Path(workdir) / "big-chain.pem") / 1000
        chains.append((f"{kb:.1f} KB chain", 4434, Path(workdir) / "big-chain.pem"))
    rows = []
    first = presets[names[0]]
    with Link(rtt_ms=first[2], down_kbit=first[0], up_kbit=first[1], mtu=first[3],
              half_duplex=half_duplex and first[4]) as link:
        conf = nginx_conf(workdir, pki, [(port, path) for _, port, path in chains])
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        server = start([nginx, "-e", Path(workdir) / "error.log", "-p", workdir, "-c", conf],
                       ns=link.server_ns, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.0)
            for name in names:
                down, up, rtt, mtu, half = presets[name]
                link.reconfigure(rtt_ms=rtt, down_kbit=down, up_kbit=up, mtu=mtu,
                                 half_duplex=half_duplex and half)
                for label, port, _ in chains:
                    for tls_max in ("1.2", "1.3"):
                        try:
                            pf, pr, rt, rrt = projected(exe, link, name, port, tls_max)
                            mf, mr = measured(exe, link, port, tls_max, runs)
                        except (RuntimeError, subprocess.TimeoutExpired) as e:
                            rows.append((name, label, tls_max, None, str(e)))
                            print_row(rows[-1])
                            continue
                        rows.append((name, label, tls_max, (pf, mf, rt), (pr, mr, rrt)))
                        print_row(rows[-1])
        finally:
            stop(server)
    return rows


def err_pct(proj, meas):
    return 100.0 * (proj - meas) / meas if proj is not None and meas else None


def print_row(row):
    name, label, v, full, res = row
    if full is None:
        print(f"   {name:8} {label:16} {v:4} failed: {res}", flush=True)
        return
    cells = []
    for proj, meas, rt in (full, res):
        e = err_pct(proj, meas)
        cells.append(f"{proj:9.0f} {meas:9.0f} {e:+6.1f}% {rt:4.1f}" if e is not None
                     else f"{'n/a':>9} {'':9} {'':7} {'':4}")
    print(f"   {name:8} {label:16} {v:4} {cells[0]}   {cells[1]}", flush=True)


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
    only_link = "--link-only" in sys.argv
    presets = list(DEFAULT_PRESETS[:3] if quick else DEFAULT_PRESETS)
    link_runs = 1 if quick else 3
    argv = sys.argv[2:]
    for i, a in enumerate(argv):
        if a == "--presets" and i + 1 < len(argv):
            presets = argv[i + 1].split(",")
        if a == "--runs" and i + 1 < len(argv):
            link_runs = int(argv[i + 1])
    with tempfile.TemporaryDirectory() as d:
        pki = Path(d) / "pki"
        sh("sh", MKPKI, pki)
        os.chmod(d, 0o755)

        print("1. Packet-level emulated link (tests/tools/packet_delay.py): projected "
              "(loopback, total - setup - loss)\n   against measured through the link "
              f"(connect + handshake, median of {link_runs} run{'s' if link_runs > 1 else ''}); "
              "rt = projected round trips incl. TCP")
        print(f"   {'preset':8} {'server':16} {'TLS':4} {'full proj':>9} {'measured':>9} "
              f"{'err':>7} {'rt':>4}   {'res. proj':>9} {'measured':>9} {'err':>7} {'rt':>4}")
        rows = bench_link(exe, pki, d, presets, link_runs, big=not quick,
                          half_duplex="--half-duplex" in sys.argv)
        errors = [abs(e) for _, _, _, full, res in rows if full is not None
                  for proj, meas, _ in (full, res) if (e := err_pct(proj, meas)) is not None]
        failed = sum(1 for r in rows if r[3] is None)
        worst = max(errors) if errors else float("nan")
        ok = failed == 0 and errors and worst <= TOLERANCE * 100
        print(f"   {len(errors)} comparisons, worst error {worst:.1f} % "
              f"(limit {TOLERANCE * 100:.0f} %), {failed} failed: {'PASS' if ok else 'FAIL'}\n",
              flush=True)
        status = 0 if ok else 1
        if only_link:
            return status

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
    return status


if __name__ == "__main__":
    sys.exit(main())
