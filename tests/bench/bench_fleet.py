#!/usr/bin/python3
"""Benchmark of fleets (issue 10): `tlsprobe --targets` over 1,000 targets on
loopback, against the same list run one process per target (`xargs -P` with
the same parallelism), for the handshake report and for --enum (a shorter
list), with peak RSS; and `openssl s_time` against one listener as the
server's own ceiling.

Servers (started and stopped here, 127.0.0.1 only): four nginx instances,
one worker each, 50 `listen` ports each (200 listeners), of a few kinds:
TLS 1.2 + 1.3, TLS 1.3 only, TLS 1.2 only, and TLS 1.2 + 1.3 with HTTP/2.
(gnutls-serv and openssl s_server serve one connection at a time, so they
would measure themselves, not tlsprobe.) The targets cycle over the
listeners, each `127.0.0.1:PORT sni=localhost`, checked against the
bench's own CA, so every run is a complete, trusted handshake (exit 0).

Peak RSS (GNU time's %M): of the one fleet process; for xargs, the
largest single tlsprobe process, and that times the parallelism as the
total in flight (an upper bound: shared library pages count in every
process's RSS). A longer list (--long-targets) at the first --jobs shows
that the fleet's memory follows the jobs, not the length of the list.

Usage: tests/bench/bench_fleet.py TLSPROBE [--targets 1000] [--enum-targets 100]
       [--jobs 8,32] [--s-time 5]"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_handshake import free_port, make_cert, wait_port  # noqa: E402

PORTS_PER_NGINX = 50
KINDS = [
    ("tls12+13", "TLSv1.2 TLSv1.3", ""),
    ("tls13", "TLSv1.3", ""),
    ("tls12", "TLSv1.2", ""),
    ("tls12+13-h2", "TLSv1.2 TLSv1.3", " http2"),
]


def start_nginx(workdir, cert, key, protocols, extra):
    """One nginx, one worker, PORTS_PER_NGINX loopback listeners."""
    ports = []
    while len(ports) < PORTS_PER_NGINX:
        p = free_port()
        if p not in ports:
            ports.append(p)
    listens = "\n".join(f"        listen 127.0.0.1:{p} ssl{extra};" for p in ports)
    workdir.mkdir()
    conf = f"""
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 8192;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    server {{
{listens}
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols {protocols};
        location / {{ return 200 "bench\\n"; }}
    }}
}}
"""
    (workdir / "nginx.conf").write_text(conf)
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([exe, "-e", str(workdir / "error.log"), "-p", str(workdir), "-c",
                             str(workdir / "nginx.conf")], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    for p in ports:
        wait_port(p)
    return proc, ports


def stop(proc):
    try:
        os.killpg(proc.pid, 15)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def run_measured(argv, workdir, stdin_path=None):
    """Run argv to completion under GNU time; (seconds, exit status, peak RSS
    in MiB of the largest process of its tree, stdout bytes). GNU time, not
    wait4() here: a child's peak RSS counts the process it was forked from
    (Linux keeps the high-water mark across exec), and this Python is larger
    than tlsprobe."""
    env = dict(os.environ, NO_COLOR="1")
    env.pop("LD_PRELOAD", None)
    rss_file, out_file = workdir / "rss.txt", workdir / "stdout.txt"
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    with open(out_file, "wb") as out:
        started = time.perf_counter()
        rc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(rss_file)] + argv,
                            stdin=stdin, stdout=out, stderr=subprocess.DEVNULL,
                            env=env).returncode
        elapsed = time.perf_counter() - started
    if stdin_path:
        stdin.close()
    return elapsed, rc, int(rss_file.read_text().split()[-1]) / 1024.0, out_file.read_bytes()


def count_docs(out, want):
    docs = out.count(b"\n")
    if docs != want:
        sys.exit(f"expected {want} documents, got {docs}")


def s_time(port, ca, seconds):
    """openssl s_time: full handshakes a second from one client, no reuse."""
    out = subprocess.run(["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new",
                          "-time", str(seconds), "-CAfile", ca],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    for line in out.splitlines():  # "N connections in T real seconds, ..."
        if "real seconds" in line:
            parts = line.split()
            return float(parts[0]) / float(parts[3])
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tlsprobe")
    ap.add_argument("--targets", type=int, default=1000)
    ap.add_argument("--enum-targets", type=int, default=100)
    ap.add_argument("--jobs", default="8,32")
    ap.add_argument("--s-time", type=int, default=5)
    ap.add_argument("--long-targets", type=int, default=5000,
                    help="a longer list with the first --jobs: RSS must stay flat")
    a = ap.parse_args()
    tlsprobe = os.path.abspath(a.tlsprobe)
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("GNU time (/usr/bin/time) not installed (Debian package time)")
    for tool in ("nginx", "openssl", "xargs"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"{tool} not installed (bash .ci/deps --bench)")
    jobs_list = [int(j) for j in a.jobs.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        ca, cert, key = make_cert(str(d))
        servers, ports = [], []
        try:
            for i, (_, protocols, extra) in enumerate(KINDS):
                proc, p = start_nginx(d / f"nginx-{i}", cert, key, protocols, extra)
                servers.append(proc)
                ports += p
            ceiling = s_time(ports[0], ca, a.s_time)
            long_list = d / "fleet-long.txt"
            long_list.write_text("".join(f"127.0.0.1:{ports[i % len(ports)]} sni=localhost\n"
                                         for i in range(a.long_targets)))
            t, rc, rss, out = run_measured([tlsprobe, "--targets", str(long_list), "--jobs",
                                            str(jobs_list[0]), "--json", "--ca-file", ca], d)
            if rc != 0:
                sys.exit(f"fleet run exited {rc}")
            count_docs(out, a.long_targets)
            rows.append(("report", a.long_targets, jobs_list[0], "tlsprobe --targets", t,
                         a.long_targets / t, rss, rss))
            # The system trust store instead of --ca-file: the store is loaded
            # once per process, not once per target (every target is then
            # untrusted, exit 1: the bench CA is not in the store).
            sys_list = d / "fleet-system-store.txt"
            sys_list.write_text("".join(f"127.0.0.1:{ports[i % len(ports)]} sni=localhost\n"
                                        for i in range(a.targets)))
            t, rc, rss, out = run_measured([tlsprobe, "--targets", str(sys_list), "--jobs",
                                            str(jobs_list[0]), "--json"], d)
            if rc != 1:
                sys.exit(f"fleet run with the system store exited {rc}, expected 1")
            count_docs(out, a.targets)
            rows.append(("report, system store", a.targets, jobs_list[0], "tlsprobe --targets",
                         t, a.targets / t, rss, rss))
            for name, n, extra in (("report", a.targets, []),
                                   ("--enum", a.enum_targets, ["--enum"])):
                fleet_list = d / f"fleet-{name}.txt"
                plain_list = d / f"plain-{name}.txt"
                targets = [ports[i % len(ports)] for i in range(n)]
                fleet_list.write_text("".join(f"127.0.0.1:{p} sni=localhost\n" for p in targets))
                plain_list.write_text("".join(f"127.0.0.1:{p}\n" for p in targets))
                for jobs in jobs_list:
                    common = ["--json", "--ca-file", ca] + extra
                    t, rc, rss, out = run_measured([tlsprobe, "--targets", str(fleet_list),
                                                    "--jobs", str(jobs)] + common, d)
                    if rc != 0:
                        sys.exit(f"fleet run exited {rc}")
                    count_docs(out, n)
                    rows.append((name, n, jobs, "tlsprobe --targets", t, n / t, rss, rss))
                    xt, xrc, xrss, xout = run_measured(
                        ["xargs", "-P", str(jobs), "-n", "1", tlsprobe, "--sni", "localhost"]
                        + common, d, stdin_path=plain_list)
                    if xrc != 0:
                        sys.exit(f"xargs run exited {xrc}")
                    # Single runs print indented documents, each ending "\n}\n".
                    if xout.count(b"\n}\n") != n:
                        sys.exit(f"xargs: expected {n} documents")
                    rows.append((name, n, jobs, "xargs -P, one process each", xt, n / xt, xrss,
                                 xrss * jobs))
        finally:
            for proc in servers:
                stop(proc)
    print(f"\nFleet benchmark: {len(ports)} nginx listeners on 127.0.0.1 "
          f"({len(KINDS)} kinds), {os.cpu_count()} CPUs")
    print(f"{'mode':20} {'targets':>7} {'jobs':>4}  {'runner':28} {'time s':>7} "
          f"{'targets/s':>9} {'peak RSS MiB':>12} {'all procs MiB':>13}")
    for name, n, jobs, runner, t, rate, rss, total in rows:
        print(f"{name:20} {n:7d} {jobs:4d}  {runner:28} {t:7.2f} {rate:9.1f} {rss:12.1f} "
              f"{total:13.1f}")
    print(f"\nopenssl s_time -new against one listener (one client, {a.s_time} s): "
          f"{ceiling:.1f} handshakes/s")


if __name__ == "__main__":
    main()
