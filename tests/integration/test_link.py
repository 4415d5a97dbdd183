"""tlsprobe behind a packet-level emulated link (tests/tools/packet_delay.py):
the code paths that switch on only behind a slow link (half-closed version
probes, connections opened ahead and paced, the report's other-chain
handshake with its FIN behind the hello, the checks' half-closed flights,
the scan starting before the report's connect; see scan/plan.h) give the
same answers as on loopback.

Each server runs inside the link's server namespace and tlsprobe inside its
client namespace; every frame between them, SYNs included, crosses the
forwarder, which delays it RTT_MS / 2 each way. The truth for each answer
is the same server configuration enumerated by tlsprobe on loopback, where
none of these paths runs (test_enum.py checks those answers against
openssl s_client and gnutls-cli).

Needs root, iproute2 and ethtool (.ci/deps); skipped, saying why, where
network namespaces cannot be created. Only 198.18.0.0/24 inside the
namespaces the link creates is used, and the namespaces are deleted at the
end, pass or fail."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROCESS_TIMEOUT, ServerFactory, explain, run_json
from test_enum import LEGACY_PRIORITY, OPENSSL_ALL, TLS13_SUITES, accepted, supported

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import packet_delay  # noqa: E402

# Clearly above both slow-link thresholds of scan/plan.h: PLAN_SLOW_LINK_MS
# (20 ms, from a slow connect) and PLAN_SLOW_RELAY_MS (100 ms, from the hello
# round trip alone), and short enough to keep the file under a minute and a
# half on a loaded 2-core machine.
RTT_MS = 150
VERSIONS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]

# name -> start(factory): the servers of tests/bench/bench_enum.py. gnutls-serv
# and openssl s_server serve one connection at a time (the half-close and
# the FINs exist for them), nginx many at once.
SERVERS = {
    "gnutls-legacy": lambda f: f.gnutls(priority=LEGACY_PRIORITY),
    "openssl-all": lambda f: f.openssl(extra=["-cipher", OPENSSL_ALL,
                                              "-ciphersuites", ":".join(TLS13_SUITES)]),
    # Two chains (RSA and ECDSA): the report's other-chain handshake, sent
    # with its FIN behind the hello beside --enum on a slow link, has one
    # to find.
    "nginx": lambda f: f.nginx(protocols="TLSv1.2 TLSv1.3",
                               more_certs=[("ecdsa-fullchain.pem", "ecdsa.key")]),
}

# One line per probe from scan/runner.c's trace_probe.
PROBE_LINE = re.compile(r"^trace +\d+ \.\. *(\d+) job=\S+ v=([0-9a-f]{4}) .* -> (\w+) "
                        r".* conn=(\d+) first=(\d+)", re.M)


# --------------------------------------------------------------------------
# The link and the servers on either side of it


def _require(name):
    if shutil.which(name) is None and not os.access(f"/usr/sbin/{name}", os.X_OK):
        pytest.skip(f"{name} is not installed (iproute2 / ethtool: bash .ci/deps)")


@pytest.fixture(scope="module")
def link():
    """The emulated link, RTT_MS round trip, no rate limit; its namespaces
    and forwarder are removed at the end of the module, pass or fail."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the emulated link lives in network namespaces")
    _require("ip")
    _require("ethtool")
    lk = packet_delay.Link(rtt_ms=RTT_MS, down_kbit=0, up_kbit=0)
    try:
        lk.__enter__()  # removes what it made if it fails
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"network namespaces cannot be created here: {' '.join(exc.cmd)}: "
                    f"{(exc.stderr or '').strip()}")
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"the emulated link did not come up: {exc}")
    try:
        yield lk
    finally:
        lk.close()


@pytest.fixture(scope="module")
def ends(link, pki, tmp_path_factory):
    """ends(name) -> (server inside the server namespace, the same
    configuration on loopback), each started once for the module."""
    far = ServerFactory(tmp_path_factory.mktemp("far"), pki, host=link.server_addr,
                        wrap=link.server_exec([]))
    near = ServerFactory(tmp_path_factory.mktemp("near"), pki)
    started = {}

    def get(name):
        if name not in started:
            started[name] = (SERVERS[name](far), SERVERS[name](near))
        return started[name]

    try:
        yield get
    finally:
        # Before the link's namespaces go.
        far.stop_all()
        near.stop_all()


def run_behind(link, args, timeout=PROCESS_TIMEOUT):
    """tlsprobe --json args inside the client namespace, TLSPROBE_TRACE on
    (its per-probe timeline comes back on stderr)."""
    return run_json(args, timeout, prefix=link.client_exec([]), env={"TLSPROBE_TRACE": "1"})


def run_here(args, timeout=PROCESS_TIMEOUT):
    """tlsprobe --json args on loopback (the truth), without the trace."""
    return run_json(args, timeout)


# --------------------------------------------------------------------------
# What an enumeration found


def suites(doc):
    return {v: accepted(doc, v) for v in VERSIONS}


def groups(doc):
    return {(g["name"], tuple(sorted(g["versions"]))) for g in doc["groups"]}


def chains(doc):
    """The report's chain and its other chains: [(key type or None,
    [(subject, sha256)], verification)]."""
    def certs(cs):
        return [(c["subject"], c["sha256"]) for c in cs]
    return [(None, certs(doc["certificates"]), doc["verification"])] + \
        [(o["key_type"], certs(o["certificates"]), o["verification"])
         for o in doc["other_chains"] or []]


def sigschemes(doc):
    return {s["name"] for s in doc["signature_schemes"]}


def probes(trace):
    """[(began_ms, version, outcome, connect_ms, first_byte_ms)] from the trace."""
    return [(int(b), v, o, int(c), int(f)) for b, v, o, c, f in PROBE_LINE.findall(trace)]


def short(res):
    """explain() without the trace, which would drown the message."""
    return explain(res._replace(stderr="(trace: %d lines)" % res.stderr.count("\n")))


def check_same_scan(far, near, name):
    """The scan's sets and the report's chains, behind the link and on
    loopback, are equal."""
    assert supported(far.doc) == supported(near.doc), f"{name}\n{short(far)}"
    got, want = suites(far.doc), suites(near.doc)
    for v in VERSIONS:
        assert got[v] == want[v], (
            f"{name} {v} behind the link: extra {sorted(got[v] - want[v])}, missing "
            f"{sorted(want[v] - got[v])}\n{short(far)}")
    assert groups(far.doc) == groups(near.doc), f"{name}\n{short(far)}"
    assert sigschemes(far.doc) == sigschemes(near.doc), f"{name}\n{short(far)}"
    assert far.doc["features"]["scan_complete"]["value"] is True, \
        far.doc["features"]["scan_complete"]
    assert any(want.values()), f"{name}: the loopback truth accepted nothing\n{short(near)}"
    assert chains(far.doc) == chains(near.doc), f"{name}\n{short(far)}"


def check_slow_paths(res, name):
    """The scan saw the link and took its slow-link paths: the JSON says
    so, phase 1's probes connected across the link, later probes found
    their connection opened ahead (a connect of 0 ms where one costs a
    round trip), and the report's other-chain handshake sent its FIN behind
    the hello (run/chains.c, beside --enum on a slow link only)."""
    e = res.doc["enumeration"]
    assert e["slow_link"] is True, e
    # The shortest hello round trip: the link's, plus at most a loaded
    # machine's delays (the forwarder itself is a Python process).
    assert RTT_MS * 0.9 <= e["rtt_ms"] <= RTT_MS * 3, e
    seen = probes(res.stderr)
    assert seen, f"{name}: no probe in the trace\n{res.stderr[-2000:]}"
    first = [p for p in seen if p[0] == min(q[0] for q in seen)]
    assert all(p[3] >= RTT_MS * 0.9 for p in first), (name, first)
    ahead = [p for p in seen if p[3] < RTT_MS / 3]
    assert ahead, f"{name}: no probe ran on a connection opened ahead:\n{seen[:60]}"
    assert "other chain (FIN)" in res.stderr, f"{name}:\n{res.stderr[-3000:]}"


# --------------------------------------------------------------------------
# 1. The scan alone behind the link equals the scan on loopback


@pytest.mark.parametrize("name", list(SERVERS))
def test_scan_behind_link(link, ends, name):
    far_server, near_server = ends(name)
    # The name the certificates carry: the chains verify alike on both ends.
    near = run_here(["--enum", "--no-vulns", "--sni", "localhost", near_server.target])
    assert near.doc["enumeration"]["slow_link"] is False, near.doc["enumeration"]
    far = run_behind(link, ["--enum", "--no-vulns", "--sni", "localhost", far_server.target])
    check_same_scan(far, near, name)
    check_slow_paths(far, name)
    if name == "nginx":
        assert [c[0] for c in chains(near.doc)] == [None, "ECDSA"], chains(near.doc)
        # The ECDSA chain came with the FIN-behind-hello handshake itself,
        # not with the second connection asked when that one brings nothing
        # (in TLS 1.3 the Certificate follows our compatibility
        # ChangeCipherSpec, which the FIN used to fail with EPIPE).
        assert re.search(r"other chain \(FIN\): status 0, [1-9]\d* certs", far.stderr), \
            "\n".join(line for line in far.stderr.splitlines() if "chain" in line)


# --------------------------------------------------------------------------
# 2. The vulnerability checks behind the link answer as on loopback


@pytest.mark.parametrize("name", ["gnutls-legacy", "openssl-all"])
def test_checks_behind_link(link, ends, name):
    """Plain --enum (the checks included) on the serial servers: every check
    answers as on loopback (the checks half-close their flights and send
    ROBOT's vectors behind their records on a slow link, vuln/conv.h;
    key-share-reuse runs its handshakes at once). openssl s_server also
    decides early-data-replay, over a TLS 1.3 ticket."""
    far_server, near_server = ends(name)
    near = run_here(["--enum", "--sni", "localhost", near_server.target])
    far = run_behind(link, ["--enum", "--sni", "localhost", far_server.target])
    want = {v["id"]: v for v in near.doc["vulnerabilities"]}
    got = {v["id"]: v for v in far.doc["vulnerabilities"]}
    assert list(got) == list(want), short(far)
    differ = {i: (got[i]["result"], got[i]["detail"], want[i]["result"], want[i]["detail"])
              for i in want if got[i]["result"] != want[i]["result"]}
    assert not differ, f"behind the link vs loopback: {differ}"
    # A check that could not decide on loopback proves nothing here.
    decided = [i for i, v in want.items() if v["result"] != "unknown"]
    assert len(decided) >= len(want) // 2, want
    check_same_scan(far, near, name)
    assert far.doc["enumeration"]["slow_link"] is True, far.doc["enumeration"]


# --------------------------------------------------------------------------
# 3. The report alone


@pytest.mark.parametrize("name", ["openssl-all", "nginx"])
def test_report_behind_link(link, ends, pki, name):
    far_server, near_server = ends(name)
    args = ["--ca-file", pki / "root.pem", "--sni", "localhost"]
    near = run_here(args + [near_server.target])
    far = run_behind(link, args + [far_server.target])
    assert far.doc.get("error") is None, short(far)
    assert far.rc == near.rc == 0, f"{short(far)}\n{short(near)}"
    for key in ("version", "cipher_suite", "group"):
        assert far.doc["handshake"][key] == near.doc["handshake"][key], (key, short(far))
    got = chains(far.doc)
    assert got == chains(near.doc), short(far)
    assert len(got[0][1]) >= 2, got
    assert got[0][2]["trusted"] is True, got
    # The FIN behind the other-chain hello is --enum's alone.
    assert "(FIN)" not in far.stderr, far.stderr[-2000:]


# --------------------------------------------------------------------------
# 4. --timing measures the link's round trips


@pytest.mark.parametrize("name,max_version,trips", [("nginx", "1.3", 1),
                                                    ("openssl-all", "1.2", 2)])
def test_timing_behind_link(link, ends, pki, name, max_version, trips):
    """The connect is one round trip and a full handshake `trips` of them:
    near the emulated RTT, with loose bounds (a shared machine delays the
    forwarder and the server, never the other way)."""
    far_server, _ = ends(name)
    res = run_behind(link, ["--timing", "--tls-max", max_version, "--ca-file",
                            pki / "root.pem", "--sni", "localhost", far_server.target])
    assert res.rc == 0, short(res)
    t = res.doc["timing"]
    assert t["complete"] and t["round_trips"] == trips, t
    assert RTT_MS * 0.9 <= t["connect_ms"] <= RTT_MS * 3 + 200, t
    assert trips * RTT_MS * 0.9 <= t["handshake_ms"] <= trips * RTT_MS * 3 + 500, t
