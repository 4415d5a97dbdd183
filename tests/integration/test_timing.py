"""--timing, --repeat, --resume and --link against real servers on loopback.

Loopback times are tiny and noisy, so these assert structure and loose
bounds; tests/bench/bench_timing.py measures the tight ones on an emulated
link."""

import pytest

from conftest import run, run_json, explain

PHASES = ("dns", "connect", "first_byte", "server_flight", "handshake", "total")


def timing_args(pki, server, *extra):
    return ["--timing", "--ca-file", pki / "root.pem", "--sni", "localhost", *extra,
            server.target]


def check_timeline(t, res):
    flights = t["flights"]
    assert len(flights) >= 3, explain(res)
    starts = [f["start_ms"] for f in flights]
    assert starts == sorted(starts), f"flights out of order: {flights}"
    assert flights[0]["label"] == "ClientHello" and flights[0]["direction"] == "client"
    assert flights[1]["direction"] == "server"
    assert flights[1]["label"].startswith("ServerHello")
    for f in flights:
        assert f["bytes"] > 0 and f["records"] >= 1, f
        assert f["end_ms"] >= f["start_ms"]
        assert f["start_ms"] >= t["dns_ms"] + t["connect_ms"] - 0.001
    assert all(flights[i]["direction"] != flights[i + 1]["direction"]
               for i in range(len(flights) - 1))
    assert 0 < t["certificate_share"] < 1
    assert t["certificate_bytes"] > 1000
    assert t["total_bytes"]["client"] == sum(f["bytes"] for f in flights
                                             if f["direction"] == "client")
    assert t["total_bytes"]["server"] == sum(f["bytes"] for f in flights
                                             if f["direction"] == "server")
    assert t["complete"] and 0 < t["handshake_ms"] < 5000
    assert t["dns_ms"] >= 0 and t["connect_ms"] >= 0


def test_timing_tls13(servers, pki):
    srv = servers.gnutls()
    res = run_json(timing_args(pki, srv))
    assert res.rc == 0, explain(res)
    t = res.doc["timing"]
    check_timeline(t, res)
    assert t["version"] == "TLSv1.3"
    assert t["round_trips"] == 1
    assert t["certificate_estimated"] is True
    assert res.doc["projection"] is None and res.doc["capture"] is None
    assert res.doc["handshakes"] is None
    # The report's own handshake is the timed one.
    assert res.doc["handshake"]["version"] == "TLSv1.3"


def test_timing_tls12_flights(servers, pki):
    srv = servers.openssl()
    res = run_json(timing_args(pki, srv, "--tls-max", "1.2"))
    assert res.rc == 0, explain(res)
    t = res.doc["timing"]
    check_timeline(t, res)
    labels = [f["label"] for f in t["flights"]]
    assert labels[:3] == ["ClientHello", "ServerHello..ServerHelloDone",
                          "ClientKeyExchange..Finished"], labels
    assert labels[3].endswith("Finished")
    assert t["round_trips"] == 2
    # TLS 1.2 sends the chain in the clear: its size is measured, and it
    # matches the certificates' DER sizes plus the message's framing.
    assert t["certificate_estimated"] is False
    assert t["versions"] is None  # bounds given: no comparison


def test_text_timeline(servers, pki):
    srv = servers.gnutls()
    res = run(timing_args(pki, srv))
    assert res.rc == 0, explain(res)
    assert "Timing (TLSv1.3)" in res.stdout
    assert "-> ClientHello" in res.stdout and "<- ServerHello..Finished" in res.stdout
    assert "round trip" in res.stdout


def test_repeat_statistics(servers, pki):
    srv = servers.openssl()
    res = run_json(timing_args(pki, srv, "--repeat", "6"))
    assert res.rc == 0, explain(res)
    stats = res.doc["timing"]["statistics"]["full"]
    assert stats["runs"] == 6 and stats["failures"] == 0
    for name in PHASES:
        p = stats["phases"][name]
        assert p["n"] == 6, (name, p)
        assert p["min_ms"] <= p["median_ms"] <= p["p95_ms"] <= p["max_ms"], (name, p)
        assert p["min_ms"] <= p["mean_ms"] <= p["max_ms"]
    b = stats["bytes"]
    assert b["min"] <= b["median"] <= b["p95"] <= b["max"] and b["min"] > 1000
    assert res.doc["timing"]["statistics"]["resumed"] is None


@pytest.mark.parametrize("tls_max", ["1.2", "1.3"])
def test_resume(servers, pki, tls_max):
    srv = servers.openssl()
    res = run_json(timing_args(pki, srv, "--resume", "--repeat", "3", "--tls-max", tls_max))
    assert res.rc == 0, explain(res)
    t = res.doc["timing"]
    r = t["resumption"]
    assert r["offered"] and r["resumed"], r
    full = t["total_bytes"]["client"] + t["total_bytes"]["server"]
    resumed = r["timeline"]["total_bytes"]["client"] + r["timeline"]["total_bytes"]["server"]
    assert resumed < full
    assert r["saved_bytes"] == full - resumed
    assert r["timeline"]["resumed"] is True
    assert r["timeline"]["certificate_bytes"] == 0  # no chain in a resumed handshake
    assert r["timeline"]["round_trips"] == 1
    s = t["statistics"]["resumed"]
    assert s["runs"] == 3 and s["resumed"] == 3


def test_versions_compared(servers, pki):
    srv = servers.nginx(protocols="TLSv1.2 TLSv1.3")
    res = run_json(timing_args(pki, srv, "--fail-on", "none"))
    assert res.rc == 0, explain(res)
    v = {e["version"]: e for e in res.doc["timing"]["versions"]}
    assert v["TLSv1.2"]["ok"] and v["TLSv1.3"]["ok"], v
    assert v["TLSv1.2"]["round_trips"] == 2 and v["TLSv1.3"]["round_trips"] == 1


def test_versions_only_one(servers, pki):
    srv = servers.nginx(protocols="TLSv1.3")
    res = run_json(timing_args(pki, srv, "--fail-on", "none"))
    assert res.rc == 0, explain(res)
    v = {e["version"]: e for e in res.doc["timing"]["versions"]}
    assert v["TLSv1.3"]["ok"] and not v["TLSv1.2"]["ok"] and v["TLSv1.2"]["error"]


def test_link_nbiot(servers, pki):
    srv = servers.gnutls()
    res = run_json(timing_args(pki, srv, "--link", "nb-iot", "--resume"))
    assert res.rc == 0, explain(res)
    p = res.doc["projection"]
    t = res.doc["timing"]
    assert p["link"]["name"] == "nb-iot" and p["practical"] is True
    assert p["total_ms"] > t["handshake_ms"]
    # 2 s radio set-up, a TCP and a TLS round trip of 1.6 s each: at least 5 s.
    assert 5000 < p["total_ms"] < 60000, p["total_ms"]
    assert abs(sum(p["breakdown"].values()) - p["total_ms"]) < 1.0
    assert p["resumed_total_ms"] is not None and p["resumed_total_ms"] < p["total_ms"]
    assert [f["label"] for f in p["flights"]][:3] == ["SYN", "SYN-ACK", "ClientHello"]
    names = {s["name"] for s in p["suggestions"]}
    assert {"ecdsa-leaf", "cert-compression", "resumption"} <= names
    eco = next(s for s in p["suggestions"] if s["name"] == "ecdsa-leaf")
    assert eco["applicable"] and eco["saving_ms"] > 0 and eco["saving_bytes"] > 0
    assert "certificate chain" in p["dominant"]
    assert "serialisation" in p["model"]


def test_link_spec_and_lorawan(servers, pki):
    srv = servers.gnutls()
    res = run_json(timing_args(pki, srv, "--link", "bw=20k,rtt=1600ms,mtu=1430,loss=1%,setup=2s"))
    assert res.rc == 0, explain(res)
    assert res.doc["projection"]["link"]["rtt_ms"] == 1600
    res = run_json(timing_args(pki, srv, "--link", "lorawan"))
    assert res.rc == 0, explain(res)
    p = res.doc["projection"]
    assert p["practical"] is False and p["why"]
    text = run(timing_args(pki, srv, "--link", "lorawan")).stdout
    assert "impractical" in text


@pytest.mark.parametrize("args", [
    ["--repeat", "3"],
    ["--resume"],
    ["--link", "nb-iot"],
    ["--timing", "--repeat", "0"],
    ["--timing", "--repeat", "1001"],
    ["--timing", "--link", "warp-drive"],
    ["--timing", "--link", "bw=20k"],
    ["--timing", "-w", "x.pcap"],
    ["--timing", "--enum"],
])
def test_usage_errors(args):
    res = run(args + ["127.0.0.1:1"])
    assert res.rc == 2, explain(res)
    assert res.stdout == ""
