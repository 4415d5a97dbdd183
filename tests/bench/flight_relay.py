#!/usr/bin/python3
"""A latency relay for bench_timing.py: each chunk is held DELAY ms (one
way) in each direction. Unlike tests/tools/delay_relay.py it connects
upstream at once (the upstream is local to its namespace), so the first
flight is not held back by the emulated connect: the TCP handshake itself
is not emulated, only the TLS flights, which is what the benchmark compares.

Usage: flight_relay.py UPSTREAM_PORT DELAY_MS BIND_ADDR  (prints "ready PORT")
"""
import asyncio
import sys


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        try:
            writer.write_eof()
        except OSError:
            pass

    task = asyncio.ensure_future(sender())
    try:
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data or None))
            if not data:
                break
    except OSError:
        queue.put_nowait((loop.time() + delay, None))
    try:
        await task
    except OSError:
        pass


async def main():
    port, delay, bind = int(sys.argv[1]), float(sys.argv[2]) / 1000, sys.argv[3]

    async def handle(cr, cw):
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            cw.close()
            return
        await asyncio.gather(pump(cr, uw, delay), pump(ur, cw, delay))
        cw.close()
        uw.close()

    server = await asyncio.start_server(handle, bind, 0)
    print("ready", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
