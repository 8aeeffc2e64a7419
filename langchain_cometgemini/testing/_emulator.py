"""``GeminiEmulator``: a local, in-process stand-in for the Gemini REST API.

It serves ``/{version}/models/{model}:generateContent``,
``:streamGenerateContent`` (SSE or JSON array) and ``:countTokens`` on
``127.0.0.1`` from a daemon thread, checks the API key and the request body
like the real API, records every request and answers from a FIFO queue of
:class:`Reply` objects, else a ``responder`` function (given to the constructor
or set later; None from it means the default), else the deterministic default
answer (``default_reply``).

A responder that raises (or returns something that is no answer, a
``TypeError``) is a bug in the test, not a server error: the exception
(traceback included) is kept in ``responder_errors``, the client
gets a 400 (never retried), and :meth:`GeminiEmulator.stop` (so the ``with``
block and the pytest fixture) raises :class:`ResponderError` with it.
"""

from __future__ import annotations

import threading
import traceback
from collections import deque
from types import TracebackType

from langchain_cometgemini.testing._dispatch import Responder, dispatch
from langchain_cometgemini.testing._errors import google_error
from langchain_cometgemini.testing._render import prepare
from langchain_cometgemini.testing._reply import Reply
from langchain_cometgemini.testing._request import RecordedRequest
from langchain_cometgemini.testing._server import EmulatorHTTPServer
from langchain_cometgemini.testing._signatures import new_signature


class ResponderError(AssertionError):
    """The emulator's responder function raised (the original is ``__cause__``)."""


class GeminiEmulator:
    """A real HTTP server on 127.0.0.1 that behaves like the Gemini API.

    Args:
        api_key: The key clients must send (``x-goog-api-key`` or
            ``Authorization: Bearer``); None disables the check.
        host: Interface to bind.
        port: Port to bind; 0 picks a free one.
        check_signatures: Apply the Gemini 3 thought-signature rules.
        responder: A function from :class:`RecordedRequest` to a ``Reply``
            (or a dict body, or a text), asked when no reply is queued;
            returning None gives :func:`default_reply`. Also settable later
            as ``emulator.responder``.
    """

    def __init__(
        self,
        api_key: str | None = "test-key",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        check_signatures: bool = True,
        responder: Responder | None = None,
    ) -> None:
        self.api_key = api_key
        self.check_signatures = check_signatures
        self.responder: Responder | None = responder
        self.requests: list[RecordedRequest] = []
        self.issued_signatures: set[str] = set()
        self.disconnects = 0
        self.responder_errors: list[tuple[RecordedRequest, Exception, str]] = []
        """(request, exception, formatted traceback) per responder failure."""
        self._host, self._port = host, port
        self._queue: deque[Reply] = deque()
        self._files: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The server's URL, ``http://127.0.0.1:PORT`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("GeminiEmulator is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted since start (keep-alive reuse shows here)."""
        return self._server.accepted if self._server is not None else 0

    @property
    def last_request(self) -> RecordedRequest:
        """The most recent request; raises ``LookupError`` if there is none."""
        with self._lock:
            if not self.requests:
                raise LookupError("the emulator has not received any request")
            return self.requests[-1]

    def start(self) -> GeminiEmulator:
        """Start serving in a daemon thread (no-op if already started)."""
        if self._server is None:
            self._server = EmulatorHTTPServer((self._host, self._port), self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name="gemini-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (safe to call twice)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GeminiEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None:
            self.check()

    def check(self) -> None:
        """Raise :class:`ResponderError` if the responder raised (then forget it).

        The message holds the responder's traceback; the first exception is
        the ``__cause__``.
        """
        with self._lock:
            errors, self.responder_errors = self.responder_errors, []
        if not errors:
            return
        shown = "\n".join(
            f"{request.method} {request.path}:\n{trace}" for request, _, trace in errors
        )
        msg = f"the emulator's responder raised {len(errors)} time(s):\n{shown}"
        raise ResponderError(msg) from errors[0][1]

    def _responder_failed(self, request: RecordedRequest, error: Exception) -> None:
        """Keep an exception the responder raised."""
        trace = "".join(traceback.format_exception(error))
        with self._lock:
            self.responder_errors.append((request, error, trace))

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies, consumed FIFO by the next API requests."""
        with self._lock:
            self._queue.extend(replies)

    def clear(self) -> None:
        """Forget recorded requests and queued replies."""
        with self._lock:
            self.requests.clear()
            self._queue.clear()

    def serve_file(self, path: str, data: bytes, content_type: str) -> str:
        """Serve ``data`` on GET ``path``; return its full URL."""
        path = path if path.startswith("/") else f"/{path}"
        with self._lock:
            self._files[path] = (data, content_type)
        return self.base_url + path

    # What the HTTP handler and the dispatcher call (private: not for tests).

    def _handle(self, request: RecordedRequest) -> Reply:
        """Record ``request`` and return the reply to send."""
        with self._lock:
            self.requests.append(request)
        if request.action is None:
            return self._static(request)
        reply = dispatch(self, request)
        prepared = prepare(reply, request, self._issue)
        self._remember_signatures(prepared)
        return prepared

    def _take_queued(self) -> Reply | None:
        """Pop the next queued reply, if any."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def _issued(self) -> frozenset[str]:
        """Return the signatures issued so far."""
        with self._lock:
            return frozenset(self.issued_signatures)

    def _count_disconnect(self) -> None:
        """Count a client that left before its response was complete."""
        with self._lock:
            self.disconnects += 1

    def _issue(self) -> str:
        signature = new_signature()
        with self._lock:
            self.issued_signatures.add(signature)
        return signature

    def _remember_signatures(self, reply: Reply) -> None:
        responses = [reply.body, *(reply.chunks or [])]
        found = {
            part["thoughtSignature"]
            for response in responses
            if isinstance(response, dict)
            for candidate in response.get("candidates") or []
            for part in (candidate.get("content") or {}).get("parts") or []
            if isinstance(part, dict) and part.get("thoughtSignature")
        }
        if found:
            with self._lock:
                self.issued_signatures |= found

    def _static(self, request: RecordedRequest) -> Reply:
        with self._lock:
            served = self._files.get(request.path)
        if served is not None and request.method in ("GET", "HEAD"):
            return Reply(raw=served[0], content_type=served[1])
        message = f"The requested URL {request.path} was not found on this server."
        return Reply(status=404, body=google_error(404, message))
