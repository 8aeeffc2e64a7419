"""A minimal, fast Gemini REST server for benchmarks (run in its own process).

Answers, over HTTP/1.1 keep-alive on 127.0.0.1:

* ``POST /{version}/models/{model}:generateContent`` -> one canned
  ``GenerateContentResponse`` whose text is ``S`` bytes long;
* ``POST /{version}/models/{model}:streamGenerateContent?alt=sse`` -> ``N``
  CRLF-framed SSE events (``data: {...}\\r\\n\\r\\n``), the last one carrying
  ``finishReason`` and usage, as Gemini sends them;
* ``POST .../models/{model}:countTokens`` -> ``{"totalTokens": 1}``;
* ``GET /_stats`` -> ``{"requests": n, "tagged": k, "duplicated": {id: count}}``
  since the last ``GET /_reset``: every request answered, and, for request
  bodies carrying ``bench-id-<n>`` (the thread test puts one in each prompt),
  the ids seen more than once (a request the client sent twice).

The response shape is chosen by the model name, so any client can select it
without extra headers: ``bench-s{S}-n{N}`` (e.g. ``bench-s1024-n1000``; both
parts optional, defaults S=1024, N=100). Bodies are built once per shape and
cached, so the server's own per-request cost is a dict lookup and one write;
the benchmark's client process is measured alone.

Usage: ``python benchmarks/server.py [--port 0]``; prints ``PORT <n>`` on stdout
when listening, runs until killed (or stdin closes when ``--exit-on-eof``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import sys
from functools import lru_cache

_SHAPE = re.compile(r"bench(?:-s(\d+))?(?:-n(\d+))?")
_MODEL = re.compile(rb"/models/([^:/?\s]+):(\w+)")
WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "


def _text(size: int) -> str:
    reps = size // len(WORDS) + 1
    return (WORDS * reps)[:size]


def _usage(prompt: int, out: int) -> dict[str, object]:
    return {
        "promptTokenCount": prompt,
        "candidatesTokenCount": out,
        "totalTokenCount": prompt + out,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }


def _event(text: str, *, final: bool, out_tokens: int) -> dict[str, object]:
    candidate: dict[str, object] = {
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    }
    if final:
        candidate["finishReason"] = "STOP"
    return {
        "candidates": [candidate],
        "usageMetadata": _usage(8, out_tokens),
        "modelVersion": "gemini-bench",
        "responseId": "bench-response-id",
    }


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


@lru_cache(maxsize=64)
def _shape(model: bytes) -> tuple[int, int]:
    match = _SHAPE.fullmatch(model.decode())
    if match is None:
        return 1024, 100
    return int(match.group(1) or 1024), int(match.group(2) or 100)


@lru_cache(maxsize=64)
def unary_response(size: int) -> bytes:
    """Full HTTP response for a generateContent reply of ``size`` text bytes."""
    body = _dumps(_event(_text(size), final=True, out_tokens=max(1, size // 4)))
    return _http(b"application/json", body)


@lru_cache(maxsize=64)
def stream_response(events: int) -> bytes:
    """Full HTTP response for an SSE stream of ``events`` events."""
    frames = []
    for i in range(events):
        text = f"tok{i % 1000:03d} w "  # ~10 bytes of text per event
        final = i == events - 1
        frames.append(b"data: " + _dumps(_event(text, final=final, out_tokens=i + 1)))
        frames.append(b"\r\n\r\n")
    return _http(b"text/event-stream", b"".join(frames))


def _http(ctype: bytes, body: bytes) -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: " + ctype + b"; charset=utf-8\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: keep-alive\r\n\r\n"
    )
    return head + body


_NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n"
    b'content-length: 21\r\n\r\n{"error":"not found"}'
)
_COUNT = _http(b"application/json", b'{"totalTokens":1}')
_TAG = re.compile(rb"bench-id-(\d+)")


class Tally:
    """Requests answered, and how often each tagged request id was seen."""

    def __init__(self) -> None:
        self.requests = 0
        self.ids: dict[bytes, int] = {}

    def reset(self) -> None:
        self.requests = 0
        self.ids = {}

    def count(self, body: bytes) -> None:
        self.requests += 1
        if b"bench-id-" in body:
            match = _TAG.search(body)
            if match is not None:
                key = match.group(1)
                self.ids[key] = self.ids.get(key, 0) + 1

    def stats(self) -> bytes:
        dup = {k.decode(): n for k, n in self.ids.items() if n > 1}
        body = {"requests": self.requests, "tagged": len(self.ids), "duplicated": dup}
        return _http(b"application/json", _dumps(body))


TALLY = Tally()


def route(request_line: bytes) -> bytes:
    """The canned response for one request line."""
    if request_line.startswith(b"GET /_"):
        if request_line.startswith(b"GET /_stats "):
            return TALLY.stats()
        if request_line.startswith(b"GET /_reset "):
            TALLY.reset()
            return _http(b"application/json", b"{}")
        return _NOT_FOUND
    match = _MODEL.search(request_line)
    if match is None:
        return _NOT_FOUND
    size, events = _shape(match.group(1))
    action = match.group(2)
    if action == b"generateContent":
        return unary_response(size)
    if action == b"streamGenerateContent":
        return stream_response(events)
    if action == b"countTokens":
        return _COUNT
    return _NOT_FOUND


class _Conn(asyncio.Protocol):
    """One keep-alive connection: parse head + Content-Length body, answer."""

    def __init__(self) -> None:
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end]
            length = _content_length(head)
            total = end + 4 + length
            if len(self.buf) < total:
                return
            body = self.buf[end + 4 : total]
            self.buf = self.buf[total:]
            line = head.split(b"\r\n", 1)[0]
            if not line.startswith(b"GET /_"):
                TALLY.count(body)
            assert self.transport is not None
            self.transport.write(route(line))


def _content_length(head: bytes) -> int:
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    stop = lower.find(b"\r\n", at + 2)
    return int(lower[at + 17 : stop if stop > 0 else None].strip())


async def serve(port: int, exit_on_eof: bool) -> None:
    """Listen on 127.0.0.1:``port`` and announce the bound port on stdout."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Conn, "127.0.0.1", port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    async with server:
        if exit_on_eof:
            await loop.run_in_executor(None, sys.stdin.read)
        else:
            await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-on-eof", action="store_true")
    args = parser.parse_args()
    try:
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.port, args.exit_on_eof))


if __name__ == "__main__":
    main()
