"""A raw-socket HTTP server that controls every byte it sends.

Unlike the emulator it is not a Gemini server and not even a correct HTTP
server: each test gives it a script, a function that receives the socket and
the request head it read, and writes whatever bytes it likes (truncations,
wrong encodings, drips, resets, early answers). It records every request.
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

Script = Callable[[socket.socket, "Seen"], None]


@dataclass
class Seen:
    """One request as it arrived: head, headers (lower-case) and body read."""

    head: bytes
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class HostileServer:
    """Runs ``script`` for every connection; ``seen`` lists the requests."""

    script: Script
    read_body: bool = True
    tls: ssl.SSLContext | None = None
    seen: list[Seen] = field(default_factory=list)
    handshakes: int = 0

    def __post_init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.port = self._sock.getsockname()[1]
        scheme = "https" if self.tls else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        if self.tls is not None:
            self.handshakes += 1
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                return
        with conn:
            try:
                seen = self._read_request(conn)
                if seen is None:
                    return
                self.seen.append(seen)
                self.script(conn, seen)
            except OSError:
                pass

    def _read_request(self, conn: socket.socket) -> Seen | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        seen = Seen(head, headers)
        if self.read_body:
            length = int(headers.get("content-length", "0"))
            while len(rest) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                rest += chunk
            seen.body = rest
        return seen

    def close(self) -> None:
        self._stop.set()
        self._sock.close()

    @property
    def requests(self) -> int:
        return len(self.seen)


@contextmanager
def hostile(
    script: Script, *, read_body: bool = True, tls: ssl.SSLContext | None = None
) -> Iterator[HostileServer]:
    server = HostileServer(script, read_body=read_body, tls=tls)
    try:
        yield server
    finally:
        server.close()


KEY = "AIzaSy-hostile-0123456789-abcdefghij"

# -- building blocks of scripts ------------------------------------------------

OK_BODY = {
    "candidates": [
        {
            "content": {"role": "model", "parts": [{"text": "Hello there"}]},
            "finishReason": "STOP",
        }
    ],
    "usageMetadata": {
        "promptTokenCount": 2,
        "candidatesTokenCount": 2,
        "totalTokenCount": 4,
    },
    "modelVersion": "gemini-2.5-flash",
}


def event(text: str, finish: bool = False) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"role": "model", "parts": [{"text": text}]}
    }
    if finish:
        candidate["finishReason"] = "STOP"
    return {"candidates": [candidate], "modelVersion": "gemini-2.5-flash"}


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(
        b"data: " + json.dumps(e, ensure_ascii=False).encode() + b"\r\n\r\n"
        for e in events
    )


def head(
    status: str = "200 OK",
    content_type: str = "application/json",
    extra: dict[str, str] | None = None,
    length: int | None = None,
) -> bytes:
    extra = {"Connection": "close", **(extra or {})}  # this server never reuses
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reply(
    body: bytes,
    status: str = "200 OK",
    content_type: str = "application/json",
    extra: dict[str, str] | None = None,
) -> Script:
    """A complete answer with ``Content-Length``, then the connection closes."""

    def script(conn: socket.socket, seen: Seen) -> None:
        conn.sendall(head(status, content_type, extra, len(body)) + body)

    return script


def stream_reply(body: bytes, content_type: str = "text/event-stream") -> Script:
    """An SSE answer closed by the end of the connection (no length)."""

    def script(conn: socket.socket, seen: Seen) -> None:
        conn.sendall(head("200 OK", content_type, {"Connection": "close"}) + body)

    return script


def reset(conn: socket.socket) -> None:
    """Close with RST instead of FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def drip(data: bytes, every: float, stop: threading.Event | None = None) -> Script:
    """Send ``data`` one byte at a time."""

    def script(conn: socket.socket, seen: Seen) -> None:
        for byte in data:
            if stop is not None and stop.is_set():
                return
            conn.sendall(bytes([byte]))
            time.sleep(every)

    return script


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)


# -- keep-alive: several requests on one connection ---------------------------


def next_request(conn: socket.socket) -> Seen | None:
    """Read the next request on a kept-alive connection (None once it closed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    headers = {}
    for line in head_bytes.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return Seen(head_bytes, headers, body)


def prompt_of(seen: Seen) -> str:
    """The text of the first part of the request's last turn."""
    text = json.loads(seen.body)["contents"][-1]["parts"][0]["text"]
    assert isinstance(text, str)
    return text


def kept_alive(answer: Callable[[Seen], bytes], log: list[Seen]) -> Script:
    """Answer every request on the connection with ``answer(request)``'s bytes.

    Every request (the connection's first included) is appended to ``log``.
    """

    def script(conn: socket.socket, first: Seen) -> None:
        seen: Seen | None = first
        while seen is not None:
            log.append(seen)
            conn.sendall(answer(seen))
            seen = next_request(conn)

    return script


def keep_alive_response(body: bytes, content_type: str = "application/json") -> bytes:
    """A complete 200 answer with ``Content-Length`` that keeps the connection."""
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: "
        + content_type.encode()
        + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )
