"""Fleets (issue #10): --targets FILE or - with --jobs and --shard K/N.

A targets file mixing real servers (gnutls-serv, openssl s_server, nginx),
a closed port, a scripted silent peer (a peer that accepts and never
answers: no Debian package plays that part), comments, blank and bad
lines. --json is NDJSON there: one complete document per line, one per
target, each naming its line; the exit status is the worst of them."""

import json
import os
import subprocess
import time

import pytest

from conftest import _killpg, tlsprobe_path

# The silent peer's own deadline, and the slack a loaded 2-core machine gets.
SILENT_TIMEOUT_S = 4
SLACK_S = 6
PROCESS_TIMEOUT = 120


def run_fleet(args, stdin_text=None, timeout=PROCESS_TIMEOUT):
    """Run tlsprobe with args; stdin_text (if any) is its standard input.
    Returns (rc, stdout, stderr, elapsed)."""
    argv = [tlsprobe_path()] + [str(a) for a in args]
    env = dict(os.environ, NO_COLOR="1")
    env.pop("LD_PRELOAD", None)
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin_text is not None
                            else subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, start_new_session=True, text=True)
    try:
        out, err = proc.communicate(stdin_text, timeout=timeout)
    except subprocess.TimeoutExpired:
        _killpg(proc)
        out, err = proc.communicate()
        pytest.fail(f"tlsprobe {' '.join(argv[1:])} still running after {timeout}s\n"
                    f"stdout: {out}\nstderr: {err}", pytrace=False)
    return proc.returncode, out, err, time.monotonic() - started


def ndjson(out):
    """Every stdout line is one JSON object (and there is nothing else)."""
    docs = []
    for line in out.splitlines():
        try:
            doc = json.loads(line)
        except ValueError as exc:
            pytest.fail(f"not one JSON document per line ({exc}): {line[:300]!r}",
                        pytrace=False)
        assert isinstance(doc, dict), line
        docs.append(doc)
    assert out == "" or out.endswith("\n")
    return docs


def by_line(docs):
    lines = [d["target_line"] for d in docs]
    assert len(lines) == len(set(lines)), f"a line reported twice: {sorted(lines)}"
    return {d["target_line"]: d for d in docs}


def target_lines(text):
    """(line number, index) of every target line: what --shard counts."""
    result, index = [], 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        result.append((number, index))
        index += 1
    return result


@pytest.fixture
def fleet(servers, peer, closed_port, tmp_path):
    """A targets file over three real servers, a closed port and a silent
    peer, with comments, blank lines and bad lines; expected exit status
    per line."""
    gnutls = servers.gnutls()
    openssl = servers.openssl()
    nginx = servers.nginx()
    silent = peer("silent")
    text = "\n".join([
        "# fleet under test",
        f"localhost:{gnutls.port}",
        "",
        f"  localhost:{openssl.port} sni=localhost   # openssl s_server",
        f"127.0.0.1:{nginx.port}\tsni=localhost",
        f"127.0.0.1:{closed_port}",
        f"127.0.0.1:{silent.port} no-sni",
        "   # indented comment",
        "localhost:99999",
        f"localhost:{nginx.port} color=red",
        f"localhost:{nginx.port} sni=a no-sni",
        "",
    ])
    path = tmp_path / "targets.txt"
    path.write_text(text)
    expected = {2: 0, 4: 0, 5: 0, 6: 3, 7: 3, 9: 2, 10: 2, 11: 2}
    return path, text, expected


def common_args(pki):
    return ["--ca-file", pki / "root.pem", "--timeout", f"{SILENT_TIMEOUT_S}s"]


def test_ndjson_one_document_per_target(fleet, pki):
    path, text, expected = fleet
    rc, out, err, elapsed = run_fleet(["--targets", path, "--json", "--jobs", "4"]
                                      + common_args(pki))
    docs = by_line(ndjson(out))
    assert set(docs) == set(expected), f"lines reported: {sorted(docs)}\nstderr: {err}"
    got = {n: d["exit_status"] for n, d in docs.items()}
    assert got == expected, f"{got}\nstderr: {err}"
    assert rc == max(expected.values()) == 3, err
    lines = text.splitlines()
    for n, doc in docs.items():
        assert doc["target_spec"] == lines[n - 1].split("#")[0].strip() or \
            doc["target_spec"] == lines[n - 1].strip(), doc["target_spec"]
        assert doc["schema"] == "1.0"
        if expected[n] == 2:
            assert doc["error"]["stage"] == "targets", doc
            assert doc["error"]["code"] == "usage", doc
            assert "target" not in doc
        else:
            assert doc["target"]["port"] == int(lines[n - 1].split()[0].rsplit(":", 1)[1])
    # The real servers: complete handshakes, with the line's SNI.
    for n in (2, 4, 5):
        assert docs[n]["handshake"]["completed"] is True, docs[n]
        assert docs[n]["target"]["sni"] == "localhost"
    assert docs[7]["target"]["sni"] is None
    assert docs[6]["error"]["stage"] == "connect"
    assert docs[7]["error"]["code"] == "timeout"
    # Bad lines: one stderr line each, naming the line.
    for n in (9, 10, 11):
        assert sum(f"targets line {n}:" in line for line in err.splitlines()) == 1, err
    assert "color=red" in docs[10]["error"]["message"]
    # The summary on stderr.
    assert "8 targets" in err and "0: 3" in err and "2: 3" in err and "3: 2" in err, err


def test_stdin_and_jobs_give_the_same_results(fleet, pki):
    path, text, expected = fleet

    def outcome(docs):
        return {n: (d["exit_status"], (d.get("error") or {}).get("code"),
                    (d.get("handshake") or {}).get("version")) for n, d in docs.items()}

    rc1, out1, err1, _ = run_fleet(["--targets", "-", "--json", "--jobs", "1"]
                                   + common_args(pki), stdin_text=text)
    rc8, out8, err8, _ = run_fleet(["--targets", path, "--json", "--jobs", "16"]
                                   + common_args(pki))
    one, many = by_line(ndjson(out1)), by_line(ndjson(out8))
    assert rc1 == rc8 == 3, err1 + err8
    assert outcome(one) == outcome(many)
    assert set(one) == set(expected)
    # One job runs the file in order.
    assert [d["target_line"] for d in ndjson(out1)] == sorted(expected)


def test_stalled_target_does_not_delay_the_others(servers, peer, pki, tmp_path):
    """Five silent peers and six real servers with four jobs: the servers'
    documents arrive long before the silent peers' deadline, and the whole
    run takes about two of those deadlines, not five."""
    real = [servers.nginx(), servers.gnutls()]
    silent = [peer("silent") for _ in range(5)]
    lines = [f"127.0.0.1:{p.port}" for p in silent[:2]]
    lines += [f"localhost:{s.port}" for s in real * 3]
    lines += [f"127.0.0.1:{p.port}" for p in silent[2:]]
    path = tmp_path / "targets.txt"
    path.write_text("\n".join(lines) + "\n")
    argv = [tlsprobe_path(), "--targets", str(path), "--json", "--jobs", "4"] + \
        [str(a) for a in common_args(pki)]
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    arrivals = []
    try:
        for line in proc.stdout:  # documents as they are flushed
            arrivals.append((time.monotonic() - started, json.loads(line)))
        proc.wait(timeout=PROCESS_TIMEOUT)
    finally:
        _killpg(proc)
    total = time.monotonic() - started
    stderr = proc.stderr.read()
    assert len(arrivals) == len(lines), stderr
    ok = [t for t, d in arrivals if d["exit_status"] == 0]
    stalled = [t for t, d in arrivals if d["exit_status"] == 3]
    assert len(ok) == 6 and len(stalled) == 5, stderr
    # Two silent peers hold two jobs; the other two run all six servers.
    assert max(ok) < SILENT_TIMEOUT_S, (arrivals, stderr)
    assert min(stalled) >= SILENT_TIMEOUT_S * 0.9, arrivals
    assert total < 2 * SILENT_TIMEOUT_S + SLACK_S, (total, stderr)
    assert proc.returncode == 3


def test_shards_partition_the_list(fleet, pki):
    path, text, expected = fleet
    index_of = dict(target_lines(text))
    seen = []
    for k in range(3):
        rc, out, err, _ = run_fleet(["--targets", path, "--json", "--shard", f"{k}/3"]
                                    + common_args(pki))
        lines = sorted(by_line(ndjson(out)))
        assert all(index_of[n] % 3 == k for n in lines), (k, lines)
        assert rc == max((expected[n] for n in lines), default=0), err
        seen += lines
    assert sorted(seen) == sorted(expected), "the shards' union is the list, disjoint"


def test_exit_status_is_the_worst(servers, pki, tmp_path, closed_port):
    srv = servers.nginx()
    path = tmp_path / "t.txt"
    cases = [
        ([f"localhost:{srv.port}"] * 2, 0),
        ([f"localhost:{srv.port}", "localhost:0"], 2),
        ([f"127.0.0.1:{closed_port}", "localhost:0", f"localhost:{srv.port}"], 3),
    ]
    for lines, want in cases:
        path.write_text("\n".join(lines) + "\n")
        rc, out, err, _ = run_fleet(["--targets", path, "--json", "--ca-file", pki / "root.pem"])
        assert rc == want, (lines, err)
        assert len(ndjson(out)) == len(lines)
    # Without the test CA the chain is untrusted: a high finding, exit 1.
    path.write_text(f"localhost:{srv.port}\n")
    rc, out, err, _ = run_fleet(["--targets", path, "--json"])
    assert rc == 1, err
    assert ndjson(out)[0]["exit_status"] == 1


def test_text_reports_and_summary(fleet, pki):
    path, text, expected = fleet
    rc, out, err, _ = run_fleet(["--targets", path, "--jobs", "3"] + common_args(pki))
    assert rc == 3, err
    for n in expected:
        assert f"=== line {n}: " in out, out
    summary = out[out.index("\nSummary\n"):]
    rows = [l.split() for l in summary.splitlines()[3:] if l.strip()]
    assert {int(r[0]) for r in rows} == set(expected), summary
    assert {int(r[0]): int(r[-1]) for r in rows} == expected, summary


def test_enum_and_timing(servers, pki, tmp_path, closed_port):
    nginx, gnutls = servers.nginx(), servers.gnutls()
    path = tmp_path / "t.txt"
    path.write_text(f"localhost:{nginx.port}\nlocalhost:{gnutls.port}\n"
                    f"127.0.0.1:{closed_port}\n")
    rc, out, err, _ = run_fleet(["--targets", path, "--json", "--enum", "--parallel", "4",
                                 "--ca-file", pki / "root.pem"])
    docs = by_line(ndjson(out))
    assert set(docs) == {1, 2, 3}, err
    for n in (1, 2):
        versions = {p["version"] for p in docs[n]["protocols"] if p["supported"] is True}
        assert "TLSv1.3" in versions, docs[n]["protocols"]
        assert docs[n]["enumeration"]["grade"], docs[n]["enumeration"]
    assert docs[3]["exit_status"] == 3 and rc == 3
    rc, out, err, _ = run_fleet(["--targets", path, "--json", "--timing", "--repeat", "2",
                                 "--ca-file", pki / "root.pem"])
    docs = by_line(ndjson(out))
    assert set(docs) == {1, 2, 3}, err
    assert docs[1]["timing"] is not None and docs[2]["timing"] is not None
    assert rc == 3


def test_usage_errors(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("localhost:1\n")
    for args in (["--targets", path, "localhost:1"], ["--targets", tmp_path / "missing"],
                 ["--targets", path, "--jobs", "0"], ["--targets", path, "--shard", "3/3"],
                 ["--targets", path, "--read", path], ["--shard", "0/2", "localhost:1"]):
        rc, out, err, _ = run_fleet(args)
        assert rc == 2, (args, err)
        assert out == "", (args, out)
