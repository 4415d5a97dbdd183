#!/usr/bin/python3
"""Benchmark: one handshake report against a local server, side by side with
gnutls-cli and openssl s_client doing the same handshake (same server, same
trust anchor, same SNI). Prints median and p90 wall time per tool and the
ratio to gnutls-cli (same TLS library, so tlsprobe should be within 1.2x).

Usage: tests/bench/bench_handshake.py TLSPROBE [--runs N] [--tls 1.2|1.3]
Only 127.0.0.1 is contacted; the server is started and stopped here."""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(d):
    ca_key, ca, key, csr, crt = (os.path.join(d, n) for n in
                                 ("ca.key", "ca.pem", "leaf.key", "leaf.csr", "leaf.pem"))
    ossl = ["openssl"]
    subprocess.run(ossl + ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                           "-nodes", "-keyout", ca_key, "-out", ca, "-days", "30",
                           "-subj", "/CN=bench root"], check=True, capture_output=True)
    subprocess.run(ossl + ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                           "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    subprocess.run(ossl + ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                           "-CAcreateserial", "-out", crt, "-days", "30", "-extfile", ext],
                   check=True, capture_output=True)
    return ca, crt, key


def wait_port(port, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"server on port {port} did not start")


def time_runs(cmd, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
        times.append(time.perf_counter() - t0)
        if p.returncode not in (0, 1):
            sys.exit(f"{cmd[0]} failed with {p.returncode}: {' '.join(cmd)}")
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tlsprobe")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--tls", default="1.3", choices=["1.2", "1.3"])
    a = ap.parse_args()
    for tool in ("gnutls-serv", "gnutls-cli", "openssl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not installed (bash .ci/deps --bench)")
    with tempfile.TemporaryDirectory() as d:
        ca, crt, key = make_cert(d)
        port = free_port()
        srv = subprocess.Popen(["gnutls-serv", "--x509certfile", crt, "--x509keyfile", key,
                                "-p", str(port), "--echo"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            vers = "-VERS-ALL:+VERS-TLS" + a.tls
            tools = {
                # One handshake, as the other clients make: the search for
                # the server's other certificates is a second connection.
                "tlsprobe": [a.tlsprobe, f"localhost:{port}", "--ca-file", ca,
                             "--tls-max", a.tls, "--tls-min", a.tls, "--json",
                             "--no-other-chains"],
                "gnutls-cli": ["gnutls-cli", "--x509cafile", ca, "-p", str(port),
                               "--priority", "NORMAL:" + vers, "localhost"],
                "openssl s_client": ["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                                     "-servername", "localhost", "-CAfile", ca,
                                     "-tls" + a.tls.replace(".", "_"), "-verify_return_error"],
            }
            for cmd in tools.values():  # warm the page cache
                time_runs(cmd, 2)
            results = {name: time_runs(cmd, a.runs) for name, cmd in tools.items()}
        finally:
            srv.terminate()
            srv.wait(timeout=10)
    base = results["gnutls-cli"][0]
    print(f"handshake report, TLS {a.tls}, {a.runs} runs each, gnutls-serv on 127.0.0.1")
    print(f"{'tool':<18} {'median ms':>10} {'p90 ms':>8} {'vs gnutls-cli':>14}")
    for name, (med, p90) in results.items():
        print(f"{name:<18} {med * 1000:>10.2f} {p90 * 1000:>8.2f} {med / base:>13.2f}x")


if __name__ == "__main__":
    main()
