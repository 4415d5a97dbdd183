#!/usr/bin/python3
"""A scripted middlebox that makes a real server intolerant, for tests.

No Debian server aborts on every optional extension tlsprobe may send (lighttpd
on wolfSSL does for status_request only), so this relay plays the part in
front of a real one: it reads the client's first TLS record, and when the
ClientHello in it carries one of the --drop extension types it ends the
connection the way --how says (close: FIN without a byte; reset: RST; alert:
a fatal decode_error alert, then close); otherwise it connects upstream,
forwards the record and relays both ways untouched.

The parse is deliberately minimal (this is a test tool, fed by tlsprobe and
openssl only): a hello it cannot parse is forwarded as it is.

Usage: intolerant_relay.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT
                           --drop TYPE [--drop TYPE ...] [--how close|reset|alert]
Prints "ready PORT" on stdout when listening (LISTEN_PORT 0 picks a free one).
Listens on 127.0.0.1 only.
"""
import argparse
import asyncio
import socket
import struct
import sys


def hello_extensions(record):
    """Extension types of the ClientHello in one handshake record, or None."""
    try:
        if record[0] != 22 or record[5] != 1:
            return None
        body = record[9:]
        i = 2 + 32
        i += 1 + body[i]                                   # session_id
        i += 2 + struct.unpack("!H", body[i:i + 2])[0]     # cipher_suites
        i += 1 + body[i]                                   # compression_methods
        end = i + 2 + struct.unpack("!H", body[i:i + 2])[0]
        i += 2
        types = []
        while i + 4 <= end:
            t, n = struct.unpack("!HH", body[i:i + 4])
            types.append(t)
            i += 4 + n
        return types
    except (IndexError, struct.error):
        return None


async def read_record(reader):
    head = await reader.readexactly(5)
    length = struct.unpack("!H", head[3:5])[0]
    return head + await reader.readexactly(length)


async def pump(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


def abort(writer, how):
    if how == "alert":
        writer.write(bytes([21, 3, 3, 0, 2, 2, 50]))  # fatal decode_error
    elif how == "reset":
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()


async def serve(reader, writer, args):
    try:
        record = await read_record(reader)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
        return
    types = hello_extensions(record)
    if types is not None and set(types) & set(args.drop):
        abort(writer, args.how)
        return
    try:
        up_reader, up_writer = await asyncio.open_connection(args.upstream_host,
                                                             args.upstream_port)
    except OSError:
        writer.close()
        return
    up_writer.write(record)
    await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
    writer.close()
    up_writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("listen_port", type=int)
    p.add_argument("upstream_host")
    p.add_argument("upstream_port", type=int)
    p.add_argument("--drop", type=int, action="append", required=True)
    p.add_argument("--how", choices=("close", "reset", "alert"), default="close")
    args = p.parse_args()
    server = await asyncio.start_server(lambda r, w: serve(r, w, args), "127.0.0.1",
                                        args.listen_port)
    port = server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
