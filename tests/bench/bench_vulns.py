#!/usr/bin/python3
"""Benchmark of `tlsprobe --vulns` (issue 11) against `testssl -U` on the
same local servers, and the verdicts side by side.

Servers (127.0.0.1 only; the integration tests' ServerFactory and scripted
peer): gnutls-serv, openssl s_server, nginx (real, current: nothing
vulnerable but client-initiated renegotiation where the server allows it),
and tests/integration/peers/vulnerable_server.py in its heartbleed, ccs and
robot modes (scripted vulnerable peers: the positives).

For each tool and server: wall time (median of --runs) and the verdict on
Heartbleed, CCS injection, ROBOT, secure and client-initiated
renegotiation: "vulnerable", "not vulnerable", "unknown" (tlsprobe's JSON;
testssl's flat JSON severity: OK/INFO -> not vulnerable, LOW..CRITICAL ->
vulnerable, WARN or a missing id -> unknown). sslyze is not packaged in
Debian: not run.

Usage: tests/bench/bench_vulns.py BUILD/src/tlsprobe [--runs N] [--servers a,b]
       [--no-testssl]
Exit status: 0, or 1 when tlsprobe called a real server vulnerable to
Heartbleed, CCS injection or ROBOT, or missed a scripted positive."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
INTEGRATION = ROOT / "tests" / "integration"
sys.dont_write_bytecode = True
sys.path.insert(0, str(INTEGRATION))
import conftest  # noqa: E402

CHECKS = {  # tlsprobe id -> testssl id
    "heartbleed": "heartbleed",
    "ccs-injection": "CCS",
    "robot": "ROBOT",
    "insecure-renegotiation": "secure_renego",
    "client-renegotiation": "secure_client_renego",
}
POSITIVE = {"peer-heartbleed": "heartbleed", "peer-ccs": "ccs-injection", "peer-robot": "robot"}
REAL = ("gnutls", "openssl", "nginx")


def start(factory, pki, name, peers):
    if name == "gnutls":
        return factory.gnutls()
    if name == "openssl":
        return factory.openssl()
    if name == "nginx":
        return factory.nginx()
    mode = name.split("-", 1)[1]
    peer = conftest.Responder("vulnerable_server.py", [mode, pki / "leaf.pem", pki / "leaf.key"])
    peers.append(peer)
    return peer


def run_tlsprobe(exe, port):
    t0 = time.monotonic()
    proc = subprocess.run([exe, "--vulns", "--json", f"127.0.0.1:{port}"], capture_output=True,
                          timeout=300)
    elapsed = time.monotonic() - t0
    doc = json.loads(proc.stdout)
    verdicts = {v["id"]: v["result"] for v in doc.get("vulnerabilities") or []}
    return elapsed, {k: verdicts.get(k, "unknown") for k in CHECKS}


def testssl_verdict(entries, tid):
    sev = [e.get("severity") for e in entries if e.get("id") == tid]
    if not sev:
        return "unknown"
    if sev[0] in ("OK", "INFO"):
        return "not vulnerable"
    if sev[0] in ("LOW", "MEDIUM", "HIGH", "CRITICAL"):
        return "vulnerable"
    return "unknown"


def run_testssl(port, workdir):
    out = workdir / f"testssl-{port}-{time.monotonic_ns()}.json"
    t0 = time.monotonic()
    subprocess.run(["testssl", "-U", "--quiet", "--color", "0", "--warnings", "off",
                    "--jsonfile", str(out), f"127.0.0.1:{port}"],
                   capture_output=True, timeout=1800)
    elapsed = time.monotonic() - t0
    entries = json.loads(out.read_text()) if out.exists() else []
    return elapsed, {k: testssl_verdict(entries, t) for k, t in CHECKS.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tlsprobe")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--servers", default=",".join(REAL + tuple(POSITIVE)))
    ap.add_argument("--no-testssl", action="store_true")
    args = ap.parse_args()
    use_testssl = not args.no_testssl and shutil.which("testssl") is not None
    if not use_testssl and not args.no_testssl:
        print("testssl is not installed: skipped (bash .ci/deps --bench)", file=sys.stderr)
    workdir = Path(tempfile.mkdtemp(prefix="bench-vulns-"))
    pki = workdir / "pki"
    subprocess.run(["sh", str(conftest.MKPKI), str(pki)], check=True, capture_output=True,
                   timeout=120)
    shim = Path(args.tlsprobe).resolve().parent.parent / "tests/integration/bind_loopback.so"
    os.environ["TP_BIND_LOOPBACK"] = str(shim)
    (workdir / "servers").mkdir()
    factory = conftest.ServerFactory(workdir / "servers", pki)
    peers, bad = [], False
    print(f"{'server':18} {'tool':9} {'median s':>9}  " + "  ".join(f"{k:>22}" for k in CHECKS))
    try:
        for name in args.servers.split(","):
            server = start(factory, pki, name, peers)
            tools = [("tlsprobe", lambda p: run_tlsprobe(args.tlsprobe, p))]
            if use_testssl:
                tools.append(("testssl", lambda p: run_testssl(p, workdir)))
            for tool, fn in tools:
                times, verdict = [], None
                for _ in range(args.runs if tool == "tlsprobe" else 1):
                    t, verdict = fn(server.port)
                    times.append(t)
                print(f"{name:18} {tool:9} {statistics.median(times):9.2f}  " +
                      "  ".join(f"{verdict[k]:>22}" for k in CHECKS), flush=True)
                if tool != "tlsprobe":
                    continue
                if name in REAL and any(verdict[k] == "vulnerable"
                                        for k in ("heartbleed", "ccs-injection", "robot")):
                    bad = True
                if name in POSITIVE and verdict[POSITIVE[name]] != "vulnerable":
                    bad = True
    finally:
        factory.stop_all()
        for p in peers:
            p.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
