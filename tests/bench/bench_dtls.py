#!/usr/bin/python3
"""Benchmark: the --dtls report against libcoap's coap-server-gnutls on
127.0.0.1, side by side with gnutls-cli --udp (same server, certificates)
and coap-client-gnutls (same server, PSK, one CoAP GET over DTLS). Prints
median and p90 wall time per run, and the datagrams tlsprobe sent and
received (from its JSON). Then --dtls --enum against openssl s_server
(which refuses with an alert) and coap-server-openssl (PSK): time, suites,
groups and signature schemes found, probes and datagrams sent.

tlsprobe's default report makes a second handshake to see whether DTLS 1.0
is accepted; the "1 handshake" rows narrow the offer with --priority, which
skips that check, for a like-for-like comparison with the clients.

Usage: tests/bench/bench_dtls.py TLSPROBE [--runs N]
Only 127.0.0.1 is contacted; the servers are started and stopped here."""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

PSK_ID = "bench"
PSK = "benchsecret"
ONE_HANDSHAKE = "NORMAL:-VERS-ALL:+VERS-DTLS1.2:+AES-128-CCM-8"


def free_udp_pair():
    """A port P with P + 1 free too (libcoap: CoAP on P, CoAP over DTLS on P + 1)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65534:
            continue
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue


def make_cert(d):
    key, crt = os.path.join(d, "leaf.key"), os.path.join(d, "leaf.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt, "-days",
                    "30", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True,
                   capture_output=True)
    return crt, key


def udp_bound(port):
    for line in open("/proc/net/udp").read().splitlines()[1:]:
        ip, hexport = line.split()[1].split(":")
        if int(hexport, 16) == port and ip == "0100007F":
            return True
    return False


def start_coap(args, port, flavour="gnutls"):
    srv = subprocess.Popen([f"coap-server-{flavour}", "-A", "127.0.0.1", "-p", str(port), "-v", "0"]
                           + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 10
    while not udp_bound(port + 1):
        if time.monotonic() > end or srv.poll() is not None:
            srv.kill()
            sys.exit(f"coap-server-{flavour} did not start")
        time.sleep(0.05)
    return srv


def time_runs(cmd, runs, ok=(0, 1)):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
        times.append(time.perf_counter() - t0)
        if p.returncode not in ok:
            sys.exit(f"{cmd[0]} failed with {p.returncode}: {' '.join(cmd)}")
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.9) - 1, 0)]


def datagrams(cmd):
    out = subprocess.run(cmd + ["--json"], capture_output=True, text=True, timeout=60).stdout
    d = json.loads(out)["dtls"]
    return d["datagrams_sent"], d["datagrams_received"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tlsprobe")
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    for tool in ("coap-server-gnutls", "coap-client-gnutls", "gnutls-cli", "openssl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not installed (bash .ci/deps --bench)")
    psk_hex = PSK.encode().hex()
    rows = {}
    counts = {}
    with tempfile.TemporaryDirectory() as d:
        crt, key = make_cert(d)
        cport = free_udp_pair()
        cert_srv = start_coap(["-c", crt, "-j", key, "-n"], cport)
        pport = free_udp_pair()
        psk_srv = start_coap(["-k", PSK, "-h", "hint"], pport)
        try:
            cert_target = f"127.0.0.1:{cport + 1}"
            psk_target = f"127.0.0.1:{pport + 1}"
            tools = {
                "tlsprobe --dtls (cert)": [a.tlsprobe, "--dtls", cert_target, "--ca-file", crt],
                "tlsprobe, 1 handshake (cert)": [a.tlsprobe, "--dtls", cert_target, "--ca-file",
                                                 crt, "--priority", ONE_HANDSHAKE],
                "gnutls-cli --udp (cert)": ["gnutls-cli", "--udp", "-p", str(cport + 1),
                                            "--x509cafile", crt, "127.0.0.1"],
                "tlsprobe --dtls (PSK)": [a.tlsprobe, "--dtls", psk_target, "--psk-identity",
                                          PSK_ID, "--psk-key", psk_hex],
                "tlsprobe, 1 handshake (PSK)": [a.tlsprobe, "--dtls", psk_target,
                                                "--psk-identity", PSK_ID, "--psk-key", psk_hex,
                                                "--priority", ONE_HANDSHAKE + ":-KX-ALL:+PSK:"
                                                "+ECDHE-PSK"],
                "coap-client GET (PSK)": ["coap-client-gnutls", "-u", PSK_ID, "-k", PSK,
                                          f"coaps://{psk_target}/"],
            }
            for cmd in tools.values():  # warm the page cache
                time_runs(cmd, 1)
            for name, cmd in tools.items():
                rows[name] = time_runs(cmd, a.runs)
                if cmd[0] == a.tlsprobe:
                    counts[name] = datagrams(cmd)
        finally:
            for s in (cert_srv, psk_srv):
                s.terminate()
                s.wait(timeout=10)
    print(f"DTLS 1.2 report vs clients, {a.runs} runs each, coap-server-gnutls on 127.0.0.1")
    print(f"{'tool':<30} {'median ms':>10} {'p90 ms':>8} {'datagrams out/in':>17}")
    for name, (med, p90) in rows.items():
        c = counts.get(name)
        dg = f"{c[0]}/{c[1]}" if c else "-"
        print(f"{name:<30} {med * 1000:>10.1f} {p90 * 1000:>8.1f} {dg:>17}")
    print("gnutls-cli's time includes its close_notify exchange after stdin ends; "
          "coap-client's a CoAP GET and its reply.")
    print("tlsprobe's PSK rows load the system trust store (no --ca-file), ~25 ms of them.")
    bench_enum(a)


def enum_run(cmd):
    t0 = time.perf_counter()
    out = subprocess.run(cmd + ["--json"], capture_output=True, text=True, timeout=300).stdout
    elapsed = time.perf_counter() - t0
    e = json.loads(out)["dtls"]["enumeration"]
    n = len(e["cipher_suites"])
    groups = len(e["groups"] or [])
    schemes = len(e["signature_schemes"] or [])
    return elapsed, n, groups, schemes, e["probes"], e["datagrams_sent"], e["retries"]


def bench_enum(a):
    rows = {}
    with tempfile.TemporaryDirectory() as d:
        crt, key = make_cert(d)
        port = free_udp_pair()
        ossl = subprocess.Popen(["openssl", "s_server", "-dtls", "-accept", f"127.0.0.1:{port}",
                                 "-cert", crt, "-key", key, "-quiet", "-psk", "00112233",
                                 "-cipher", "ALL:@SECLEVEL=0"],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        cport = free_udp_pair()
        coap = start_coap(["-k", PSK], cport, "openssl")
        try:
            end = time.monotonic() + 10
            while not udp_bound(port) and time.monotonic() < end:
                time.sleep(0.05)
            runs = {
                "openssl s_server -dtls (ECDSA, PSK)": [a.tlsprobe, "--dtls", "--enum",
                                                        f"127.0.0.1:{port}", "--ca-file", crt],
                "coap-server-openssl -k (PSK only)": [a.tlsprobe, "--dtls", "--enum",
                                                      f"127.0.0.1:{cport + 1}"],
            }
            for name, cmd in runs.items():
                samples = [enum_run(cmd) for _ in range(3)]
                samples.sort()
                rows[name] = samples[1]
        finally:
            for s in (ossl, coap):
                s.terminate()
                s.wait(timeout=10)
    print()
    print("--dtls --enum, median of 3 runs (report handshake included)")
    print(f"{'server':<38} {'ms':>8} {'suites':>7} {'groups':>7} {'schemes':>8} {'probes':>7} "
          f"{'datagrams':>10} {'retries':>8}")
    for name, (el, n, groups, schemes, probes, dg, retries) in rows.items():
        print(f"{name:<38} {el * 1000:>8.1f} {n:>7} {groups:>7} {schemes:>8} {probes:>7} "
              f"{dg:>10} {retries:>8}")


if __name__ == "__main__":
    main()
