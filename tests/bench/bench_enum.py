#!/usr/bin/python3
"""Benchmark of `tlsprobe --enum` (issue 3): full enumeration of local servers,
side by side in one run with sslscan, testssl.sh and nmap's ssl-enum-ciphers.

Servers (started and stopped here, 127.0.0.1 only, by the integration tests'
own ServerFactory in tests/integration/conftest.py):
  gnutls-legacy       gnutls-serv, NORMAL + TLS 1.0/1.1 + RC4, 3DES, NULL, anon DH/ECDH
  openssl-all         openssl s_server, ALL:COMPLEMENTOFALL:@SECLEVEL=0, TLS 1.0-1.3,
                      all five TLS 1.3 suites
  nginx-modern        nginx, TLS 1.3 only
  nginx-intermediate  nginx, TLS 1.2 and 1.3 (nginx's default cipher list)
The servers devices talk to (issue 7), with --servers or --device:
  lighttpd-wolfssl    lighttpd + mod_wolfssl at its defaults (aborts status_request)
  lighttpd-mbedtls    lighttpd + mod_mbedtls at its defaults
  mosquitto-mtls      mosquitto, require_certificate true (tlsprobe gets --cert/--key,
                      sslscan --certs/--pk)
  mosquitto-psk       mosquitto, psk_file + psk_hint, no certificate (tlsprobe gets
                      --psk-identity/--psk-key; the others have no way to give a PSK)
  gnutls-psk          gnutls-serv --pskpasswd, no certificate (PSK, DHE-PSK, ECDHE-PSK)
  nginx-sni-only      nginx with ssl_reject_handshake on the default server (every
                      tool is given the name: --sni, --sni-name, tls.servername)
  openssl-dual        openssl s_server -cert RSA + -dcert ECDSA (no ECDSA intermediate)

For each tool and server: wall time (median of --runs), TCP connections (the
distinct SYNs to the server's port that a `tcpdump -i lo` capture started by
this script sees while the tool runs; nmap's port-scan SYN counts too), and
accuracy: the set of accepted (version, suite) the tool reports against ground
truth derived independently of every tool here (each suite the server's own
library knows, offered alone per version by `openssl s_client` or
`gnutls-cli --priority`; the code of tests/integration/test_enum.py). Debian's
OpenSSL and GnuTLS cannot speak SSL 2.0 or 3.0, so for those two versions the
truth is "nothing": anything a tool reports there is a false positive.
Names are mapped to code points by what each tool itself prints: tlsprobe's
JSON and sslscan's XML carry the code; testssl's JSON ids carry it
(cipher-tls1_2_xc030); nmap's IANA-style names map through nmap's own table
(nselib/tls.lua).

Then the same behind a packet-level emulated link (tests/tools/packet_delay.py:
client, router and server network namespaces; every frame, SYN and SYN-ACK
included, crosses a forwarder that delays it by half the round trip, so TCP
runs end to end and every connect() costs a real round trip) for tlsprobe,
sslscan and nmap; testssl only with --slow (it takes many minutes there).
The servers are started again inside the server namespace (listening on its
198.18.0.2), the tools and tcpdump run in the client namespace; the ground
truth is the loopback one (same configuration). --rtt MS (repeatable;
default 300) sets the round trip: 300 ms is a slow mobile link, 1600 ms
NB-IoT. The mosquitto servers (pytest fixtures bound to 127.0.0.1) run on
loopback only.

Aims: >= 10x faster than sslscan and nmap, >= 100x faster than testssl on
loopback (issue 3); behind the link (issue 10) under 3 s at 300 ms and
under 20 s at 1600 ms, and >= 10x faster than nmap; fewer connections than
nmap; no false positive or negative.

Since issue 11, `--enum` also runs the vulnerability checks of `--vulns`
after its scan, and tlsprobe's figures include them (they are part of what
--enum does; sslscan's and nmap's figures have no such checks, testssl's
none either as run here). Their cost is printed apart: wall time minus the
scan's own enumeration.elapsed_ms, and connections seen minus the scan's
enumeration.connections (the report's handshake is in both remainders).

Needs root (tcpdump, network namespaces), gnutls-bin, openssl, nginx,
certtool, iproute2, ethtool, sslscan, testssl, nmap (`bash .ci/deps --bench`);
a missing scanner is skipped and said.
Usage: tests/bench/bench_enum.py BUILD/src/tlsprobe [--slow] [--runs N]
       [--servers a,b] [--device] [--tools a,b] [--rtt MS]... [--no-link]
Exit status: 0, or 1 when tlsprobe itself reported a false positive or
negative or failed; 77 when not root. Only 127.0.0.1 and the namespaces'
198.18.0.0/24 are contacted.
"""
import argparse
import json
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
INTEGRATION = ROOT / "tests" / "integration"
# Wall-time aims behind the link (issue 10), by round trip in ms.
LINK_AIMS = {300: 3.0, 1600: 20.0}

# The integration tests' server factory and ground truth, imported as they
# are (pytest is only needed for the names they import; nothing here runs
# under pytest). No __pycache__ is left in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, str(INTEGRATION))
import conftest  # noqa: E402
import test_enum  # noqa: E402
import test_intolerance  # noqa: E402
import test_psk  # noqa: E402
sys.path.insert(0, str(ROOT / "tests" / "tools"))
import packet_delay  # noqa: E402

# pytest.fail()/skip() raise these (BaseException subclasses) from the
# factory when a server does not start.
HARNESS_ERRORS = (Exception, conftest.pytest.fail.Exception, conftest.pytest.skip.Exception)

VERSIONS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
TLS_VERSIONS = VERSIONS[2:]
TOOL_TIMEOUT = 1800.0
SYN_FILTER = "tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0 and dst port {port}"


def code_key(version, code):
    """Suite code as "0xC02F"; SSL 2.0 cipher kinds are three bytes
    ("0x0700C0", RFC 6101 App. E)."""
    value = code if isinstance(code, int) else int(re.sub(r"^0?x", "", str(code).lower()), 16)
    width = 6 if version == "SSLv2" or value > 0xFFFF else 4
    return "0x" + format(value, f"0{width}X")


# --------------------------------------------------------------------------
# Counting connections: a tcpdump capture on lo of the SYNs to one port.


class SynCapture:
    """tcpdump -i IFACE -w FILE for SYNs (without ACK) to port, for the
    duration of a `with` block; .connections is the number of distinct
    (source port, ISN) pairs, .syns every SYN (retransmissions included).
    wrap runs tcpdump elsewhere (the client's network namespace)."""

    def __init__(self, port, path, iface="lo", wrap=()):
        self.port = port
        self.path = path
        self.iface = iface
        self.wrap = list(wrap)
        self.proc = None
        self.connections = None
        self.syns = None
        self.dropped = 0

    def __enter__(self):
        # --immediate-mode: each packet is handed over at once; without it
        # TPACKET_V3 holds a block up to a second and a capture stopped
        # sooner loses the SYNs of a short run.
        argv = self.wrap + ["tcpdump", "-i", self.iface, "-n", "--immediate-mode", "-U", "-s", "96",
                "-w", str(self.path), SYN_FILTER.format(port=self.port)]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        # tcpdump says "listening on lo" once the filter is attached: only
        # then may the tool start, or its first SYNs go uncounted.
        deadline = time.monotonic() + 10
        seen = b""
        while b"listening on" not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self._stop()
                raise RuntimeError(f"tcpdump did not start: {seen.decode(errors='replace')}")
            ready, _, _ = select.select([self.proc.stderr], [], [], left)
            if ready:
                seen += os.read(self.proc.stderr.fileno(), 4096)
        return self

    def __exit__(self, *exc):
        # Let the kernel hand over the last packets before stopping.
        time.sleep(0.2)
        tail = self._stop()
        m = re.search(rb"(\d+) packets? dropped by kernel", tail)
        self.dropped = int(m.group(1)) if m else 0
        self.syns, self.connections = count_syns(self.path)
        return False

    def _stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err or b""


def count_syns(path):
    """(SYN packets, distinct (sport, seq)) in a pcap file (classic format,
    Ethernet, Linux cooked v1/v2 link types; IPv4 and IPv6)."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        raise RuntimeError(f"{path}: not a pcap file")
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
              b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None:
        raise RuntimeError(f"{path}: unknown pcap magic {magic.hex()}")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    syns, seen = 0, set()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:        # DLT_EN10MB
            ethertype, l3 = struct.unpack(">H", pkt[12:14])[0], pkt[14:]
        elif linktype == 113:    # DLT_LINUX_SLL
            ethertype, l3 = struct.unpack(">H", pkt[14:16])[0], pkt[16:]
        elif linktype == 276:    # DLT_LINUX_SLL2
            ethertype, l3 = struct.unpack(">H", pkt[0:2])[0], pkt[20:]
        else:
            raise RuntimeError(f"{path}: link type {linktype} not handled")
        if ethertype == 0x0800 and len(l3) >= 20 and l3[9] == 6:
            tcp = l3[(l3[0] & 0x0F) * 4:]
        elif ethertype == 0x86DD and len(l3) >= 40 and l3[6] == 6:
            tcp = l3[40:]
        else:
            continue
        if len(tcp) < 8:
            continue
        sport, _, seq = struct.unpack(">HHI", tcp[:8])
        syns += 1
        seen.add((sport, seq))
    return syns, len(seen)


# --------------------------------------------------------------------------
# The tools: how each is run and how its answer becomes {(version, code)}.


def nmap_name_table():
    """nmap's own IANA-style suite names -> code, from nselib/tls.lua."""
    out = subprocess.run(["nmap", "--version"], capture_output=True, text=True).stdout
    candidates = [Path("/usr/share/nmap/nselib/tls.lua"),
                  Path("/usr/local/share/nmap/nselib/tls.lua")]
    m = re.search(r"Nmap version (\S+)", out)
    for path in candidates:
        if path.exists():
            table = {}
            for line in path.read_text(errors="replace").splitlines():
                mm = re.match(r'\s*\[?"?([A-Z][A-Za-z0-9_]+)"?\]?\s*=\s*(0x[0-9A-Fa-f]+)\s*,', line)
                if mm:
                    table[mm.group(1)] = int(mm.group(2), 16)
            return table
    raise RuntimeError(f"nselib/tls.lua of nmap {m.group(1) if m else '?'} not found")


class Tool:
    name = "?"
    exe = None

    def available(self):
        return shutil.which(self.exe) is not None

    def argv(self, host, port, outdir, extra=()):
        raise NotImplementedError

    def parse(self, stdout, outdir):
        """{(version, code)} accepted, and a note (str or None)."""
        raise NotImplementedError


class Tlsprobe(Tool):
    name = "tlsprobe"

    def __init__(self, exe):
        self.exe = exe

    def available(self):
        return os.access(self.exe, os.X_OK)

    def argv(self, host, port, outdir, extra=()):
        return [self.exe, "--enum", "--json", f"{host}:{port}", *extra]

    def parse(self, stdout, outdir):
        doc = json.loads(stdout)
        got = {(s["version"], code_key(s["version"], s["code"])) for s in doc["cipher_suites"]}
        enum = doc.get("enumeration") or {}
        self.last_scan = (enum.get("elapsed_ms"), enum.get("connections"),
                          len(doc.get("vulnerabilities") or []))
        complete = ((doc.get("features") or {}).get("scan_complete") or {}).get("value")
        note = (f"self-reported {enum.get('connections')} connections, rtt {enum.get('rtt_ms')} ms,"
                f" scan_complete={complete}")
        unknown = [p["version"] for p in doc["protocols"] if p["supported"] is None]
        if unknown:
            note += f", unknown: {','.join(unknown)}"
        return got, note


class Sslscan(Tool):
    name = "sslscan"
    exe = "sslscan"

    def argv(self, host, port, outdir, extra=()):
        return ["sslscan", "--no-colour", f"--xml={outdir / 'sslscan.xml'}", *extra,
                f"{host}:{port}"]

    def parse(self, stdout, outdir):
        tree = ET.parse(outdir / "sslscan.xml")
        got = set()
        for c in tree.iter("cipher"):
            if c.get("status") in ("accepted", "preferred"):
                got.add((c.get("sslversion"), code_key(c.get("sslversion"), c.get("id"))))
        return got, None


class Testssl(Tool):
    name = "testssl"
    exe = "testssl"
    PROTO = {"ssl2": "SSLv2", "ssl3": "SSLv3", "tls1": "TLSv1.0", "tls1_1": "TLSv1.1",
             "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3"}

    def argv(self, host, port, outdir, extra=()):
        # -p protocols, -E every cipher per protocol (the full enumeration);
        # --nodns none: no DNS lookup at all; CRL/OCSP fetches stay off
        # (no --phone-out). extra may name the host (SNI) with --ip.
        if extra and extra[0] == "HOST":
            host, extra = extra[1], extra[2:]
        return ["testssl", "--warnings", "off", "--quiet", "--color", "0", "--nodns", "none",
                "-p", "-E", "--jsonfile", str(outdir / "testssl.json"), *extra,
                f"{host}:{port}"]

    def parse(self, stdout, outdir):
        got = set()
        for item in json.loads((outdir / "testssl.json").read_text()):
            m = re.match(r"cipher-(ssl2|ssl3|tls1|tls1_1|tls1_2|tls1_3)_x([0-9a-fA-F]+)$",
                         item.get("id", ""))
            if m and "not offered" not in item.get("finding", ""):
                version = self.PROTO[m.group(1)]
                got.add((version, code_key(version, m.group(2))))
        return got, None


class Nmap(Tool):
    name = "nmap"
    exe = "nmap"

    def __init__(self):
        self.table = None

    def argv(self, host, port, outdir, extra=()):
        # -n: no DNS; -Pn: no host discovery, the target is up.
        return ["nmap", "-n", "-Pn", "--script", "ssl-enum-ciphers", *extra, "-p", str(port),
                host, "-oX", str(outdir / "nmap.xml")]

    def parse(self, stdout, outdir):
        if self.table is None:
            self.table = nmap_name_table()
        got, unmapped = set(), []
        for script in ET.parse(outdir / "nmap.xml").iter("script"):
            if script.get("id") != "ssl-enum-ciphers":
                continue
            for vtable in script.findall("table"):
                version = vtable.get("key")
                for ciphers in vtable.findall("table[@key='ciphers']"):
                    for c in ciphers.findall("table"):
                        name = c.findtext("elem[@key='name']")
                        if name in self.table:
                            got.add((version, code_key(version, self.table[name])))
                        else:
                            unmapped.append(name)
                            got.add((version, f"?{name}"))
        return got, (f"unmapped names: {unmapped}" if unmapped else None)


class TlsprobeScan(Tlsprobe):
    """`--enum --no-vulns`: the scan alone, the figure the issue-3 aims
    were set on (shown as a tool of its own with --tools ...,tlsprobe-scan)."""
    name = "tlsprobe-scan"

    def argv(self, host, port, outdir, extra=()):
        return super().argv(host, port, outdir, ("--no-vulns", *extra))


# --------------------------------------------------------------------------
# Running


class Outcome:
    def __init__(self, tool, server, mode):
        self.tool, self.server, self.mode = tool, server, mode
        self.times, self.conns, self.syns = [], [], []
        self.fp, self.fn = set(), set()
        self.notes = []
        self.failed = None
        self.scan_ms, self.scan_conns, self.checks = [], [], 0

    @property
    def wall(self):
        return statistics.median(self.times) if self.times else None

    @property
    def connections(self):
        return statistics.median(self.conns) if self.conns else None


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


class Where:
    """Where the tools run and the server answers: its address, the argv
    prefix that runs a tool (and tcpdump) on the client's side, and the
    interface the client's SYNs leave by."""

    def __init__(self, host, wrap=(), iface="lo"):
        self.host, self.wrap, self.iface = host, list(wrap), iface


LOOPBACK = Where("127.0.0.1")


def run_once(tool, where, port, truth, workdir, outcome, extra=()):
    outdir = Path(tempfile.mkdtemp(prefix=f"{tool.name}-", dir=workdir))
    env = dict(os.environ, NO_COLOR="1")
    env.pop("LD_PRELOAD", None)
    with SynCapture(port, outdir / "syn.pcap", where.iface, where.wrap) as cap:
        started = time.monotonic()
        proc = subprocess.Popen(where.wrap + tool.argv(where.host, port, outdir, extra),
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=outdir,
                                env=env, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=TOOL_TIMEOUT)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            out, err = proc.communicate()
            outcome.failed = f"still running after {TOOL_TIMEOUT:.0f}s"
        elapsed = time.monotonic() - started
    outcome.times.append(elapsed)
    outcome.conns.append(cap.connections)
    outcome.syns.append(cap.syns)
    if cap.dropped:
        outcome.notes.append(f"tcpdump dropped {cap.dropped} packets")
    if cap.syns != cap.connections:
        outcome.notes.append(f"{cap.syns - cap.connections} SYN retransmissions")
    try:
        got, note = tool.parse(out.decode("utf-8", errors="replace"), outdir)
    except (ValueError, KeyError, OSError, ET.ParseError, RuntimeError) as exc:
        outcome.failed = (f"no parsable answer (rc={proc.returncode}): {exc}; stderr: "
                          f"{err.decode(errors='replace').strip()[:300]}")
        return
    if note and note not in outcome.notes:
        outcome.notes.append(note)
    scan = getattr(tool, "last_scan", None)
    if scan is not None and scan[0] is not None and scan[1] is not None:
        outcome.scan_ms.append(scan[0])
        outcome.scan_conns.append(scan[1])
        outcome.checks = scan[2]
    # The worst run counts: any suite wrong in any run is reported.
    outcome.fp |= got - truth
    outcome.fn |= truth - got


def run_tool(tool, where, server_name, port, truth, runs, workdir, mode, extra=()):
    outcome = Outcome(tool.name, server_name, mode)
    for i in range(runs):
        print(f"  {mode:8} {server_name:19} {tool.name:8} run {i + 1}/{runs} ...",
              end="", flush=True, file=sys.stderr)
        run_once(tool, where, port, truth, workdir, outcome, extra)
        print(f" {outcome.times[-1]:.2f} s, {outcome.conns[-1]} connections", file=sys.stderr)
        if outcome.failed:
            print(f"    FAILED: {outcome.failed}", file=sys.stderr)
            break
    return outcome


# --------------------------------------------------------------------------
# Servers and ground truth


def bind_shim(tlsprobe, workdir):
    """bind_loopback.so (keeps gnutls-serv off the wildcard address): the one
    meson built beside this tlsprobe, else compiled here."""
    built = Path(tlsprobe).resolve().parent.parent / "tests" / "integration" / "bind_loopback.so"
    if built.exists():
        return built
    out = Path(workdir) / "bind_loopback.so"
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O2", "-D_GNU_SOURCE",
                    "-I", str(ROOT / "src"), "-o", str(out),
                    str(INTEGRATION / "bind_loopback.c"), "-ldl"], check=True)
    return out


SERVERS = {
    "gnutls-legacy": (lambda f: f.gnutls(priority=test_enum.LEGACY_PRIORITY),
                      lambda port: test_enum.gnutls_truth(port, test_enum.LEGACY_PRIORITY)),
    "openssl-all": (lambda f: f.openssl(extra=["-cipher", test_enum.OPENSSL_ALL,
                                               "-ciphersuites", ":".join(test_enum.TLS13_SUITES)]),
                    lambda port: test_enum.openssl_truth(port, TLS_VERSIONS)),
    "nginx-modern": (lambda f: f.nginx(protocols="TLSv1.3"),
                     lambda port: test_enum.openssl_truth(port, TLS_VERSIONS)),
    "nginx-intermediate": (lambda f: f.nginx(protocols="TLSv1.2 TLSv1.3"),
                           lambda port: test_enum.openssl_truth(port, TLS_VERSIONS)),
}


# --------------------------------------------------------------------------
# The servers devices talk to (issue 7). Ground truth: each suite offered
# alone by openssl s_client (or gnutls-cli), with the client certificate,
# the PSK or the name the server needs, exactly as the integration tests do.

PSK_IDENTITY, PSK_KEY, PSK_HINT = test_psk.IDENTITY, test_psk.KEY, test_psk.HINT
PSK_ARGS = ("--psk-identity", PSK_IDENTITY, "--psk-key", PSK_KEY)


def fixture_fn(fixture, *args):
    """The function behind a pytest fixture of conftest, called as pytest
    would (the bench is no pytest run)."""
    wrapped = getattr(fixture, "__pytest_wrapped__", None)
    fn = wrapped.obj if wrapped is not None else fixture.__wrapped__
    return fn(*args)


def openssl_truth_with(port, client_args):
    """test_enum.openssl_truth for a server that needs client_args (a
    client certificate, a name) to complete each one-suite handshake."""
    def accepts(version, name, tls13):
        argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                test_enum.OPENSSL_FLAG[version], *client_args]
        argv += ["-ciphersuites", name] if tls13 else ["-cipher", name + ":@SECLEVEL=0"]
        try:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=20)
        except subprocess.TimeoutExpired:
            return False
        m = re.search(r"Cipher is (\S+)", proc.stdout)
        return m is not None and m.group(1) == name

    names13 = {"TLS_AES_128_GCM_SHA256": "0x1301", "TLS_AES_256_GCM_SHA384": "0x1302",
               "TLS_CHACHA20_POLY1305_SHA256": "0x1303", "TLS_AES_128_CCM_SHA256": "0x1304",
               "TLS_AES_128_CCM_8_SHA256": "0x1305"}
    jobs = [(v, code, name, False) for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2")
            for code, name, proto in test_enum.openssl_ciphers() if proto != "TLSv1.3"]
    jobs += [("TLSv1.3", names13[n], n, True) for n in test_enum.TLS13_SUITES]
    with ThreadPoolExecutor(test_enum.GT_THREADS) as pool:
        ok = list(pool.map(lambda j: accepts(j[0], j[2], j[3]), jobs))
    truth = {v: set() for v in TLS_VERSIONS}
    for (v, code, _, _), accepted in zip(jobs, ok):
        if accepted:
            truth[v].add(code)
    return truth


def start_mosquitto_mtls(factory):
    return fixture_fn(conftest.mosquitto, factory, factory.pki)(
        extra="require_certificate true\n", cafile="client-ca.pem")


def start_mosquitto_psk(factory):
    return fixture_fn(conftest.mosquitto_psk, factory)({PSK_IDENTITY: PSK_KEY}, PSK_HINT)


def start_gnutls_psk(factory):
    psk_file = factory.tmp_path / "gnutls-psk.txt"
    psk_file.write_text(f"{PSK_IDENTITY}:{PSK_KEY}\n")
    return factory.gnutls(cert=None, priority=test_psk.GNUTLS_SERVER_PRIORITY,
                          extra=("--pskpasswd", str(psk_file), "--pskhint", PSK_HINT))


def start_openssl_dual(factory):
    pki = factory.pki
    return factory.openssl(extra=["-dcert", str(pki / "ecdsa.pem"), "-dkey",
                                  str(pki / "ecdsa.key")])


def client_cert_args(pki):
    return ["-cert", str(pki / "client.pem"), "-key", str(pki / "client.key")]


# name -> (start(factory), truth(port, pki), {tool: extra args(pki)})
DEVICE_SERVERS = {
    "lighttpd-wolfssl": (lambda f: f.lighttpd(tls_module="wolfssl"),
                         lambda port, pki: test_intolerance.truth(port), {}),
    "lighttpd-mbedtls": (lambda f: f.lighttpd(tls_module="mbedtls"),
                         lambda port, pki: test_intolerance.truth(port), {}),
    "mosquitto-mtls": (start_mosquitto_mtls,
                       lambda port, pki: openssl_truth_with(port, client_cert_args(pki)),
                       {"tlsprobe": lambda pki: ["--cert", str(pki / "client.pem"), "--key",
                                                 str(pki / "client.key")],
                        "sslscan": lambda pki: [f"--certs={pki / 'client.pem'}",
                                                f"--pk={pki / 'client.key'}"]}),
    "mosquitto-psk": (start_mosquitto_psk, lambda port, pki: test_psk.openssl_truth(port),
                      {"tlsprobe": lambda pki: list(PSK_ARGS)}),
    "gnutls-psk": (start_gnutls_psk, lambda port, pki: test_psk.gnutls_truth(port),
                   {"tlsprobe": lambda pki: list(PSK_ARGS)}),
    "nginx-sni-only": (lambda f: f.nginx(sni_only=True),
                       lambda port, pki: openssl_truth_with(port, ["-servername", "localhost"]),
                       {"tlsprobe": lambda pki: ["--sni", "localhost"],
                        "sslscan": lambda pki: ["--sni-name=localhost"],
                        "nmap": lambda pki: ["--script-args", "tls.servername=localhost"],
                        "testssl": lambda pki: ["HOST", "localhost", "--ip", "127.0.0.1"]}),
    "openssl-dual": (start_openssl_dual,
                     lambda port, pki: test_enum.openssl_truth(port, TLS_VERSIONS), {}),
}


# gnutls-serv and openssl s_server serve one connection at a time (measured:
# tlsprobe --parallel 1 and 64 take the same time on loopback against the
# legacy gnutls-serv). Behind the link a connection holds such a server from
# its accept until the client's close reaches it: a round trip after its
# reply, unless the client half-closed right after its hello (tlsprobe does
# on slow links; the server then reads end-of-stream at once).
SERIAL_SERVERS = ("gnutls-legacy", "openssl-all", "gnutls-psk", "openssl-dual")
# Started by the integration tests' pytest fixtures, which bind 127.0.0.1.
LOOPBACK_ONLY = ("mosquitto-mtls", "mosquitto-psk")


def truth_set(per_version):
    """{(version, code)}; SSLv2 and SSLv3 contribute nothing (see above)."""
    return {(v, code_key(v, c)) for v, codes in per_version.items() for c in codes}


# --------------------------------------------------------------------------
# Report


def fmt_time(t):
    return "-" if t is None else (f"{t:.2f}" if t < 100 else f"{t:.0f}")


def print_table(title, outcomes, servers, tools, runs):
    print(f"\n== {title} (wall time: median of {runs} run{'s' * (runs > 1)}; "
          f"connections: distinct SYNs to the port) ==")
    head = (f"{'server':19} {'tool':13} {'wall s':>8} {'conns':>6} {'FP':>4} {'FN':>4}  "
            f"tlsprobe vs this tool")
    print(head)
    print("-" * len(head))
    totals = {}
    for server in servers:
        base = outcomes.get((server, "tlsprobe"))
        for tool in tools:
            o = outcomes.get((server, tool))
            if o is None:
                continue
            label = server if tool == tools[0] or (server, tools[0]) not in outcomes else ""
            if o.failed and not o.times:
                print(f"{label:19} {tool:13} FAILED: {o.failed}")
                continue
            cmp = ""
            if tool != "tlsprobe" and base and base.wall and o.wall:
                cmp = f"{o.wall / base.wall:7.1f}x faster"
                if base.connections and o.connections:
                    cmp += f", {o.connections / base.connections:5.2f}x the connections"
            fp, fn = (("?", "?") if o.failed else (len(o.fp), len(o.fn)))
            conns = "-" if o.connections is None else f"{o.connections:.0f}"
            print(f"{label:19} {tool:13} {fmt_time(o.wall):>8} {conns:>6} {fp:>4} {fn:>4}  {cmp}"
                  + (f"  [FAILED: {o.failed}]" if o.failed else ""))
            if o.wall is not None:
                t = totals.setdefault(tool, [0.0, 0, 0])
                t[0] += o.wall
                t[1] += o.connections or 0
                t[2] += 1
    if totals:
        base = totals.get("tlsprobe")
        print("-" * len(head))
        for tool, (wall, conns, n) in totals.items():
            cmp = ""
            if tool != "tlsprobe" and base and base[2] == n and base[0] > 0:
                cmp = (f"{wall / base[0]:7.1f}x faster, "
                       f"{conns / max(base[1], 1):5.2f}x the connections")
            print(f"{'all ' + str(n) + ' servers':19} {tool:13} {fmt_time(wall):>8} {conns:>6.0f} "
                  f"{'':>4} {'':>4}  {cmp}")


def print_details(outcomes):
    lines = []
    for (server, tool), o in outcomes.items():
        if o.fp:
            lines.append(f"  {server} {tool}: false positives {sorted(o.fp)}")
        if o.fn:
            lines.append(f"  {server} {tool}: false negatives {sorted(o.fn)}")
        for n in o.notes:
            lines.append(f"  {server} {tool}: {n}")
    if lines:
        print("\n".join(lines))


def print_check_cost(title, outcomes, servers):
    """What the vulnerability checks (and the report's own handshake) add
    to tlsprobe's --enum: wall time beyond the scan's, connections beyond
    the scan's."""
    rows = []
    for server in servers:
        o = outcomes.get((server, "tlsprobe"))
        if o is None or not o.scan_ms or not o.times:
            continue
        scan_s = statistics.median(o.scan_ms) / 1000
        extra_s = statistics.median(t - m / 1000 for t, m in zip(o.times, o.scan_ms))
        extra_c = statistics.median(c - s for c, s in zip(o.conns, o.scan_conns))
        rows.append(f"{server:19} scan {scan_s:6.2f} s  checks and report +{extra_s:5.2f} s "
                    f"({100 * extra_s / max(o.wall, 1e-9):3.0f}% of the wall time), "
                    f"+{extra_c:.0f} connections, {o.checks} checks")
    if rows:
        print(f"\n-- {title}: the cost of the vulnerability checks in tlsprobe's figures --")
        print("\n".join(rows))


def check_aims(loop, links, servers):
    """[(aim, met?, figures)] for the issues' aims, per server; links maps
    a round trip (ms) to its outcomes."""
    aims = []

    def ratio(outcomes, server, tool, base="tlsprobe"):
        a, b = outcomes.get((server, base)), outcomes.get((server, tool))
        if not a or not b or not a.wall or not b.wall or b.failed:
            return None
        return b.wall / a.wall

    for base, how in (("tlsprobe", ""), ("tlsprobe-scan", " (the scan alone, --no-vulns)")):
        for tool, want in (("sslscan", 10), ("nmap", 10), ("testssl", 100)):
            rs = {s: ratio(loop, s, tool, base) for s in servers}
            rs = {s: r for s, r in rs.items() if r is not None}
            if rs:
                worst = min(rs.values())
                aims.append((f"loopback >= {want}x faster than {tool}{how}", worst >= want,
                             ", ".join(f"{s} {r:.1f}x" for s, r in rs.items())))
    for rtt, outcomes in links.items():
        ts = {s: outcomes[(s, "tlsprobe")].wall for s in servers
              if (s, "tlsprobe") in outcomes and outcomes[(s, "tlsprobe")].wall is not None}
        limit = LINK_AIMS.get(int(rtt))
        if ts and limit is not None:
            aims.append((f"link {rtt:g} ms RTT: tlsprobe under {limit:g} s",
                         max(ts.values()) < limit,
                         ", ".join(f"{s} {t:.2f}s" for s, t in ts.items())))
        rs = {s: ratio(outcomes, s, "nmap") for s in servers}
        rs = {s: r for s, r in rs.items() if r is not None}
        if rs:
            aims.append((f"link {rtt:g} ms RTT: >= 10x faster than nmap",
                         min(rs.values()) >= 10,
                         ", ".join(f"{s} {r:.1f}x" for s, r in rs.items())))
    for label, outcomes in [("loopback", loop)] + [(f"link {r:g} ms", o) for r, o in links.items()]:
        pairs = [(s, outcomes[(s, "tlsprobe")].connections, outcomes[(s, "nmap")].connections)
                 for s in servers if (s, "tlsprobe") in outcomes and (s, "nmap") in outcomes]
        pairs = [p for p in pairs if p[1] is not None and p[2] is not None]
        if pairs:
            aims.append((f"{label}: fewer connections than nmap",
                         all(a < b for _, a, b in pairs),
                         ", ".join(f"{s} {a:.0f} vs {b:.0f}" for s, a, b in pairs)))
    bad = [(m, s, len(o.fp), len(o.fn))
           for m, outcomes in [("loopback", loop)] + [(f"link {r:g} ms", o)
                                                       for r, o in links.items()]
           for (s, t), o in outcomes.items() if t.startswith("tlsprobe") and (o.fp or o.fn or o.failed)]
    aims.append(("tlsprobe: no false positive, no false negative", not bad,
                 "; ".join(f"{m} {s} FP {fp} FN {fn}" for m, s, fp, fn in bad) or "all servers"))
    return aims


def server_entry(name):
    """(start(factory), truth(port, pki), {tool: extra args(pki)})."""
    if name in SERVERS:
        return SERVERS[name][0], lambda port, _pki: SERVERS[name][1](port), {}
    return DEVICE_SERVERS[name]


def nmap_link_args(rtt):
    """nmap pings a target on its own Ethernet segment with ARP even under
    -Pn, and its ARP and port-scan time-outs start at 1 s: behind 1600 ms it
    reports the host down after 1.7 s and runs no script. Behind the link
    (a routed path in all but name; the hosts know each other's MAC
    address) it is told not to ARP, and past a 1 s round trip the link's
    round trip."""
    args = ["--disable-arp-ping"]
    if rtt >= 900:
        args += ["--initial-rtt-timeout", f"{int(2 * rtt)}ms", "--max-rtt-timeout",
                 f"{int(4 * rtt)}ms"]
    return args


def run_link(tools, servers, rtts, pki, workdir, truths, extras, runs, links):
    """Every tool against every server behind the packet-level link, once
    per round trip in rtts; the servers are started once inside the server
    namespace and the link is reconfigured between round trips."""
    with packet_delay.Link(rtt_ms=rtts[0], down_kbit=0, up_kbit=0) as link:
        (workdir / "ns-servers").mkdir()
        factory = conftest.ServerFactory(workdir / "ns-servers", pki, host=link.server_addr,
                                         wrap=link.server_exec([]))
        try:
            started = {name: server_entry(name)[0](factory) for name in servers}
            where = Where(link.server_addr, link.client_exec([]), link.client_if)
            for rtt in rtts:
                if rtt != link.params["rtt_ms"]:
                    link.reconfigure(rtt_ms=rtt)
                outcomes = links.setdefault(rtt, {})
                for name in servers:
                    for tool in tools:
                        extra = list(extras[name].get(tool.name, ()))
                        if tool.name == "nmap":
                            extra += nmap_link_args(rtt)
                        outcomes[(name, tool.name)] = run_tool(
                            tool, where, name, started[name].port, truths[name], runs, workdir,
                            f"{rtt:g} ms", extra)
        finally:
            factory.stop_all()


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tlsprobe")
    ap.add_argument("--runs", type=int, default=1, help="runs per tool and server (median)")
    ap.add_argument("--slow", action="store_true", help="run testssl behind the link too")
    ap.add_argument("--servers", default=None, help="comma list of " +
                    ", ".join(list(SERVERS) + list(DEVICE_SERVERS)) +
                    " (default: the first four; with --device the device servers)")
    ap.add_argument("--device", action="store_true",
                    help="the servers devices talk to (issue 7) instead of the first four")
    ap.add_argument("--tools", default="tlsprobe,sslscan,testssl,nmap,tlsprobe-scan",
                    help="tlsprobe is --enum (the checks included), tlsprobe-scan --enum "
                    "--no-vulns")
    ap.add_argument("--rtt", type=float, action="append", metavar="MS",
                    help="round trip of the emulated link, ms (repeatable; default 300)")
    ap.add_argument("--no-link", action="store_true", help="loopback only")
    ap.add_argument("--no-loopback", action="store_true",
                    help="the link only (the ground truth still runs on loopback)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    default = DEVICE_SERVERS if args.device else SERVERS
    servers = [s for s in (args.servers or ",".join(default)).split(",") if s]
    for s in servers:
        if s not in SERVERS and s not in DEVICE_SERVERS:
            ap.error(f"unknown server {s!r}")
    if os.geteuid() != 0:
        print("bench_enum.py needs root (tcpdump on lo counts the connections)", file=sys.stderr)
        return 77
    for exe in ("tcpdump", "openssl", "gnutls-cli", "certtool"):
        if shutil.which(exe) is None:
            print(f"{exe} is missing", file=sys.stderr)
            return 77

    all_tools = {"tlsprobe": Tlsprobe(os.path.abspath(args.tlsprobe)), "sslscan": Sslscan(),
                 "testssl": Testssl(), "nmap": Nmap(),
                 "tlsprobe-scan": TlsprobeScan(os.path.abspath(args.tlsprobe))}
    tools = []
    for name in args.tools.split(","):
        if name not in all_tools:
            ap.error(f"unknown tool {name!r}")
        if all_tools[name].available():
            tools.append(all_tools[name])
        else:
            print(f"{name} is not installed: skipped (bash .ci/deps --bench)", file=sys.stderr)
    if "tlsprobe" not in [t.name for t in tools]:
        print(f"{args.tlsprobe} is not an executable", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="bench-enum-"))
    factory = None
    loop, links, truths = {}, {}, {}
    rtts = args.rtt or [300.0]
    try:
        pki = workdir / "pki"
        subprocess.run(["sh", str(conftest.MKPKI), str(pki)], check=True, capture_output=True,
                       timeout=120)
        os.environ["TP_BIND_LOOPBACK"] = str(bind_shim(args.tlsprobe, workdir))
        (workdir / "servers").mkdir()
        factory = conftest.ServerFactory(workdir / "servers", pki)
        started = {}
        extras = {}
        for name in servers:
            start, truth, tool_args = server_entry(name)
            server = start(factory)
            started[name] = server
            extras[name] = {tool: fn(pki) for tool, fn in tool_args.items()}
            t0 = time.monotonic()
            truths[name] = truth_set(truth(server.port, pki))
            print(f"ground truth {name} (port {server.port}): {len(truths[name])} accepted "
                  f"(version, suite) pairs in {time.monotonic() - t0:.1f} s", file=sys.stderr)

        for name in servers if not args.no_loopback else []:
            for tool in tools:
                loop[(name, tool.name)] = run_tool(tool, LOOPBACK, name, started[name].port,
                                                   truths[name], args.runs, workdir, "loopback",
                                                   extras[name].get(tool.name, ()))
        factory.stop_all()
        if not args.no_link:
            link_tools = [t for t in tools if t.name != "testssl" or args.slow]
            link_servers = [s for s in servers if s not in LOOPBACK_ONLY]
            run_link(link_tools, link_servers, rtts, pki, workdir, truths, extras, args.runs,
                     links)
    except HARNESS_ERRORS as exc:
        print(f"benchmark aborted: {exc}", file=sys.stderr)
        return 2
    finally:
        if factory is not None:
            factory.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)

    names = [t.name for t in tools]
    print(f"\ntlsprobe --enum benchmark; ground truth (accepted (version, suite) pairs): " +
          ", ".join(f"{s} {len(truths[s])}" for s in servers))
    if loop:
        print_table("loopback 127.0.0.1", loop, servers, names, args.runs)
    for rtt, outcomes in links.items():
        print_table(f"packet-level link, {rtt:g} ms RTT (packet_delay.py)", outcomes,
                    [s for s in servers if s not in LOOPBACK_ONLY],
                    [n for n in names if n in {t for _, t in outcomes}], args.runs)
        serial = [s for s in servers if s in SERIAL_SERVERS]
        if serial:
            print(f"note: {', '.join(serial)}: one connection at a time; a connection "
                  f"that is not half-closed after its hello holds the server a round trip "
                  f"({rtt:g} ms) after the reply, whatever the client's parallelism")
    print_check_cost("loopback", loop, servers)
    for rtt, outcomes in links.items():
        print_check_cost(f"behind the {rtt:g} ms link", outcomes, servers)
    print("\nDetails:")
    print_details(loop)
    for rtt, outcomes in links.items():
        print_details({(s, f"{t} ({rtt:g} ms)"): o for (s, t), o in outcomes.items()})
    print("\nAims (issues 3 and 10):")
    aims = check_aims(loop, links, servers)
    for aim, met, figures in aims:
        print(f"  [{'met' if met else 'MISSED'}] {aim}: {figures}")
    everything = list(loop.items()) + [i for o in links.values() for i in o.items()]
    tp_bad = any(o.fp or o.fn or o.failed for (s, t), o in everything if t.startswith("tlsprobe"))
    return 1 if tp_bad else 0


if __name__ == "__main__":
    sys.exit(main())
