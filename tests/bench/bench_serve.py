#!/usr/bin/python3
"""Benchmark: --serve's whole battery, per client.

For each client (curl, curl -k, gnutls-cli with and without --insecure,
openssl s_client with and without -verify_return_error, python3 ssl with
the CA and with CERT_NONE, mosquitto_pub with --cafile and --insecure,
wget --no-check-certificate; then --starttls smtp, imap, pop3 and ftp with
curl --ssl-reqd, curl -k --ssl-reqd, openssl s_client -starttls
-verify_return_error and gnutls-cli --starttls-proto), tlsprobe --serve plays the full battery
(20 tests) while the client reconnects in a loop, as a device does. Prints
per client: the battery's wall time (from "listening" to exit), the
connections it took, the mean time per connection, the client's own time
(the sum of its runs: what a device's reconnect costs), tlsprobe's
start-up (CA and case certificates made in memory) and how many bad
certificate cases the client accepted (a sanity column: 0 for a validating
client, 10 for an insecure one).

Usage: tests/bench/bench_serve.py TLSPROBE [--runs N] [--pause SECONDS] [--only TEXT]
Only 127.0.0.1 is contacted; everything runs in a temporary directory."""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PY_CLIENT = r"""
import socket, ssl, sys
port, ca, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
if mode == "none":
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
try:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
except (OSError, ssl.SSLError):
    pass
"""
REQUEST = b"GET / HTTP/1.0\r\n\r\n"

CLIENTS = {
    "curl": ("curl", lambda p, ca: (["curl", "-s", "-o", "/dev/null", "-m", "5", "--cacert", ca,
                                     "--resolve", f"localhost:{p}:127.0.0.1",
                                     f"https://localhost:{p}/"], b"")),
    "curl -k": ("curl", lambda p, ca: (["curl", "-k", "-s", "-o", "/dev/null", "-m", "5",
                                        f"https://127.0.0.1:{p}/"], b"")),
    "gnutls-cli": ("gnutls-cli", lambda p, ca: (["gnutls-cli", "--x509cafile", ca, "-p", str(p),
                                                 "localhost"], REQUEST)),
    "gnutls-cli --insecure": ("gnutls-cli", lambda p, ca: (["gnutls-cli", "--insecure", "-p",
                                                            str(p), "localhost"], REQUEST)),
    "s_client -verify_return_error": ("openssl", lambda p, ca: (
        ["openssl", "s_client", "-quiet", "-connect", f"127.0.0.1:{p}", "-servername",
         "localhost", "-CAfile", ca, "-verify_return_error", "-verify_hostname", "localhost"],
        REQUEST)),
    "s_client": ("openssl", lambda p, ca: (["openssl", "s_client", "-quiet", "-connect",
                                            f"127.0.0.1:{p}", "-servername", "localhost",
                                            "-CAfile", ca], REQUEST)),
    "python ssl": (sys.executable, lambda p, ca: ([sys.executable, "-c", PY_CLIENT, str(p), ca,
                                                   "default"], b"")),
    "python CERT_NONE": (sys.executable, lambda p, ca: ([sys.executable, "-c", PY_CLIENT, str(p),
                                                         ca, "none"], b"")),
    "mosquitto_pub": ("mosquitto_pub", lambda p, ca: (
        ["mosquitto_pub", "-h", "localhost", "-p", str(p), "--cafile", ca, "-t", "t", "-m", "x"],
        b"")),
    "mosquitto_pub --insecure": ("mosquitto_pub", lambda p, ca: (
        ["mosquitto_pub", "-h", "localhost", "-p", str(p), "--cafile", ca, "--insecure", "-t",
         "t", "-m", "x"], b"")),
    "wget --no-check-certificate": ("wget", lambda p, ca: (
        ["wget", "-q", "-O", "/dev/null", "--tries=1", "--timeout=5", "--no-check-certificate",
         f"https://127.0.0.1:{p}/"], b"")),
}


def _curl_starttls(proto, insecure):
    return lambda p, ca: (["curl"] + (["-k"] if insecure else []) +
                          ["-s", "-o", "/dev/null", "-m", "5", "--ssl-reqd", "--cacert", ca,
                           "--resolve", f"localhost:{p}:127.0.0.1", f"{proto}://localhost:{p}/"],
                          b"")


def _s_client_starttls(proto, quit_line):
    return lambda p, ca: (["openssl", "s_client", "-quiet", "-starttls", proto, "-connect",
                           f"127.0.0.1:{p}", "-servername", "localhost", "-CAfile", ca,
                           "-verify_return_error", "-verify_hostname", "localhost"], quit_line)


def _gnutls_cli_starttls(proto, quit_line):
    return lambda p, ca: (["gnutls-cli", f"--starttls-proto={proto}", "--x509cafile", ca, "-p",
                           str(p), "localhost"], quit_line)


# --serve --starttls PROTO: (tool, make, the protocol).
STARTTLS_CLIENTS = {}
for _proto, _quit in [("smtp", b"QUIT\r\n"), ("imap", b"a9 LOGOUT\r\n"), ("pop3", b"QUIT\r\n"),
                      ("ftp", b"QUIT\r\n")]:
    STARTTLS_CLIENTS[f"curl --ssl-reqd {_proto}"] = ("curl", _curl_starttls(_proto, False), _proto)
    STARTTLS_CLIENTS[f"curl -k --ssl-reqd {_proto}"] = ("curl", _curl_starttls(_proto, True),
                                                        _proto)
    STARTTLS_CLIENTS[f"s_client -starttls {_proto}"] = ("openssl",
                                                        _s_client_starttls(_proto, _quit), _proto)
    STARTTLS_CLIENTS[f"gnutls-cli starttls {_proto}"] = (
        "gnutls-cli", _gnutls_cli_starttls(_proto, _quit), _proto)


def one_battery(tlsprobe, make, cwd, pause, starttls=None):
    started = time.perf_counter()
    proc = subprocess.Popen([tlsprobe, "--serve", "127.0.0.1:0", "--hostname", "localhost",
                             "--json", "--timeout", "120s", "--serve-wait", "5s"] +
                            (["--starttls", starttls] if starttls else []), cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    port = ca = None
    for raw in proc.stderr:
        m = re.search(rb"test CA written to (\S+) \(", raw)
        if m:
            ca = os.path.join(cwd, m[1].decode())
        m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", raw)
        if m:
            port = int(m[1])
            break
    listening = time.perf_counter()
    if port is None:
        sys.exit("tlsprobe did not listen")
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    out = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    client_time, runs = 0.0, 0
    while proc.poll() is None:
        argv, stdin = make(port, ca)
        t0 = time.perf_counter()
        try:
            subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=15)
        except subprocess.TimeoutExpired:
            pass
        client_time += time.perf_counter() - t0
        runs += 1
        if pause:
            time.sleep(pause)
    proc.wait()
    done = time.perf_counter()
    reader.join(10)
    doc = json.loads(out[0])
    accepted_bad = sum(1 for t in doc["client_tests"]
                       if t["kind"] == "certificate" and t["accepted"])
    return {"startup": listening - started, "battery": done - listening,
            "connections": doc["serve"]["connections"], "client": client_time, "runs": runs,
            "accepted_bad": accepted_bad, "complete": doc["serve"]["complete"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tlsprobe")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pause", type=float, default=0.0,
                    help="seconds between a client's reconnects (default 0)")
    ap.add_argument("--only", default="",
                    help="only the clients whose name contains this (e.g. starttls)")
    args = ap.parse_args()
    args.tlsprobe = os.path.abspath(args.tlsprobe)
    print(f"{'client':30} {'battery s':>9} {'conns':>5} {'ms/conn':>8} {'client s':>8} "
          f"{'start s':>7} {'bad ok':>6}")
    rows = [(n, t, m, None) for n, (t, m) in CLIENTS.items()] + \
        [(n, t, m, proto) for n, (t, m, proto) in STARTTLS_CLIENTS.items()]
    for name, tool, make, starttls in rows:
        if args.only not in name:
            continue
        if shutil.which(tool) is None:
            print(f"{name:30} skipped: {tool} not installed")
            continue
        results = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as d:
                results.append(one_battery(args.tlsprobe, make, d, args.pause, starttls))
        med = {k: statistics.median(r[k] for r in results)
               for k in ("startup", "battery", "connections", "client")}
        bad = sorted({r["accepted_bad"] for r in results})
        complete = all(r["complete"] for r in results)
        print(f"{name:30} {med['battery']:9.2f} {med['connections']:5.0f} "
              f"{1000 * med['battery'] / med['connections']:8.1f} {med['client']:8.2f} "
              f"{med['startup']:7.2f} {','.join(map(str, bad)):>6}"
              f"{'' if complete else '  INCOMPLETE'}")


if __name__ == "__main__":
    main()
