"""A plain local HTTP server that answers with recorded bodies, byte for byte.

Independent of the package's emulator: ``http.server`` on 127.0.0.1, one
queued answer per request (status, content type, exact body bytes), each
request's path and JSON body kept for the test to compare.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    """One canned HTTP answer."""

    status: int
    content_type: str
    body: bytes


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    body: Any


@dataclass
class ReplayServer:
    """Serves queued answers in order; ``base_url`` for ``ChatCometGemini``."""

    answers: deque[Answer] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                owner.seen.append(Seen("POST", self.path, json.loads(raw or b"null")))
                if not owner.answers:
                    self._send(Answer(599, "text/plain", b"no answer queued"))
                    return
                self._send(owner.answers.popleft())

            def _send(self, answer: Answer) -> None:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an IPv4 server: (host, port)
        return f"http://{host}:{port}"

    def queue(self, answer: Answer) -> None:
        self.answers.append(answer)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
