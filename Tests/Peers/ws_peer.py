#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""A scriptable WebSocket server for testing livevoiced's libcurl client against an independent
RFC 6455 implementation (Python `websockets` >= 13). The path picks the behaviour:

  /echo            echo every message back with its frame type
  /frag?n=N&size=S send one text message of S bytes in N fragments, then echo
  /big?size=S      send one binary message of S bytes, then echo
  /bigfrag?size=S&n=N  one text message of S bytes in N fragments
  /ping            ping the client, report whether the pong came back, then echo
  /close?code=C&reason=R   close with that code and reason
  /abort           drop TCP without a close frame
  /abortmid        start a 60 kB frame, send 1000 bytes of it, drop TCP
  /noread          never read (the client's send queue must fill up)
  /headers         send the request headers back as one JSON text message, then echo
  /silent          accept and never answer pings (keep-alive timeout)
  /flood?n=N       send N numbered 1 kB text messages as fast as possible
  /reject          refuse the upgrade with HTTP 403

Prints "PORT <n>" once listening; then one line per notable event ("CLOSE_RCVD <code> <reason>",
"PONG ok") so tests can assert on what the server saw.
"""
import argparse
import asyncio
import json
import signal
import ssl
import sys
from urllib.parse import urlparse, parse_qs

import websockets
from websockets.asyncio.server import serve


def log(line):
    print(line, flush=True)


async def handler(ws):
    url = urlparse(ws.request.path)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    path = url.path
    try:
        if path == "/frag":
            n, size = int(query.get("n", 4)), int(query.get("size", 1000))
            text = "".join(chr(ord("a") + i % 26) for i in range(size))
            step = max(1, size // n)
            await ws.send([text[i:i + step] for i in range(0, size, step)])
        elif path == "/big":
            size = int(query.get("size", 2 << 20))
            await ws.send(bytes(i % 251 for i in range(size)))
        elif path == "/bigfrag":
            n, size = int(query.get("n", 8)), int(query.get("size", 2 << 20))
            step = size // n
            await ws.send(["x" * step for _ in range(n)])
        elif path == "/ping":
            waiter = await ws.ping(b"hello")
            await asyncio.wait_for(waiter, 5)
            log("PONG ok")
        elif path == "/close":
            await ws.close(int(query.get("code", 1000)), query.get("reason", ""))
            log(f"CLOSE_RCVD {ws.protocol.close_rcvd.code if ws.protocol.close_rcvd else 'none'}")
            return
        elif path == "/abort":
            ws.transport.abort()
            return
        elif path == "/abortmid":
            # A frame header announcing 60000 bytes of payload, then only 1000 of them.
            header = bytes([0x82, 126, 60000 >> 8, 60000 & 0xFF])
            ws.transport.write(header + b"\x01" * 1000)
            await asyncio.sleep(0.05)
            ws.transport.abort()
            return
        elif path == "/noread":
            ws.transport.pause_reading()
            await asyncio.sleep(30)
            return
        elif path == "/flood":
            for i in range(int(query.get("n", 1000))):
                await ws.send(f"message {i:06d} " + "z" * 1000)
        elif path == "/headers":
            await ws.send(json.dumps({k.lower(): v for k, v in ws.request.headers.raw_items()}))
        elif path == "/silent":
            ws.transport.pause_reading()
            await asyncio.sleep(30)
            return
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass
    finally:
        if ws.protocol.close_rcvd is not None:
            log(f"CLOSE_RCVD {ws.protocol.close_rcvd.code} {ws.protocol.close_rcvd.reason}")


def process_request(connection, request):
    if request.path.startswith("/reject"):
        return connection.respond(403, "Forbidden\n")
    return None


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    context = None
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
    async with serve(handler, "127.0.0.1", args.port, process_request=process_request, ssl=context, max_size=None, ping_interval=None,
                     compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        log(f"PORT {port}")
        await asyncio.Future()


if __name__ == "__main__":
    # A parent that runs us from a thread with SIGTERM blocked (Dispatch does) passes the mask on.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
