#!/usr/bin/python3
"""A packet-level emulated link between two network namespaces, for tests
and benchmarks that need latency and bandwidth (`tc netem` is missing on the
kernels we run on).

    client ns              router ns                         server ns
    CLIENT_IF 198.18.0.1 == R_CLIENT [forwarder] R_SERVER == SERVER_IF 198.18.0.2
           (veth pair)                                 (veth pair)

Unlike tests/tools/delay_relay.py, nothing answers for the server: every
Ethernet frame, the SYN and SYN-ACK included, crosses the router namespace,
where the forwarder reads it from one veth with an AF_PACKET socket and
writes it unchanged to the other once the link would have delivered it. TCP
runs end to end, between the client's and the server's own kernels.

Per direction, the forwarder is a serial link with a FIFO queue: a frame of
B bytes of IP packet (the 14-byte Ethernet header is not counted, as radio
links carry IP) that reaches the router at t starts when the direction is
free, takes B * 8 / rate to serialise, and is delivered one one-way delay
(RTT/2) later, in order. --half-duplex makes both directions share one
channel, granted in turn when both have frames waiting (so pure ACKs take
air time between the segments of a long flight). The rate is the forwarder's rather than `tc tbf`'s because a token
bucket sends the first packet of every burst at line rate (a whole packet's
serialisation early per flight: 570 ms at 20 kbit/s) and counts the
Ethernet header. No radio set-up is emulated.

Loss, per direction and reproducible (nothing is lost unless asked): a
drop list loses the Nth, Mth, ... IPv4 packet of a direction (counted
from 1 from the forwarder's start, so reconfigure() before each
connection whose packets are counted), and/or a probability loses each
packet with P from a random generator seeded with --seed (each direction
its own generator, so a seed gives the same pattern run after run). A
lost frame still takes its air time (it is serialised and occupies the
channel, as on a radio link) and is then not delivered. Frames that are
not IPv4 are never counted or lost. UDP crosses the forwarder as TCP
does: it forwards Ethernet frames, whatever they carry.

So that the frames are what TCP would put on a real link: the MTU is set on
all four interfaces, segmentation and receive offloads are off (no 64 KB
GSO frames), checksums are computed in software (a frame that left with a
partial checksum would be dropped after the copy), IPv6 is off (no router
solicitations on the link), the two hosts know each other's MAC address
statically (no ARP across the delay), the router has no addresses and IPv4
forwarding off (so its kernel forwards nothing itself), and TCP metrics are
not cached between connections. Needs root, iproute2 and ethtool. Only
198.18.0.0/15 (RFC 2544 benchmark range) addresses, inside namespaces this
module creates, are used; they are deleted at the end.

As a module:

    from packet_delay import Link
    with Link(rtt_ms=150, down_kbit=150, up_kbit=100, mtu=1430) as link:
        server = subprocess.Popen(link.server_exec(["nginx", ...]))
        subprocess.run(link.client_exec(["tlsprobe", f"{link.server_addr}:443"]))
        link.reconfigure(rtt_ms=600, down_kbit=2000, up_kbit=256, mtu=1500)
        # lose the server's 2nd IP packet and 10 % of the client's, seeded:
        link.reconfigure(drop_down=[2], loss_up=0.1, seed=7)
        link.dropped()      # {"down": [2], "up": [...]}: what was lost so far

As a command (prints the namespaces and addresses as one JSON line, then
keeps the link up until interrupted):

    packet_delay.py up --rtt 150 --down 150 --up 100 [--mtu 1430] [--half-duplex]
                       [--loss-down P] [--loss-up P] [--seed S]
                       [--drop-down N,M,..] [--drop-up N,M,..]
    ip netns exec NS_SERVER nginx ...; ip netns exec NS_CLIENT tlsprobe 198.18.0.2
    packet_delay.py forward IF_A IF_B --delay-ms D [--a-kbit R] [--b-kbit R]
                            [--half-duplex] [--a-loss P] [--b-loss P] [--seed S]
                            [--a-drop N,..] [--b-drop N,..] [--drop-log FILE]
                                                (the forwarder itself; runs in
                                                 the router namespace)
Rates of 0 mean unlimited. Loss P is a probability, 0 <= P < 1; "down" is
server to client (frames read on IF_B), "up" client to server (IF_A).
--drop-log appends one line "a N" / "b N" per packet lost.
"""
import argparse
import collections
import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
ETH_HEADER = 14
ETH_P_IP = b"\x08\x00"
CLIENT_ADDR, SERVER_ADDR, PREFIX = "198.18.0.1", "198.18.0.2", 24


# --------------------------------------------------------------------------
# The forwarder (router namespace)


class Direction:
    """One direction of the link: frames waiting for the channel (with
    their arrival time) and frames on their way (with their delivery
    time)."""

    def __init__(self, dst, kbit, name="", loss=0.0, drops=(), seed=None, log=None):
        self.dst = dst
        self.bps = kbit * 1000.0
        self.waiting = collections.deque()
        self.flying = collections.deque()
        self.name, self.loss, self.drops, self.log = name, loss, frozenset(drops), log
        # One generator per direction: the pattern of one direction does not
        # depend on how many packets the other carried.
        self.rng = random.Random(f"{seed}/{name}")
        self.ip_packets = 0

    def lost(self, frame):
        """Whether this frame, just read, is to be lost on the way."""
        if frame[12:14] != ETH_P_IP:
            return False
        self.ip_packets += 1
        lost = self.ip_packets in self.drops
        if self.loss > 0.0 and self.rng.random() < self.loss:
            lost = True
        if lost and self.log is not None:
            self.log.write(f"{self.name} {self.ip_packets}\n")
            self.log.flush()
        return lost


class Channel:
    """Serialises the frames of its directions one at a time: one channel
    per direction on a full-duplex link, one for both on a half-duplex one,
    where a frame that waits while the other direction sends goes next
    (round robin), as a scheduler that grants both sides in turn would."""

    def __init__(self, dirs, delay_s):
        self.dirs, self.delay_s = dirs, delay_s
        self.free_at, self.last = 0.0, None

    def run(self, now):
        while True:
            heads = [d for d in self.dirs if d.waiting]
            if not heads:
                return None
            t = max(self.free_at, min(d.waiting[0][0] for d in heads))
            if t > now:
                return t  # busy until then
            ready = [d for d in heads if d.waiting[0][0] <= t]
            d = ready[0] if len(ready) == 1 or ready[0] is not self.last else ready[1]
            _, frame, lost = d.waiting.popleft()
            ser = (len(frame) - ETH_HEADER) * 8 / d.bps if d.bps > 0 else 0.0
            self.free_at, self.last = t + ser, d
            d.flying.append((self.free_at + self.delay_s, frame, lost))


def packet_socket(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.bind((ifname, 0))
    s.setblocking(False)
    return s


def forward(if_a, if_b, delay_ms, a_kbit, b_kbit, half_duplex, a_loss=0.0, b_loss=0.0,
            a_drop=(), b_drop=(), seed=None, drop_log=None):
    """Frames read on if_a leave on if_b, serialised at a_kbit (the rate of
    the host behind if_a), and frames read on if_b leave on if_a at b_kbit.
    a_loss / a_drop lose frames read on if_a (see the module's docstring),
    b_loss / b_drop those read on if_b."""
    sa, sb = packet_socket(if_a), packet_socket(if_b)
    log = open(drop_log, "a") if drop_log else None
    a_to_b = Direction(sb, a_kbit, "a", a_loss, a_drop, seed, log)
    b_to_a = Direction(sa, b_kbit, "b", b_loss, b_drop, seed, log)
    by_sock = {sa: a_to_b, sb: b_to_a}
    delay_s = delay_ms / 1000.0
    channels = [Channel([a_to_b, b_to_a], delay_s)] if half_duplex else \
        [Channel([a_to_b], delay_s), Channel([b_to_a], delay_s)]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("ready", flush=True)
    while not stop:
        now = time.monotonic()
        wake = [t for t in (c.run(now) for c in channels) if t is not None]
        for d in (a_to_b, b_to_a):
            while d.flying and d.flying[0][0] <= now:
                _, frame, lost = d.flying.popleft()
                if lost:
                    continue  # it took its air time, and never arrives
                try:
                    d.dst.send(frame)
                except OSError:
                    pass  # a frame the other side cannot take is lost, like on a link
            if d.flying:
                wake.append(d.flying[0][0])
        timeout = max(0.0, min(wake) - time.monotonic()) if wake else 0.5
        try:
            ready, _, _ = select.select([sa, sb], [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for s in ready:
            d = by_sock[s]
            while True:
                try:
                    frame, addr = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] != PACKET_OUTGOING:  # not our own copies going out
                    d.waiting.append((now, frame, d.lost(frame)))
    if log is not None:
        log.close()
    return 0


# --------------------------------------------------------------------------
# The namespaces


def _sh(*args, check=True):
    return subprocess.run([str(a) for a in args], check=check, capture_output=True, text=True)


class Link:
    """Three namespaces and the forwarder; a context manager that removes
    them on exit. Addresses: client_addr, server_addr (198.18.0.1 and .2)."""

    def __init__(self, rtt_ms, down_kbit, up_kbit, mtu=1500, half_duplex=False, tag=None,
                 loss_down=0.0, loss_up=0.0, drop_down=(), drop_up=(), seed=0):
        tag = tag or f"{random.randrange(1 << 24):06x}"
        self.client_ns, self.router_ns, self.server_ns = (f"pd-{x}-{tag}" for x in "crs")
        # Interface names are unique per machine, not only per namespace,
        # while a pair is created: other benchmarks may run at once.
        self.client_if, self.server_if = f"pdc{tag}", f"pds{tag}"
        self.r_client_if, self.r_server_if = f"pdrc{tag}", f"pdrs{tag}"
        self.client_addr, self.server_addr = CLIENT_ADDR, SERVER_ADDR
        self.params = dict(rtt_ms=rtt_ms, down_kbit=down_kbit, up_kbit=up_kbit, mtu=mtu,
                           half_duplex=half_duplex, loss_down=loss_down, loss_up=loss_up,
                           drop_down=tuple(drop_down), drop_up=tuple(drop_up), seed=seed)
        self.forwarder = None
        self.drop_log = None

    # -- life cycle

    def __enter__(self):
        try:
            self._create()
            self._start_forwarder()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _nsexec(self, ns, *args, check=True):
        return _sh("ip", "netns", "exec", ns, *args, check=check)

    def _create(self):
        for ns in (self.client_ns, self.router_ns, self.server_ns):
            _sh("ip", "netns", "add", ns)
            self._nsexec(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                         "net.ipv6.conf.default.disable_ipv6=1", "net.ipv4.ip_forward=0",
                         "net.ipv4.tcp_no_metrics_save=1")
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
        _sh("ip", "link", "add", self.client_if, "netns", self.client_ns, "type", "veth",
            "peer", "name", self.r_client_if, "netns", self.router_ns)
        _sh("ip", "link", "add", self.server_if, "netns", self.server_ns, "type", "veth",
            "peer", "name", self.r_server_if, "netns", self.router_ns)
        for ns, dev in self._interfaces():
            self._nsexec(ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off",
                         "tx", "off", "rx", "off")
            _sh("ip", "-n", ns, "link", "set", dev, "up")
        _sh("ip", "-n", self.router_ns, "link", "set", self.r_client_if, "promisc", "on")
        _sh("ip", "-n", self.router_ns, "link", "set", self.r_server_if, "promisc", "on")
        _sh("ip", "-n", self.client_ns, "addr", "add", f"{CLIENT_ADDR}/{PREFIX}", "dev",
            self.client_if)
        _sh("ip", "-n", self.server_ns, "addr", "add", f"{SERVER_ADDR}/{PREFIX}", "dev",
            self.server_if)
        mac_c, mac_s = self._mac(self.client_ns, self.client_if), \
            self._mac(self.server_ns, self.server_if)
        _sh("ip", "-n", self.client_ns, "neigh", "replace", SERVER_ADDR, "lladdr", mac_s,
            "dev", self.client_if, "nud", "permanent")
        _sh("ip", "-n", self.server_ns, "neigh", "replace", CLIENT_ADDR, "lladdr", mac_c,
            "dev", self.server_if, "nud", "permanent")
        self._set_mtu(self.params["mtu"])

    def _interfaces(self):
        return ((self.client_ns, self.client_if), (self.router_ns, self.r_client_if),
                (self.router_ns, self.r_server_if), (self.server_ns, self.server_if))

    @staticmethod
    def _mac(ns, dev):
        out = _sh("ip", "-n", ns, "-j", "link", "show", "dev", dev).stdout
        return json.loads(out)[0]["address"]

    def _set_mtu(self, mtu):
        for ns, dev in self._interfaces():
            _sh("ip", "-n", ns, "link", "set", dev, "mtu", mtu)

    def _start_forwarder(self):
        p = self.params
        argv = ["ip", "netns", "exec", self.router_ns, sys.executable, os.path.abspath(__file__),
                "forward", self.r_client_if, self.r_server_if, "--delay-ms", p["rtt_ms"] / 2,
                "--a-kbit", p["up_kbit"], "--b-kbit", p["down_kbit"]]
        if p["half_duplex"]:
            argv.append("--half-duplex")
        if p["loss_up"] or p["loss_down"] or p["drop_up"] or p["drop_down"]:
            fd, self.drop_log = tempfile.mkstemp(prefix="packet_delay-", suffix=".drops")
            os.close(fd)
            argv += ["--a-loss", p["loss_up"], "--b-loss", p["loss_down"], "--seed", p["seed"],
                     "--drop-log", self.drop_log]
            if p["drop_up"]:
                argv += ["--a-drop", ",".join(str(n) for n in p["drop_up"])]
            if p["drop_down"]:
                argv += ["--b-drop", ",".join(str(n) for n in p["drop_down"])]
        self.forwarder = subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE,
                                          text=True, start_new_session=True)
        if self.forwarder.stdout.readline().strip() != "ready":
            raise RuntimeError("packet_delay: the forwarder did not start")

    def dropped(self):
        """The packets lost so far by this forwarder, per direction:
        {"down": [N, ...], "up": [N, ...]} (numbers as in the drop lists)."""
        out = {"down": [], "up": []}
        if self.drop_log and os.path.exists(self.drop_log):
            with open(self.drop_log) as f:
                for line in f:
                    side, n = line.split()
                    out["up" if side == "a" else "down"].append(int(n))
        return out

    def _stop_forwarder(self):
        f, self.forwarder = self.forwarder, None
        log, self.drop_log = self.drop_log, None
        if log:
            try:
                os.unlink(log)
            except OSError:
                pass
        if f is None or f.poll() is not None:
            return
        os.killpg(f.pid, signal.SIGTERM)
        try:
            f.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(f.pid, signal.SIGKILL)
            f.wait()

    def reconfigure(self, **params):
        """New rtt_ms, down_kbit, up_kbit, mtu, half_duplex, loss_down,
        loss_up, drop_down, drop_up or seed; frames queued in the old
        forwarder are dropped, so do this between connections. The packet
        counts of the drop lists start again from 1."""
        self._stop_forwarder()
        self.params.update(params)
        for k in ("drop_down", "drop_up"):
            self.params[k] = tuple(self.params[k])
        self._set_mtu(self.params["mtu"])
        for ns in (self.client_ns, self.server_ns):
            _sh("ip", "-n", ns, "tcp_metrics", "flush", "all", check=False)
        self._start_forwarder()

    def close(self):
        self._stop_forwarder()
        for ns in (self.client_ns, self.router_ns, self.server_ns):
            _sh("ip", "netns", "del", ns, check=False)

    # -- running things at either end

    def client_exec(self, argv):
        return ["ip", "netns", "exec", self.client_ns] + [str(a) for a in argv]

    def server_exec(self, argv):
        return ["ip", "netns", "exec", self.server_ns] + [str(a) for a in argv]

    def describe(self):
        return dict(self.params, client_ns=self.client_ns, server_ns=self.server_ns,
                    router_ns=self.router_ns, client_addr=self.client_addr,
                    server_addr=self.server_addr)


# --------------------------------------------------------------------------


def numbers(text):
    """'2,5' -> (2, 5): packet numbers, counted from 1."""
    out = tuple(int(x) for x in text.split(",") if x.strip())
    if any(n < 1 for n in out):
        raise argparse.ArgumentTypeError("packets are counted from 1")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="create the link and keep it up until interrupted")
    up.add_argument("--rtt", type=float, required=True, help="round trip, ms")
    up.add_argument("--down", type=float, default=0, help="server to client, kbit/s")
    up.add_argument("--up", type=float, default=0, help="client to server, kbit/s")
    up.add_argument("--mtu", type=int, default=1500)
    up.add_argument("--half-duplex", action="store_true")
    up.add_argument("--loss-down", type=float, default=0.0, help="server to client, 0..1")
    up.add_argument("--loss-up", type=float, default=0.0, help="client to server, 0..1")
    up.add_argument("--drop-down", type=numbers, default=(), help="server's IP packets to lose")
    up.add_argument("--drop-up", type=numbers, default=(), help="client's IP packets to lose")
    up.add_argument("--seed", type=int, default=0)
    fw = sub.add_parser("forward", help="the forwarder (inside the router namespace)")
    fw.add_argument("if_a")
    fw.add_argument("if_b")
    fw.add_argument("--delay-ms", type=float, required=True, help="one way")
    fw.add_argument("--a-kbit", type=float, default=0, help="rate of frames read on if_a")
    fw.add_argument("--b-kbit", type=float, default=0, help="rate of frames read on if_b")
    fw.add_argument("--half-duplex", action="store_true")
    fw.add_argument("--a-loss", type=float, default=0.0, help="loss of frames read on if_a")
    fw.add_argument("--b-loss", type=float, default=0.0, help="loss of frames read on if_b")
    fw.add_argument("--a-drop", type=numbers, default=(), help="IPv4 packets of if_a to lose")
    fw.add_argument("--b-drop", type=numbers, default=(), help="IPv4 packets of if_b to lose")
    fw.add_argument("--seed", type=int, default=0)
    fw.add_argument("--drop-log", help="append 'a N' / 'b N' per packet lost")
    args = ap.parse_args()
    for name in ("loss_down", "loss_up", "a_loss", "b_loss"):
        if not 0.0 <= getattr(args, name, 0.0) < 1.0:
            ap.error("a loss is a probability, 0 <= P < 1")
    if args.cmd == "forward":
        return forward(args.if_a, args.if_b, args.delay_ms, args.a_kbit, args.b_kbit,
                       args.half_duplex, args.a_loss, args.b_loss, args.a_drop, args.b_drop,
                       args.seed, args.drop_log)
    if os.geteuid() != 0:
        print("packet_delay: needs root (network namespaces)", file=sys.stderr)
        return 77
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    with Link(args.rtt, args.down, args.up, args.mtu, args.half_duplex,
              loss_down=args.loss_down, loss_up=args.loss_up, drop_down=args.drop_down,
              drop_up=args.drop_up, seed=args.seed) as link:
        print(json.dumps(link.describe()), flush=True)
        try:
            while not stop:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
