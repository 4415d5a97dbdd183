"""Fixtures for tlsprobe's integration tests: real TLS servers and scripted
test peers on loopback, a throw-away PKI, and helpers that run the binary.

Every server listens on 127.0.0.1 or ::1 only, on a free ephemeral port, and
is stopped (its whole process group killed) when the test ends, pass or fail.
(The benchmarks also start them inside a network namespace of
tests/tools/packet_delay.py: ServerFactory's host= and wrap=.)

Environment:
  TLSPROBE          path of the tlsprobe executable (set by meson)
  TP_BIND_LOOPBACK  path of the bind_loopback.so shim (set by meson); needed
                    for gnutls-serv, which can only bind the wildcard address
"""

import collections
import errno
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MKPKI = HERE.parent / "certs" / "mkpki.sh"

# Deadlines for the harness itself: generous, because a loaded 2-core
# machine can take seconds to start nginx or fork a server.
SERVER_START_TIMEOUT = 20.0
PROCESS_TIMEOUT = 60.0

Result = collections.namedtuple("Result", "rc stdout stderr elapsed")
JsonResult = collections.namedtuple("JsonResult", "rc doc stderr elapsed")


# --------------------------------------------------------------------------
# Running tlsprobe


def tlsprobe_path():
    path = os.environ.get("TLSPROBE")
    if not path:
        pytest.fail("TLSPROBE is not set; run through `meson test` or export "
                    "TLSPROBE=/path/to/build/src/tlsprobe", pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"TLSPROBE={path} is not an executable", pytrace=False)
    return path


def run(args, timeout=PROCESS_TIMEOUT, offline=False, prefix=(), env=None):
    """Run tlsprobe with args under a wall-clock timeout.

    Returns Result(rc, stdout, stderr, elapsed seconds). A run that outlives
    the timeout is killed and fails the test: tlsprobe must honour its own
    deadlines. offline=True runs it in a fresh, empty network namespace
    (`unshare --net`): a name lookup there cannot leave the machine, so a
    test of an unknown host sends no DNS query to any real resolver.
    prefix: argv words before tlsprobe's (e.g. `ip netns exec NS`); env:
    variables to add (TLSPROBE_TRACE is set only when given here)."""
    argv = list(prefix) + [tlsprobe_path()] + [str(a) for a in args]
    if offline:
        if os.geteuid() != 0 or shutil.which("unshare") is None:
            pytest.skip("needs root and unshare(1) to resolve inside an empty network namespace")
        argv = ["unshare", "--net"] + argv
    run_env = dict(os.environ)
    run_env["NO_COLOR"] = "1"
    run_env.pop("LD_PRELOAD", None)
    run_env.pop("TLSPROBE_TRACE", None)
    run_env.update(env or {})
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=run_env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _killpg(proc)
        out, err = proc.communicate()
        pytest.fail(f"tlsprobe {' '.join(str(a) for a in args)} still running after {timeout}s\n"
                    f"stdout: {out.decode(errors='replace')}\n"
                    f"stderr: {err.decode(errors='replace')}", pytrace=False)
    elapsed = time.monotonic() - started
    return Result(proc.returncode, out.decode("utf-8", errors="replace"),
                  err.decode("utf-8", errors="replace"), elapsed)


def run_json(args, timeout=PROCESS_TIMEOUT, offline=False, prefix=(), env=None):
    """Run tlsprobe --json; stdout must be exactly one JSON object whatever
    the outcome (the JSON contract holds on failure too)."""
    res = run(["--json"] + list(args), timeout=timeout, offline=offline, prefix=prefix, env=env)
    try:
        doc = json.loads(res.stdout)
    except ValueError as exc:
        pytest.fail(f"--json output is not valid JSON ({exc}); rc={res.rc}\n"
                    f"stdout: {res.stdout!r}\nstderr: {res.stderr!r}", pytrace=False)
    assert isinstance(doc, dict), f"JSON top level is not an object: {res.stdout!r}"
    return JsonResult(res.rc, doc, res.stderr, res.elapsed)


def finding_ids(doc):
    return [f.get("id") for f in doc.get("findings") or []]


def explain(res):
    """Context for assertion messages: the parts of a report a failing test
    is usually about, one compact line each."""
    if not isinstance(res, JsonResult):
        return f"rc={res.rc}\nstderr: {res.stderr}\nstdout: {res.stdout[:2000]}"
    doc = res.doc
    lines = [f"rc={res.rc} elapsed={res.elapsed:.1f}s", f"stderr: {res.stderr.strip()}"]
    for key in ("error", "target", "handshake", "verification"):
        if key in doc:
            lines.append(f"{key}: {json.dumps(doc[key], separators=(',', ':'))[:1500]}")
    certs = doc.get("certificates") or []
    lines.append("certificates: " + json.dumps(
        [{k: c.get(k) for k in ("subject", "issuer", "san", "public_key", "days_left",
                                "signature_algorithm")} for c in certs],
        separators=(",", ":"))[:2000])
    lines.append("findings: " + json.dumps(
        [(f.get("id"), f.get("severity")) for f in doc.get("findings") or []]))
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Ports and processes


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def free_port(family=socket.AF_INET):
    """A port that was free a moment ago on loopback. Servers that cannot be
    handed a listening socket need a number; start_server retries on the
    rare race where someone else takes it first."""
    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for_port(host, port, proc, log_path, timeout=SERVER_START_TIMEOUT):
    """Wait until host:port accepts a TCP connection (the probe connection
    is closed at once). Fails early if the server process dies."""
    deadline = time.monotonic() + timeout
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect((host, port))
            return True
        except OSError:
            time.sleep(0.05)
    log = Path(log_path).read_text(errors="replace") if Path(log_path).exists() else ""
    _killpg(proc)
    pytest.fail(f"server on {host}:{port} not accepting after {timeout}s; log:\n{log}",
                pytrace=False)
    return False


def _killpg(proc):
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


class Server:
    """A running server process (its own process group)."""

    def __init__(self, kind, proc, host, port, log_path, workdir):
        self.kind = kind
        self.proc = proc
        self.host = host
        self.port = port
        self.log_path = log_path
        self.workdir = workdir

    @property
    def target(self):
        """HOST:PORT operand for tlsprobe, brackets around IPv6."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def localhost(self):
        return f"localhost:{self.port}"

    def log(self):
        return Path(self.log_path).read_text(errors="replace")

    def stop(self):
        _killpg(self.proc)
        if self.kind == "nginx":
            # nginx's master forwards the TERM to its workers; make sure no
            # worker survives a master that died first.
            pidfile = Path(self.workdir) / "nginx.pid"
            if pidfile.exists():
                try:
                    os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)
                except (ValueError, ProcessLookupError, PermissionError):
                    pass


def require_tool(name):
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.access(f"/usr/sbin/{name}", os.X_OK)
                                  else None)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package providing it is missing)")
    return path


def wait_for_port_in(wrap, host, port, proc, log_path, timeout=SERVER_START_TIMEOUT):
    """wait_for_port for a server that wrap (an argv prefix such as `ip netns
    exec NS`) runs where this process cannot connect: the check runs under
    the same prefix, polling until host:port accepts or the time is up."""
    script = ("import socket,sys,time\n"
              "h,p,t=sys.argv[1],int(sys.argv[2]),time.monotonic()+float(sys.argv[3])\n"
              "while time.monotonic()<t:\n"
              "    try:\n"
              "        socket.create_connection((h,p),1).close(); sys.exit(0)\n"
              "    except OSError: time.sleep(0.05)\n"
              "sys.exit(1)\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        check = subprocess.run(list(wrap) + [sys.executable, "-c", script, host, str(port), "1"],
                               stdin=subprocess.DEVNULL, capture_output=True)
        if check.returncode == 0:
            return True
    log = Path(log_path).read_text(errors="replace") if Path(log_path).exists() else ""
    _killpg(proc)
    pytest.fail(f"server on {host}:{port} not accepting after {timeout}s; log:\n{log}",
                pytrace=False)
    return False


class ServerFactory:
    """Starts servers for one test and stops all of them at teardown.

    By default every server listens on loopback. host and wrap run them
    elsewhere: wrap is an argv prefix put before every server's command (for
    example `ip netns exec NS`, a network namespace of
    tests/tools/packet_delay.py) and host the address they listen on there
    (the default of each method's host=)."""

    def __init__(self, tmp_path, pki, host="127.0.0.1", wrap=()):
        self.tmp_path = tmp_path
        self.pki = pki
        self.servers = []
        self.count = 0
        self.host = host
        self.wrap = list(wrap)

    def _start(self, kind, build_argv, host=None, env=None, attempts=3):
        host = host or self.host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        last_log = ""
        for _ in range(attempts):
            port = free_port(family)
            self.count += 1
            workdir = self.tmp_path / f"{kind}-{self.count}"
            workdir.mkdir()
            log_path = workdir / "server.log"
            argv = self.wrap + build_argv(port, workdir)
            full_env = dict(os.environ)
            full_env.update(env or {})
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=log,
                                        stderr=subprocess.STDOUT, env=full_env,
                                        cwd=workdir, start_new_session=True)
            server = Server(kind, proc, host, port, log_path, workdir)
            self.servers.append(server)
            if self.wrap:
                up = wait_for_port_in(self.wrap, host, port, proc, log_path)
            else:
                up = wait_for_port(host, port, proc, log_path)
            if up:
                return server
            last_log = server.log()
            server.stop()
            if "in use" not in last_log.lower():
                break
        pytest.fail(f"{kind} did not start; log:\n{last_log}", pytrace=False)
        return None

    def gnutls(self, cert="leaf-fullchain.pem", key="leaf.key", priority=None, extra=(),
               host=None):
        """gnutls-serv in echo mode. It can only bind the wildcard address,
        so it runs under the bind_loopback shim (127.0.0.1 and ::1 only).
        It requests no client certificate unless extra says otherwise.
        cert=None: no certificate at all (a PSK-only server, --pskpasswd in
        extra). Under the factory's wrap (a network namespace of its own,
        holding only host) the wildcard is that namespace's, and the shim,
        which would bind loopback, stays out."""
        exe = require_tool("gnutls-serv")
        shim = os.environ.get("TP_BIND_LOOPBACK")
        if self.wrap:
            shim = None
        elif not shim or not os.path.exists(shim):
            pytest.skip("TP_BIND_LOOPBACK (bind_loopback.so, built by meson) is not set: "
                        "gnutls-serv would listen on every interface")

        def argv(port, workdir):
            a = [exe, "--port", str(port), "--echo"]
            if cert:
                a += ["--x509certfile", str(self.pki / cert), "--x509keyfile", str(self.pki / key)]
            if "--require-client-cert" not in extra and "-r" not in extra:
                a.append("--disable-client-cert")
            if priority:
                a += ["--priority", priority]
            return a + list(extra)

        return self._start("gnutls-serv", argv, host=host,
                           env={"LD_PRELOAD": shim} if shim else None)

    def openssl(self, cert="leaf.pem", key="leaf.key", chain="inter.pem", extra=(),
                host=None):
        """openssl s_server in -www mode (it never reads stdin, which would end
        the server at EOF). chain=None sends the leaf alone; cert=None sends
        no certificate (-nocert: a PSK-only server, -psk in extra)."""
        exe = require_tool("openssl")
        host = host or self.host

        def argv(port, workdir):
            accept = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            a = [exe, "s_server", "-accept", accept, "-www"]
            if cert:
                a += ["-cert", str(self.pki / cert), "-key", str(self.pki / key)]
            else:
                a.append("-nocert")
            if ":" in host:
                a.append("-6")
            if chain and cert:
                a += ["-cert_chain", str(self.pki / chain)]
            return a + list(extra)

        return self._start("openssl", argv, host=host)

    def nginx(self, cert="leaf-fullchain.pem", key="leaf.key", http2=True,
              protocols="TLSv1.2 TLSv1.3", host=None, more_certs=(), sni_only=False):
        """nginx with a generated minimal configuration, everything in the
        test's own directory. more_certs: further (cert, key) pairs, each
        its own ssl_certificate line (e.g. an ECDSA one beside the RSA).
        sni_only: a default server with `ssl_reject_handshake on` refuses
        hellos without SNI or for a name other than localhost (nginx >=
        1.19.4)."""
        exe = require_tool("nginx")
        host = host or self.host

        def argv(port, workdir):
            listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            reject = (f"    server {{\n        listen {listen} ssl default_server;\n"
                      f"        ssl_protocols {protocols};\n"
                      f"        ssl_reject_handshake on;\n    }}\n") if sni_only else ""
            more = "".join(f"        ssl_certificate {self.pki / c};\n"
                           f"        ssl_certificate_key {self.pki / k};\n"
                           for c, k in more_certs)
            # nginx 1.22 has no `http2 on;`: HTTP/2 (and so ALPN h2) is a
            # listen parameter there.
            conf = f"""
daemon off;
master_process on;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{reject}    server {{
        listen {listen} ssl{' http2' if http2 else ''};
        server_name localhost;
        ssl_certificate {self.pki / cert};
        ssl_certificate_key {self.pki / key};
{more}        ssl_protocols {protocols};
        location / {{ return 200 "tlsprobe test\\n"; }}
    }}
}}
"""
            (workdir / "nginx.conf").write_text(conf)
            return [exe, "-e", str(workdir / "error.log"), "-p", str(workdir), "-c",
                    str(workdir / "nginx.conf")]

        return self._start("nginx", argv, host=host)

    def lighttpd(self, tls_module="wolfssl", cert="leaf-fullchain.pem", key="leaf.key",
                 extra_conf="", host=None):
        """lighttpd (foreground, -D) with TLS from mod_wolfssl or mod_mbedtls
        at the library defaults, serving a document root in the test's own
        directory. The configuration is checked with `lighttpd -tt` first so
        that a bad one fails with lighttpd's own words."""
        exe = require_tool("lighttpd")
        host = host or self.host
        if tls_module not in ("wolfssl", "mbedtls"):
            raise ValueError(f"tls_module must be wolfssl or mbedtls, not {tls_module}")
        module_dir = Path("/usr/lib/lighttpd")
        if not (module_dir / f"mod_{tls_module}.so").exists():
            pytest.skip(f"mod_{tls_module} is not installed (apt-get install "
                        f"lighttpd-mod-{tls_module})")

        def argv(port, workdir):
            docroot = workdir / "htdocs"
            docroot.mkdir(exist_ok=True)
            (docroot / "index.html").write_text("tlsprobe test\n")
            bind = f"[{host}]" if ":" in host else host
            conf = f"""
server.modules += ("mod_{tls_module}")
server.document-root = "{docroot}"
server.bind = "{bind}"
server.port = {port}
server.errorlog = "{workdir}/error.log"
server.pid-file = "{workdir}/lighttpd.pid"
server.upload-dirs = ("{workdir}")
ssl.engine = "enable"
ssl.pemfile = "{self.pki / cert}"
ssl.privkey = "{self.pki / key}"
{extra_conf}
"""
            path = workdir / "lighttpd.conf"
            path.write_text(conf)
            check = subprocess.run([exe, "-tt", "-f", str(path), "-m", str(module_dir)],
                                   stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                   timeout=PROCESS_TIMEOUT)
            if check.returncode != 0:
                pytest.fail(f"lighttpd -tt rejected the configuration:\n{check.stdout}"
                            f"{check.stderr}\n{conf}", pytrace=False)
            return [exe, "-D", "-f", str(path), "-m", str(module_dir)]

        return self._start(f"lighttpd-{tls_module}", argv, host=host)

    def stop_all(self):
        for server in self.servers:
            server.stop()


# --------------------------------------------------------------------------
# Scripted test peers: not TLS servers, but the misbehaving things a TLS
# client meets on the wrong port or a broken network.


def _read_client_hello(conn, timeout=10.0):
    """Read what the client sends first (its ClientHello); empty on EOF."""
    conn.settimeout(timeout)
    try:
        return conn.recv(16384)
    except OSError:
        return b""


def peer_silent(conn, stop):
    """Accepts and never says a word; holds the connection until stopped."""
    while not stop.wait(0.1):
        pass


def peer_http(conn, stop):
    _read_client_hello(conn)
    body = b"<html><body>plain HTTP here</body></html>\n"
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: scripted-test-peer\r\n"
                 b"Content-Type: text/html\r\nContent-Length: " + str(len(body)).encode() +
                 b"\r\nConnection: close\r\n\r\n" + body)


def peer_ssh(conn, stop):
    # SSH servers speak first (RFC 4253 Sec. 4.2).
    conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    _read_client_hello(conn)


def peer_garbage(conn, stop):
    _read_client_hello(conn)
    rng = random.Random(20240229)
    # First byte 0xFF: not a TLS content type (RFC 8446 Sec. 5.1), so no
    # reading of it can mistake this for a record.
    conn.sendall(b"\xff" + bytes(rng.randrange(256) for _ in range(1023)))


def peer_alert(conn, stop):
    _read_client_hello(conn)
    # A fatal handshake_failure alert (RFC 8446 Sec. 6): level 2, description 40.
    conn.sendall(bytes.fromhex("15030300020228"))


def peer_reset(conn, stop):
    _read_client_hello(conn)
    # SO_LINGER with a zero timeout makes close() send a TCP RST.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def peer_endless_handshake(conn, stop):
    """Well-framed handshake records that never finish a message: a
    ServerHello header claiming 16 MiB, then endless 16 KiB records. A
    client must cap what it buffers and give up, not read forever."""
    _read_client_hello(conn)
    first = bytes.fromhex("160303400002ffffff") + bytes(16384 - 4)
    record = bytes.fromhex("1603034000") + bytes(16384)
    conn.settimeout(5.0)
    try:
        conn.sendall(first)
        while not stop.is_set():
            conn.sendall(record)
    except OSError:
        pass


def peer_endless_bytes(conn, stop):
    """An endless stream of non-TLS bytes (like a chargen service)."""
    _read_client_hello(conn)
    chunk = (b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh\r\n"
             * 200)
    conn.settimeout(5.0)
    try:
        while not stop.is_set():
            conn.sendall(chunk)
    except OSError:
        pass


PEERS = {
    "silent": peer_silent,
    "http": peer_http,
    "ssh": peer_ssh,
    "garbage": peer_garbage,
    "alert": peer_alert,
    "reset": peer_reset,
    "endless-handshake": peer_endless_handshake,
    "endless-bytes": peer_endless_bytes,
}


class ScriptedPeer:
    """A scripted test peer: a Python thread listening on loopback (port 0,
    so no race) that runs one behaviour per accepted connection."""

    def __init__(self, behaviour, host="127.0.0.1"):
        self.name = behaviour
        self.behaviour = PEERS[behaviour]
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.stop_event = threading.Event()
        self.connections = 0
        self.errors = []
        self.threads = []
        self.acceptor = threading.Thread(target=self._accept_loop,
                                         name=f"scripted-test-peer-{behaviour}", daemon=True)
        self.acceptor.start()

    @property
    def target(self):
        return f"{self.host}:{self.port}"

    def _accept_loop(self):
        while not self.stop_event.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self._serve, args=(conn,),
                                 name=f"scripted-test-peer-{self.name}-conn", daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, conn):
        try:
            self.behaviour(conn, self.stop_event)
        except OSError as exc:
            if exc.errno not in (errno.EPIPE, errno.ECONNRESET, None):
                self.errors.append(exc)
        finally:
            conn.close()

    def stop(self):
        self.stop_event.set()
        self.acceptor.join(timeout=5)
        for t in self.threads:
            t.join(timeout=10)
        self.sock.close()


# --------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """The test PKI (see tests/certs/mkpki.sh), made once per session."""
    require_tool("certtool")
    out = tmp_path_factory.mktemp("pki")
    proc = subprocess.run(["sh", str(MKPKI), str(out)], capture_output=True, timeout=120)
    if proc.returncode == 77:
        pytest.skip(proc.stderr.decode(errors="replace").strip())
    assert proc.returncode == 0, f"mkpki.sh failed: {proc.stderr.decode(errors='replace')}"
    return out


@pytest.fixture
def servers(tmp_path, pki):
    factory = ServerFactory(tmp_path, pki)
    yield factory
    factory.stop_all()


@pytest.fixture
def peer():
    """peer('http') starts a scripted test peer; all are stopped afterwards."""
    started = []

    def start(behaviour, host="127.0.0.1"):
        p = ScriptedPeer(behaviour, host)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture
def closed_port():
    """A loopback port with nothing listening (connection refused)."""
    return free_port()


def pem_sha256(path):
    """Lowercase hex SHA-256 of the DER of the first certificate in path."""
    pem = Path(path).read_text()
    end = pem.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem[:end] + "\n")).hexdigest()


@pytest.fixture(scope="session")
def iana_suites():
    """IANA name -> "0xC02F" code, from `openssl ciphers -stdname -V` (an
    oracle independent of tlsprobe's own registry)."""
    exe = require_tool("openssl")
    out = subprocess.run([exe, "ciphers", "-stdname", "-V", "ALL:COMPLEMENTOFALL"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        # "0xC0,0x2F - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 - ECDHE-RSA-... TLSv1.2 ..."
        if len(parts) >= 3 and parts[0].startswith("0x") and parts[1] == "-":
            hi, lo = parts[0].split(",")
            table[parts[2]] = "0x" + hi[2:].upper() + lo[2:].upper()
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" in table, out[:500]
    return table


# --------------------------------------------------------------------------
# Enumeration (--enum) fixtures: the scripted SSL 2.0 / SSL 3.0 responders
# of peers/ (no Debian package serves those versions any more) and a
# mosquitto broker with TLS.

PEERS_DIR = HERE / "peers"


class Responder:
    """A scripted test responder from peers/, run as its own process group;
    it prints "ready PORT" once listening on 127.0.0.1."""

    def __init__(self, script, args):
        self.proc = subprocess.Popen(["/usr/bin/python3", str(PEERS_DIR / script)] +
                                     [str(a) for a in args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=PEERS_DIR,
                                     start_new_session=True)
        line = b""
        ready = threading.Event()

        def read_ready():
            nonlocal line
            line = self.proc.stdout.readline()
            ready.set()

        threading.Thread(target=read_ready, daemon=True).start()
        if not ready.wait(SERVER_START_TIMEOUT) or not line.startswith(b"ready "):
            _killpg(self.proc)
            err = self.proc.stderr.read().decode(errors="replace")
            pytest.fail(f"scripted responder {script} did not start: {line!r} {err}",
                        pytrace=False)
        self.port = int(line.split()[1])
        self.host = "127.0.0.1"

    @property
    def target(self):
        return f"{self.host}:{self.port}"

    def stop(self):
        _killpg(self.proc)


@pytest.fixture
def responder():
    """responder('ssl3_server.py', cert, '0x000A,0x0005') starts a scripted
    responder from peers/; all are stopped afterwards."""
    started = []

    def start(script, *args):
        r = Responder(script, args)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


import getpass  # noqa: E402  (only the mosquitto fixture needs it)


@pytest.fixture
def mosquitto(servers, pki):
    """mosquitto() starts a broker with a TLS listener on 127.0.0.1 only
    (server certificate from the test PKI, no client certificate)."""
    exe = require_tool("mosquitto")

    def start(extra="", cafile="root.pem"):
        """extra: more listener settings, e.g. require_certificate true;
        cafile: the CA that client certificates must chain to."""
        def argv(port, workdir):
            # Started as root, mosquitto switches to its own user, which
            # cannot read the test PKI's keys: `user <ourselves>` keeps it.
            conf = (f"per_listener_settings false\nallow_anonymous true\npersistence false\n"
                    f"user {getpass.getuser()}\n"
                    f"log_dest stderr\nlistener {port} 127.0.0.1\n"
                    f"cafile {pki / cafile}\ncertfile {pki / 'leaf-fullchain.pem'}\n"
                    f"keyfile {pki / 'leaf.key'}\n{extra}")
            (workdir / "mosquitto.conf").write_text(conf)
            return [exe, "-c", str(workdir / "mosquitto.conf")]

        return servers._start("mosquitto", argv)

    return start


@pytest.fixture
def mosquitto_psk(servers):
    """mosquitto_psk(identities, hint) starts a broker whose TLS listener on
    127.0.0.1 has no certificate, only pre-shared keys (RFC 4279 / RFC 7925
    devices): `psk_file` lines `identity:hexkey` from the identities dict,
    `psk_hint` as given, the identity taken as the MQTT username. mosquitto
    does its TLS with OpenSSL."""
    exe = require_tool("mosquitto")

    def start(identities, hint):
        def argv(port, workdir):
            psk_file = workdir / "psk.txt"
            psk_file.write_text("".join(f"{i}:{k}\n" for i, k in identities.items()))
            conf = (f"per_listener_settings false\nallow_anonymous true\npersistence false\n"
                    f"user {getpass.getuser()}\n"
                    f"log_dest stderr\npsk_file {psk_file}\n"
                    f"listener {port} 127.0.0.1\npsk_hint {hint}\n"
                    f"use_identity_as_username true\n")
            (workdir / "mosquitto.conf").write_text(conf)
            return [exe, "-c", str(workdir / "mosquitto.conf")]

        return servers._start("mosquitto-psk", argv)

    return start


# ---------------------------------------------------------------------------
# Dovecot (IMAP, POP3, ManageSieve, LMTP), shared by the STARTTLS and the
# enumeration tests.

import tempfile  # noqa: E402


class SharedDir:
    """A directory other users can traverse (pytest's own tmp is 0700 root):
    Dovecot's login processes and PostgreSQL run as their own users."""

    def __init__(self, prefix, owner=None):
        self.path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        os.chmod(self.path, 0o755)
        if owner is not None:
            os.chown(self.path, owner.pw_uid, owner.pw_gid)

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


@pytest.fixture
def shared_dirs():
    made = []

    def make(prefix, owner=None):
        d = SharedDir(prefix, owner)
        made.append(d)
        return d.path

    yield make
    for d in made:
        d.remove()


@pytest.fixture
def dovecot(shared_dirs, servers, pki):
    """dovecot(ssl=True, dh=True) -> (server, {protocol: port}) for imap,
    pop3, sieve and lmtp listeners on 127.0.0.1. dh=False leaves out ssl_dh:
    Dovecot then closes any connection on which it picks a DHE suite."""
    exe = require_tool("dovecot")
    if not os.path.exists("/usr/lib/dovecot/managesieve-login"):
        pytest.skip("dovecot-managesieved is not installed")

    def start(ssl=True, dh=True):
        ports = {}

        def argv(port, workdir):
            base = shared_dirs("tlsprobe-dovecot-")
            ports.update(imap=port, pop3=free_port(), sieve=free_port(), lmtp=free_port())
            dh_line = "ssl_dh = </usr/share/dovecot/dh.pem\n" if dh else ""
            tls = (f"ssl = yes\nssl_cert = <{pki / 'leaf-fullchain.pem'}\n"
                   f"ssl_key = <{pki / 'leaf.key'}\n{dh_line}"
                   if ssl else "ssl = no\n")
            conf = f"""
base_dir = {base}/run
state_dir = {base}/state
log_path = {workdir}/dovecot.log
protocols = imap pop3 sieve lmtp
listen = 127.0.0.1
{tls}
auth_mechanisms = plain
passdb {{
  driver = static
  args = password=unused
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={base}/home
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {ports['imap']}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {ports['pop3']}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service managesieve-login {{
  inet_listener sieve {{
    address = 127.0.0.1
    port = {ports['sieve']}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {ports['lmtp']}
  }}
}}
"""
            (workdir / "dovecot.conf").write_text(conf)
            return [exe, "-F", "-c", str(workdir / "dovecot.conf")]

        server = servers._start("dovecot", argv)
        return server, ports

    return start
