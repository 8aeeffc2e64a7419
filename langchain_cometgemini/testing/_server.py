"""The threaded HTTP server and request handler behind ``GeminiEmulator``.

HTTP/1.1 with keep-alive, daemon threads, a large accept backlog and no
per-request logging. The handler only parses and records the request, then
hands it to the emulator and writes the reply.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from langchain_cometgemini.testing._dispatch import route
from langchain_cometgemini.testing._reply import Reply
from langchain_cometgemini.testing._request import RecordedRequest
from langchain_cometgemini.testing._wire import send


class Backend(Protocol):
    """What the handler needs from the emulator."""

    def _handle(self, request: RecordedRequest) -> Reply:
        """Record ``request`` and return the prepared reply."""

    def _count_disconnect(self) -> None:
        """Note that a client went away before the response was complete."""


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server tuned for tests (quiet, fast, large backlog)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 2048
    block_on_close = False

    def __init__(self, address: tuple[str, int], backend: Backend) -> None:
        super().__init__(address, EmulatorHandler)
        self.backend = backend
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self.accepted = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection, then serve it in its own thread."""
        with self._open_lock:
            self._open.add(request)
            self.accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection and close it."""
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open client connection (idle keep-alive included)."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client dropping its connection is routine here."""


class EmulatorHandler(BaseHTTPRequestHandler):
    """Parse one request, ask the backend for a reply and send it."""

    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    def setup(self) -> None:
        """Disable Nagle's algorithm: small writes must go out at once."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Do not log requests to stderr."""

    def do_GET(self) -> None:
        """Handle GET (served files; API paths answer 405)."""
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        raw = self._read_body()
        target = route(url.path)
        action = target[1] if target else None
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            query=query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=_parse_json(raw),
            raw=raw,
            model=target[0] if target else None,
            action=action,
            stream=action == "streamGenerateContent" and query.get("alt") == "sse",
        )
        backend = self.server.backend
        send(self, backend._handle(request), request, backend._count_disconnect)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        data = bytearray()
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass
                return bytes(data)
            data += self.rfile.read(size)
            self.rfile.readline()


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
