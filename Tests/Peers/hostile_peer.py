#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""A hostile WebSocket server for testing livevoiced's libcurl client: it writes every byte itself
(standard library only), so it can send what ordinary WebSocket libraries refuse to send.

The request path picks the scenario; numbers and hex payloads come from the query string.

Upgrade:
  /ok                      a correct upgrade, then echo (reports how many Sec-WebSocket-Key lines came)
  /lenient                 a correct upgrade with unusual but valid spelling (token lists, odd case)
  /accept-wrong            101 with a wrong Sec-WebSocket-Accept
  /accept-missing          101 without Sec-WebSocket-Accept
  /upgrade-missing         101 without Upgrade
  /upgrade-other           101 with "Upgrade: h2c"
  /connection-missing      101 without Connection
  /extension               101 with a Sec-WebSocket-Extensions nobody asked for
  /subprotocol             101 with a Sec-WebSocket-Protocol nobody asked for
  /body                    101 that declares a body (Content-Length)
  /endless-header          101, then one header line that never ends
  /many-headers            101, then header lines forever
  /slow-header             the response trickled one byte every 200 ms
  /reset-before            read the request, then reset TCP (RST)
  /close-before            read the request, then close TCP (FIN) without answering
  /garbage                 answer with something that is not HTTP
  /reset-after             a correct upgrade, then reset TCP
  /close-after             a correct upgrade, then close TCP (FIN; over TLS without close_notify)
Session:
  /ping-midframe           stop reading once the client's first frame has started, ping twice ("p1", "p2"),
                           read again after a second, report every frame, then send "survived"
  /ping-flood?seconds=S    never read; send 125-byte pings as fast as TCP takes them for S seconds
  /send?hex=H              send the bytes H (any frames, valid or not), then report what the client answers
  /trickle?size=N          start an N-byte binary frame and send one byte of it every 100 ms
  /flood-reset?n=N         send N small text messages, then reset TCP

With --tls CERT KEY it serves wss instead of ws.

Prints "PORT <n>" once listening, then one line per observation so tests can wait for it:
  "KEY_HEADERS <n>", "FRAME <opcode> <length> <payload as text, if short>", "CLOSE_RCVD <code|none>",
  "EOF" (the client closed TCP), "PINGS_SENT <n>".
"""
import argparse
import base64
import hashlib
import signal
import socket
import ssl
import struct
import sys
import threading
import time
from urllib.parse import parse_qs, urlparse

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_NAMES = {0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


def log(line):
    print(line, flush=True)


class Closed(Exception):
    """The client closed or reset the connection."""


def recv_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        part = sock.recv(min(n - len(data), 1 << 20))
        if not part:
            raise Closed()
        data += part
    return bytes(data)


def read_request(sock):
    """The HTTP request head, as (path, {lowercase name: [values]}); at most 64 KiB."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(4096)
        if not part:
            raise Closed()
        data += part
        if len(data) > 65536:
            raise Closed()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    path = lines[0].split(" ")[1]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return path, headers


def accept_value(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def response(lines):
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def good_upgrade(headers):
    key = headers.get("sec-websocket-key", [""])[0]
    return response(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
                     f"Sec-WebSocket-Accept: {accept_value(key)}"])


def frame(opcode, payload=b"", fin=True):
    """A server frame (unmasked)."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", first, n)
    elif n < 65536:
        head = struct.pack("!BBH", first, 126, n)
    else:
        head = struct.pack("!BBQ", first, 127, n)
    return head + payload


def read_frame(sock, keep=4096):
    """One client frame: (fin, opcode, length, payload or None when longer than `keep`)."""
    b0, b1 = recv_exact(sock, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", recv_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(sock, 8))[0]
    if not b1 & 0x80:
        log("UNMASKED_CLIENT_FRAME")
    mask = recv_exact(sock, 4) if b1 & 0x80 else b"\0\0\0\0"
    if n > keep:
        left = n
        while left:
            part = sock.recv(min(left, 1 << 20))
            if not part:
                raise Closed()
            left -= len(part)
        return b0 & 0x80, b0 & 0x0F, n, None
    data = recv_exact(sock, n)
    payload = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
    return b0 & 0x80, b0 & 0x0F, n, payload


def describe(opcode, length, payload):
    text = ""
    if payload is not None and length <= 125:
        if opcode == 8 and length >= 2:
            text = str(struct.unpack("!H", payload[:2])[0])
        else:
            text = payload.decode("utf-8", "replace")
    return f"FRAME {OP_NAMES.get(opcode, opcode)} {length} {text}".rstrip()


def report_until_close(sock, timeout=5.0):
    """Logs every client frame until its CLOSE (logged as CLOSE_RCVD) or the end of TCP (EOF)."""
    sock.settimeout(timeout)
    try:
        while True:
            _, opcode, length, payload = read_frame(sock)
            if opcode == 8:
                code = struct.unpack("!H", payload[:2])[0] if length >= 2 else "none"
                log(f"CLOSE_RCVD {code}")
                return
            log(describe(opcode, length, payload))
    except (Closed, ConnectionError):
        log("EOF")
    except socket.timeout:
        log("TIMEOUT")


def reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# MARK: Scenarios. Each gets the socket, the request headers and the query.

def s_ok(sock, headers, query):
    log(f"KEY_HEADERS {len(headers.get('sec-websocket-key', []))}")
    sock.sendall(good_upgrade(headers))
    echo(sock)


def s_lenient(sock, headers, query):
    key = headers["sec-websocket-key"][0]
    sock.sendall(response(["HTTP/1.1 101 Switching Protocols", "upgrade: WebSocket",
                           "connection: keep-alive, UPGRADE", "Sec-WebSocket-Extensions:",
                           f"sec-websocket-accept:   {accept_value(key)}  "]))
    echo(sock)


def echo(sock):
    sock.settimeout(10)
    try:
        while True:
            _, opcode, length, payload = read_frame(sock, keep=1 << 24)
            if opcode == 8:
                sock.sendall(frame(8, payload[:2]))
                log("CLOSE_RCVD " + (str(struct.unpack("!H", payload[:2])[0]) if length >= 2 else "none"))
                return
            if opcode in (1, 2):
                sock.sendall(frame(opcode, payload))
    except (Closed, ConnectionError, socket.timeout):
        log("EOF")


def bad_upgrade(drop=None, add=(), accept=None, body=b""):
    def scenario(sock, headers, query):
        key = headers["sec-websocket-key"][0]
        lines = {"upgrade": "Upgrade: websocket", "connection": "Connection: Upgrade",
                 "accept": f"Sec-WebSocket-Accept: {accept or accept_value(key)}"}
        if drop:
            del lines[drop]
        sock.sendall(response(["HTTP/1.1 101 Switching Protocols", *lines.values(), *add]) + body)
        report_until_close(sock, timeout=3)
    return scenario


def s_endless_header(sock, headers, query):
    sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nX-Endless: ")
    flood(sock, b"a" * 65536)


def s_many_headers(sock, headers, query):
    sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\n")
    flood(sock, b"X-More: yes\r\n" * 4096)


def flood(sock, block, seconds=20):
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            sock.sendall(block)
    except (ConnectionError, socket.timeout, OSError):
        pass
    log("EOF")


def s_slow_header(sock, headers, query):
    try:
        for byte in good_upgrade(headers):
            sock.sendall(bytes([byte]))
            time.sleep(0.2)
    except (ConnectionError, OSError):
        log("EOF")


def s_reset_before(sock, headers, query):
    reset(sock)


def s_close_before(sock, headers, query):
    sock.close()


def s_garbage(sock, headers, query):
    sock.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
    time.sleep(1)


def s_reset_after(sock, headers, query):
    sock.sendall(good_upgrade(headers))
    time.sleep(0.2)
    reset(sock)


def s_close_after(sock, headers, query):
    sock.sendall(good_upgrade(headers))
    time.sleep(0.2)
    sock.close()  # FIN; over TLS without close_notify


def s_ping_midframe(sock, headers, query):
    sock.sendall(good_upgrade(headers))
    sock.settimeout(20)
    # Read only the start of the client's first frame, then stop reading: the client's socket buffer fills
    # and its frame stays half sent while the pings arrive.
    head = recv_exact(sock, 2)
    n = head[1] & 0x7F
    ext = recv_exact(sock, 2 if n == 126 else 8 if n == 127 else 0)
    length = struct.unpack("!H", ext)[0] if n == 126 else struct.unpack("!Q", ext)[0] if n == 127 else n
    recv_exact(sock, 4)  # mask
    log(f"FRAME_STARTED {OP_NAMES.get(head[0] & 0x0F)} {length}")
    sock.sendall(frame(9, b"p1"))
    time.sleep(0.1)
    sock.sendall(frame(9, b"p2"))
    log("PINGS_SENT 2")
    time.sleep(1.0)
    started = time.monotonic()
    left = length
    while left:
        part = sock.recv(min(left, 1 << 20))
        if not part:
            raise Closed()
        left -= len(part)
    log(f"DRAINED in {time.monotonic() - started:.2f} s")
    log(f"FRAME {OP_NAMES.get(head[0] & 0x0F)} {length}")
    while True:
        _, opcode, length, payload = read_frame(sock)
        log(describe(opcode, length, payload))
        if opcode == 10 and payload == b"p2":
            break
        if opcode == 8:
            return
    sock.sendall(frame(1, b"survived"))
    report_until_close(sock)


def s_ping_flood(sock, headers, query):
    sock.sendall(good_upgrade(headers))
    seconds = float(query.get("seconds", "10"))
    ping = frame(9, b"f" * 125)
    block = memoryview(ping * 512)
    # send(), not sendall(): a sendall that times out leaves an unknown part sent, and the next frame would
    # start in the middle of one. The position in the block is kept instead, so every frame stays whole.
    position = 0
    total = 0
    sock.settimeout(0.5)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                n = sock.send(block[position:])
            except socket.timeout:
                continue
            total += n
            position = (position + n) % len(block)
    except (ConnectionError, OSError):
        pass
    log(f"PINGS_SENT {total // len(ping)}")


def s_send(sock, headers, query):
    sock.sendall(good_upgrade(headers))
    time.sleep(0.05)
    sock.sendall(bytes.fromhex(query.get("hex", "")))
    report_until_close(sock)


def s_trickle(sock, headers, query):
    sock.sendall(good_upgrade(headers))
    size = int(query.get("size", "1000"))
    sock.sendall(struct.pack("!BBH", 0x82, 126, size))
    sock.settimeout(1)
    try:
        for _ in range(size):
            sock.sendall(b"t")
            time.sleep(0.1)
    except (ConnectionError, OSError):
        pass
    log("EOF")


def s_flood_reset(sock, headers, query):
    sock.sendall(good_upgrade(headers))
    for i in range(int(query.get("n", "100"))):
        sock.sendall(frame(1, f"message {i}".encode()))
    time.sleep(0.2)
    reset(sock)


SCENARIOS = {
    "/ok": s_ok,
    "/lenient": s_lenient,
    "/accept-wrong": bad_upgrade(accept="dGhpcyBpcyBub3QgaXQ="),
    "/accept-missing": bad_upgrade(drop="accept"),
    "/upgrade-missing": bad_upgrade(drop="upgrade"),
    "/upgrade-other": bad_upgrade(drop="upgrade", add=["Upgrade: h2c"]),
    "/connection-missing": bad_upgrade(drop="connection"),
    "/extension": bad_upgrade(add=["Sec-WebSocket-Extensions: permessage-deflate"]),
    "/subprotocol": bad_upgrade(add=["Sec-WebSocket-Protocol: chat"]),
    "/body": bad_upgrade(add=["Content-Length: 22"], body=b"<html>not a ws</html>\n"),
    "/endless-header": s_endless_header,
    "/many-headers": s_many_headers,
    "/slow-header": s_slow_header,
    "/reset-before": s_reset_before,
    "/close-before": s_close_before,
    "/garbage": s_garbage,
    "/reset-after": s_reset_after,
    "/close-after": s_close_after,
    "/ping-midframe": s_ping_midframe,
    "/ping-flood": s_ping_flood,
    "/send": s_send,
    "/trickle": s_trickle,
    "/flood-reset": s_flood_reset,
}


def serve(sock, context):
    try:
        sock.settimeout(10)
        if context is not None:
            sock = context.wrap_socket(sock, server_side=True)
        path, headers = read_request(sock)
        url = urlparse(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        scenario = SCENARIOS.get(url.path)
        if scenario is None:
            sock.sendall(response(["HTTP/1.1 404 Not Found", "Content-Length: 0"]))
            return
        scenario(sock, headers, query)
    except (Closed, ConnectionError, socket.timeout, OSError) as error:
        log(f"PEER_ERROR {type(error).__name__}")
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve wss with this certificate and key")
    args = parser.parse_args()
    context = None
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # A small receive buffer (inherited by accepted sockets) so a peer that stops reading pushes back soon.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    log(f"PORT {listener.getsockname()[1]}")
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, context), daemon=True).start()


if __name__ == "__main__":
    # A parent that runs us from a thread with SIGTERM blocked (Dispatch does) passes the mask on.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
