"""--starttls against real servers from Debian, started by each test on
127.0.0.1 and free ports with minimal configurations in temporary
directories: Dovecot (IMAP, POP3, ManageSieve, LMTP), Exim (SMTP), vsftpd
(FTP), PostgreSQL and OpenLDAP slapd. Each is also started with STARTTLS
unavailable, to see the refusal reported in the server's own words.
"""

import glob
import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import explain, free_port, require_tool, run, run_json

LEAF_CN = "CN=localhost"


def assert_upgraded(res, proto, port):
    doc = res.doc
    assert res.rc == 0, explain(res)
    assert doc["target"]["starttls"] == proto, explain(res)
    assert doc["target"]["port"] == port
    assert doc["handshake"]["completed"] is True, explain(res)
    assert doc["handshake"]["version"] in ("TLSv1.2", "TLSv1.3"), explain(res)
    assert doc["certificates"][0]["subject"].startswith(LEAF_CN) or \
        LEAF_CN in doc["certificates"][0]["subject"], explain(res)
    assert doc["verification"]["trusted"] is True, explain(res)
    assert "error" not in doc, explain(res)


def assert_refused(res, *words):
    assert res.rc == 4, explain(res)
    err = res.doc["error"]
    assert err["stage"] == "tls" and err["code"] == "tls", explain(res)
    assert err["message"].startswith("server refused STARTTLS: "), explain(res)
    for w in words:
        assert w in err["message"], explain(res)
    assert res.doc["handshake"]["completed"] is not True
    assert err["message"] in res.stderr


def probe(server_port, proto, pki, *extra):
    return run_json(["--starttls", proto, "--ca-file", pki / "root.pem", "--timeout", "20s",
                     *extra, f"127.0.0.1:{server_port}"])


# --------------------------------------------------------------------------
# Servers


@pytest.fixture
def exim(servers, pki):
    """exim(advertise=True, cert=...) runs Exim's daemon (exim4-daemon-light)
    in the foreground with a configuration that accepts no mail."""
    exe = require_tool("exim4")

    def start(advertise=True, cert=None):
        def argv(port, workdir):
            (workdir / "spool").mkdir()
            conf = f"""
primary_hostname = localhost
local_interfaces = 127.0.0.1
spool_directory = {workdir}/spool
log_file_path = {workdir}/%slog
pid_file_path = {workdir}/exim.pid
exim_user = root
exim_group = root
never_users =
smtp_accept_max = 100
tls_advertise_hosts = {'*' if advertise else ''}
tls_certificate = {cert or pki / 'leaf-fullchain.pem'}
tls_privatekey = {pki / 'leaf.key'}
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  deny
"""
            (workdir / "exim.conf").write_text(conf)
            return [exe, "-C", str(workdir / "exim.conf"), "-bdf", "-oX", str(port)]

        return servers._start("exim", argv)

    return start


@pytest.fixture
def vsftpd(servers, pki):
    exe = require_tool("vsftpd")

    def start(ssl=True):
        def argv(port, workdir):
            (workdir / "empty").mkdir()
            conf = f"""listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={port}
background=NO
anonymous_enable=NO
local_enable=YES
ssl_enable={'YES' if ssl else 'NO'}
rsa_cert_file={pki / 'leaf-fullchain.pem'}
rsa_private_key_file={pki / 'leaf.key'}
secure_chroot_dir={workdir / 'empty'}
seccomp_sandbox=NO
xferlog_enable=NO
"""
            (workdir / "vsftpd.conf").write_text(conf)
            return [exe, str(workdir / "vsftpd.conf")]

        return servers._start("vsftpd", argv)

    return start


@pytest.fixture
def postgres(shared_dirs, servers, pki):
    """postgres(ssl=True): a cluster made by initdb in a directory owned by
    the postgres user, listening on 127.0.0.1 and a socket in that
    directory only."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not bins:
        pytest.skip("postgresql is not installed")
    runuser = require_tool("runuser")
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres user (the postgresql package creates it)")
    if os.geteuid() != 0:
        pytest.skip("needs root to run PostgreSQL as the postgres user")
    bindir = Path(bins[-1]).parent

    def start(ssl=True):
        base = shared_dirs("tlsprobe-pg-", owner)
        for name, src in (("server.crt", "leaf-fullchain.pem"), ("server.key", "leaf.key")):
            shutil.copy(pki / src, base / name)
            os.chown(base / name, owner.pw_uid, owner.pw_gid)
        os.chmod(base / "server.key", 0o600)
        proc = subprocess.run([runuser, "-u", "postgres", "--", str(bindir / "initdb"), "-D",
                               str(base / "data"), "-A", "trust", "-U", "postgres", "--no-sync"],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr

        def argv(port, workdir):
            return [runuser, "-u", "postgres", "--", str(bindir / "postgres"), "-D",
                    str(base / "data"), "-c", "listen_addresses=127.0.0.1", "-c", f"port={port}",
                    "-c", f"unix_socket_directories={base}", "-c", f"ssl={'on' if ssl else 'off'}",
                    "-c", f"ssl_cert_file={base / 'server.crt'}",
                    "-c", f"ssl_key_file={base / 'server.key'}", "-c", "fsync=off"]

        return servers._start("postgres", argv)

    return start


@pytest.fixture
def slapd(servers, pki):
    exe = require_tool("slapd")

    def start(tls=True):
        def argv(port, workdir):
            conf = f"pidfile {workdir}/slapd.pid\nargsfile {workdir}/slapd.args\n"
            if tls:
                conf += (f"TLSCertificateFile {pki / 'leaf-fullchain.pem'}\n"
                         f"TLSCertificateKeyFile {pki / 'leaf.key'}\n")
            (workdir / "slapd.conf").write_text(conf)
            return [exe, "-d", "0", "-f", str(workdir / "slapd.conf"), "-h",
                    f"ldap://127.0.0.1:{port}/"]

        return servers._start("slapd", argv)

    return start


# --------------------------------------------------------------------------
# Upgrades that work


@pytest.mark.parametrize("proto", ["imap", "pop3", "sieve", "lmtp"])
def test_dovecot(dovecot, pki, proto):
    server, ports = dovecot()
    res = probe(ports[proto], proto, pki)
    assert_upgraded(res, proto, ports[proto])


def test_smtp_exim(exim, pki):
    server = exim()
    res = probe(server.port, "smtp", pki)
    assert_upgraded(res, "smtp", server.port)
    # The text report says how the connection was made.
    text = run(["--starttls", "smtp", "--ca-file", pki / "root.pem", server.target])
    assert text.rc == 0, explain(text)
    assert "STARTTLS smtp" in text.stdout.splitlines()[0]


def test_ftp_vsftpd(vsftpd, pki):
    server = vsftpd()
    assert_upgraded(probe(server.port, "ftp", pki), "ftp", server.port)


def test_postgres(postgres, pki):
    server = postgres()
    assert_upgraded(probe(server.port, "postgres", pki), "postgres", server.port)


def test_ldap_slapd(slapd, pki):
    server = slapd()
    assert_upgraded(probe(server.port, "ldap", pki), "ldap", server.port)


def test_plain_run_has_null_starttls(servers, pki):
    server = servers.openssl()
    res = run_json(["--ca-file", pki / "root.pem", server.target])
    assert res.rc == 0, explain(res)
    assert res.doc["target"]["starttls"] is None


def test_timing_phase(exim, pki):
    """The dialogue is its own phase; the flights start at the ClientHello."""
    server = exim()
    res = probe(server.port, "smtp", pki, "--timing")
    assert res.rc == 0, explain(res)
    tl = res.doc["timing"]
    assert tl["starttls_ms"] is not None and tl["starttls_ms"] > 0, tl
    flights = tl["flights"]
    assert flights[0]["label"] == "ClientHello", flights
    assert flights[0]["start_ms"] >= tl["dns_ms"] + tl["connect_ms"] + tl["starttls_ms"] - 0.5
    # Only TLS records are counted: the greeting and EHLO reply are not.
    assert all(f["records"] >= 1 for f in flights), flights


# --------------------------------------------------------------------------
# Refusals, in the server's own words (exit 4)


def test_smtp_not_advertised(exim, pki):
    server = exim(advertise=False)
    assert_refused(probe(server.port, "smtp", pki), "not offered in its SMTP EHLO reply")


def test_smtp_454(exim, pki, tmp_path):
    # Exim advertises STARTTLS but cannot load its certificate: 454.
    server = exim(cert=tmp_path / "no-such-cert.pem")
    assert_refused(probe(server.port, "smtp", pki), "454 TLS currently unavailable")


@pytest.mark.parametrize("proto,words", [
    ("imap", ("a1 BAD", "TLS")),
    ("pop3", ("-ERR", "TLS")),
])
def test_dovecot_without_tls(dovecot, pki, proto, words):
    server, ports = dovecot(ssl=False)
    assert_refused(probe(ports[proto], proto, pki), *words)


def test_ftp_without_tls(vsftpd, pki):
    server = vsftpd(ssl=False)
    assert_refused(probe(server.port, "ftp", pki), "530")


def test_postgres_without_ssl(postgres, pki):
    server = postgres(ssl=False)
    assert_refused(probe(server.port, "postgres", pki), "PostgreSQL answered 'N'")


def test_ldap_without_tls(slapd, pki):
    server = slapd(tls=False)
    assert_refused(probe(server.port, "ldap", pki), "resultCode 2 (protocolError)",
                   "unsupported extended operation")


# --------------------------------------------------------------------------
# The wrong service


def test_wrong_protocol_says_what_it_is(dovecot, pki):
    server, ports = dovecot()
    res = probe(ports["pop3"], "smtp", pki)
    assert res.rc == 4, explain(res)
    msg = res.doc["error"]["message"]
    assert msg.startswith("peer does not speak SMTP: its greeting was '+OK"), msg
    assert "looks like a POP3 server" in msg


def test_implicit_tls_port(servers, pki):
    """A TLS server waits for the ClientHello, so an SMTP greeting never
    comes: a time-out (exit 3) that says what to try."""
    server = servers.openssl()
    res = run_json(["--starttls", "smtp", "--timeout", "2s", server.target], timeout=30)
    assert res.rc == 3, explain(res)
    assert res.doc["error"]["code"] == "timeout"
    assert "drop --starttls" in res.doc["error"]["message"]
    assert res.elapsed < 10


# --------------------------------------------------------------------------
# --enum through STARTTLS, against openssl s_client as the oracle

ORACLE_SUITES = [
    # (openssl name, IANA name, TLS version flag)
    ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "-tls1_2"),
    ("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "-tls1_2"),
    ("DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "-tls1_2"),
    ("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA", "-tls1_2"),
    ("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384", "-tls1_2"),
    ("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "-tls1_2"),
    ("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "-tls1_3"),
    ("TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "-tls1_3"),
]


def openssl_accepts(port, name, version_flag):
    exe = require_tool("openssl")
    pick = ["-ciphersuites", name] if version_flag == "-tls1_3" else ["-cipher", name]
    proc = subprocess.run([exe, "s_client", "-starttls", "imap", "-connect", f"127.0.0.1:{port}",
                           version_flag, *pick], input="", capture_output=True, text=True,
                          timeout=30)
    m = re.search(r"Cipher is (\S+)", proc.stdout)
    return m is not None and m[1] not in ("(NONE)", "0000")


def test_enum_imap_matches_openssl(dovecot, pki, iana_suites):
    server, ports = dovecot()
    port = ports["imap"]
    res = run_json(["--starttls", "imap", "--enum", "--ca-file", pki / "root.pem",
                    f"127.0.0.1:{port}"], timeout=120)
    assert res.rc in (0, 1), explain(res)
    found = {s["name"] for s in res.doc["cipher_suites"] or []}
    assert found, explain(res)
    versions = {p["version"]: p["supported"] for p in res.doc["protocols"]}
    assert versions["TLSv1.2"] is True and versions["TLSv1.3"] is True, versions
    accepted = 0
    for ossl, iana, flag in ORACLE_SUITES:
        assert iana in iana_suites, iana
        truth = openssl_accepts(port, ossl, flag)
        accepted += truth
        assert (iana in found) == truth, f"{iana}: openssl says {truth}, tlsprobe found {sorted(found)}"
    assert accepted >= 3, "the oracle accepted too few suites to mean anything"


# --------------------------------------------------------------------------
# The command line


def test_default_port_is_the_protocols(closed_port):
    # Nothing needs to listen: the port chosen is in the document either way.
    res = run_json(["--starttls", "imap", "--timeout", "2s", "127.0.0.1"], timeout=30)
    assert res.doc["target"]["port"] == 143
    res = run_json(["--starttls", "postgres", "--timeout", "2s", "127.0.0.1"], timeout=30)
    assert res.doc["target"]["port"] == 5432
    res = run_json(["--starttls", "smtp", "--timeout", "2s", f"127.0.0.1:{closed_port}"],
                   timeout=30)
    assert res.doc["target"]["port"] == closed_port
    assert res.rc == 3, explain(res)


def test_unknown_protocol_is_a_usage_error():
    res = run(["--starttls", "gopher", "127.0.0.1"])
    assert res.rc == 2
    assert "--starttls: expected one of smtp, lmtp, imap, pop3, ftp, xmpp, ldap, postgres, " \
        "mysql, nntp, sieve, not 'gopher'" in res.stderr
    assert res.stdout == ""


def test_read_takes_no_starttls(tmp_path):
    res = run(["--starttls", "smtp", "--read", tmp_path / "x.pcap"])
    assert res.rc == 2
    assert "--starttls" in res.stderr
