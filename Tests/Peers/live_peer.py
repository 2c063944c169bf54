#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""A small Live API server written independently of the Swift simulator (Python `websockets`), for testing
`livevoiced chat` against a second implementation of the protocol. It answers `setup` with `setupComplete`
and each `clientContent` turn with a scripted reply in BINARY frames, as the real service sends them.
The `scenario` query parameter of the URL picks the reply:

  audio        (default) 24 kHz PCM in two chunks, an output transcription in two fragments,
               generationComplete, turnComplete, then usageMetadata with odd counts ("7", 3.0)
  interaction  as audio, but the turnComplete says interactionStatus IN_PROGRESS; more transcription
               follows, then a turnComplete with IDLE
  error        an in-band error object: {"error": {"code": 429, ..., "status": "RESOURCE_EXHAUSTED"}}
  silent       never answers the turn (pings are still answered)

Prints "PORT <n>" once listening and "SETUP <json>" for each setup received.
"""
import argparse
import asyncio
import base64
import json
import math
import signal
from urllib.parse import urlparse, parse_qs

from websockets.asyncio.server import serve


def log(line):
    print(line, flush=True)


def pcm_chunk(seconds, frequency):
    """16-bit little-endian mono PCM of a tone at 24 kHz."""
    count = int(24000 * seconds)
    samples = bytearray()
    for i in range(count):
        value = int(8000 * math.sin(2 * math.pi * frequency * i / 24000))
        samples += value.to_bytes(2, "little", signed=True)
    return bytes(samples)


def content(**fields):
    return json.dumps({"serverContent": fields}).encode()


def audio_part(seconds, frequency):
    data = base64.b64encode(pcm_chunk(seconds, frequency)).decode()
    return {"modelTurn": {"role": "model", "parts": [{"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": data}}]}}


async def reply(ws, scenario):
    if scenario == "silent":
        return
    if scenario == "error":
        await ws.send(json.dumps({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                                            "message": "You exceeded your current quota, please check your plan and billing details."}}).encode())
        return
    await ws.send(content(**audio_part(0.25, 440)))
    await ws.send(content(outputTranscription={"text": "Hello from "}))
    await ws.send(content(**audio_part(0.25, 660)))
    await ws.send(content(outputTranscription={"text": "Python."}))
    await ws.send(content(generationComplete=True))
    if scenario == "interaction":
        await ws.send(content(turnComplete=True, interactionStatus="IN_PROGRESS"))
        await ws.send(content(**audio_part(0.25, 550)))
        await ws.send(content(outputTranscription={"text": " Still here."}))
        await ws.send(content(turnComplete=True, interactionStatus="IDLE"))
    else:
        await ws.send(content(turnComplete=True))
    await ws.send(json.dumps({"usageMetadata": {"promptTokenCount": "7", "responseTokenCount": 3.0,
                                                "totalTokenCount": 10}}).encode())


async def handler(ws):
    query = {k: v[0] for k, v in parse_qs(urlparse(ws.request.path).query).items()}
    scenario = query.get("scenario", "audio")
    async for raw in ws:
        message = json.loads(raw)
        if "setup" in message:
            log("SETUP " + json.dumps(message["setup"], sort_keys=True))
            await ws.send(json.dumps({"setupComplete": {"sessionId": "py-1"}}).encode())
        elif "clientContent" in message or "client_content" in message:
            body = message.get("clientContent") or message.get("client_content")
            if body.get("turnComplete") or body.get("turn_complete"):
                await reply(ws, scenario)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    stop = asyncio.get_running_loop().create_future()
    for name in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(name, stop.set_result, None)
    async with serve(handler, "127.0.0.1", args.port, max_size=2 ** 20) as server:
        log(f"PORT {server.sockets[0].getsockname()[1]}")
        await stop


if __name__ == "__main__":
    asyncio.run(main())
