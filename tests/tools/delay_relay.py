#!/usr/bin/python3
"""A TCP relay that adds latency, for tests and benchmarks.

`tc netem` is missing on the kernels we run on (tbf/htb work, for bandwidth),
so a delay needs a relay of our own. Each chunk read from one side is held
for DELAY ms (one way) and then written to the other side, in order, so a
150 ms relay gives a 300 ms round trip for data. The client's own TCP connect
completes at once (the kernel accepts before the relay sees it), so a client
that measures the round trip must do it on data, not on connect(); the
upstream connect is delayed by one round trip before any data flows, and
so is the ClientHello.

--connect-early connects upstream at once instead: the TCP handshake is
not emulated, only the flights that follow it, so the first flight is not
held back by an emulated connect (bench_timing.py compares TLS flights
with a projection whose TCP part it accounts for on its own).

Usage: delay_relay.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT DELAY_MS
                      [--bind 127.0.0.1] [--connect-early]
Prints "ready PORT" on stdout when listening (LISTEN_PORT 0 picks a free one).
Only loopback or test-namespace addresses should be given.
"""
import argparse
import asyncio
import sys


async def pump(reader, writer, delay_s, loop):
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except OSError:
            pass

    task = asyncio.ensure_future(sender())
    try:
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay_s, data if data else None))
            if not data:
                break
    except (ConnectionError, OSError):
        queue.put_nowait((loop.time() + delay_s, None))
    try:
        await task
    except (ConnectionError, OSError):
        pass


async def handle(client_r, client_w, args):
    loop = asyncio.get_running_loop()
    delay_s = args.delay_ms / 1000.0
    syn_s = 0.0 if args.connect_early else delay_s
    await asyncio.sleep(syn_s)  # SYN travelling to the server
    try:
        up_r, up_w = await asyncio.open_connection(args.upstream_host, args.upstream_port)
    except OSError:
        client_w.close()
        return
    await asyncio.sleep(syn_s)  # SYN-ACK travelling back
    await asyncio.gather(pump(client_r, up_w, delay_s, loop), pump(up_r, client_w, delay_s, loop))
    for w in (client_w, up_w):
        try:
            w.close()
        except OSError:
            pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("listen_port", type=int)
    ap.add_argument("upstream_host")
    ap.add_argument("upstream_port", type=int)
    ap.add_argument("delay_ms", type=float)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--connect-early", action="store_true",
                    help="connect upstream at once: delay the data, not the TCP handshake")
    args = ap.parse_args()
    server = await asyncio.start_server(lambda r, w: handle(r, w, args), args.bind,
                                        args.listen_port, backlog=256)
    port = server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
