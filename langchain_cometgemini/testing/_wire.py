"""Write a prepared ``Reply`` on the socket: JSON, SSE stream or a fault.

Non-stream answers carry a ``Content-Length`` (keep-alive works). SSE streams
use chunked transfer encoding: ``data: <json>`` events (CRLF framed), properly
terminated, so a dropped stream (``drop_after``) is an incomplete body the
client can detect. Client disconnects are reported through ``on_disconnect``.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from langchain_cometgemini.testing._reply import Reply
from langchain_cometgemini.testing._request import RecordedRequest

JSON_TYPE = "application/json; charset=UTF-8"
SSE_TYPE = "text/event-stream"
_DONTWAIT: int = getattr(socket, "MSG_DONTWAIT", 0)
_PEEK_FLAGS: int = socket.MSG_PEEK | _DONTWAIT if _DONTWAIT else 0
DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
_ABORTIVE = struct.pack("ii", 1, 0)
"""``SO_LINGER`` on, zero seconds: closing the socket sends RST, not FIN."""


class ClientGone(Exception):
    """The client closed the connection before the response was complete."""


def send(
    handler: BaseHTTPRequestHandler,
    reply: Reply,
    request: RecordedRequest,
    on_disconnect: Callable[[], None],
) -> None:
    """Send ``reply`` to the client; count a disconnect if it goes away."""
    try:
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop_after == 0:
            abort(handler, reset=reply.reset)
            return
        ensure_connected(handler)
        if _is_stream(reply, request):
            _send_sse(handler, reply)
        elif _is_array(reply, request):
            _send_plain(handler, reply, _dump_pretty(reply.chunks or []))
        else:
            _send_plain(handler, reply, _payload(reply))
    except (ClientGone, *DISCONNECTS):
        handler.close_connection = True
        on_disconnect()


def _is_stream(reply: Reply, request: RecordedRequest) -> bool:
    return request.stream and reply.status == 200 and reply.raw is None


def _is_array(reply: Reply, request: RecordedRequest) -> bool:
    return (
        request.action == "streamGenerateContent"
        and reply.status == 200
        and reply.raw is None
        and reply.chunks is not None
    )


def abort(handler: BaseHTTPRequestHandler, *, reset: bool = False) -> None:
    """Close the connection at once, whatever was sent so far.

    A clean close (FIN) by default; ``reset``: a TCP reset (RST). The socket is
    closed here, with a zero linger time, because the server's own close
    would send a FIN first.
    """
    handler.close_connection = True
    sock = handler.connection
    try:
        if reset:
            handler.wfile.flush()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _ABORTIVE)
            handler.rfile.close()  # the last reference to the socket's file
            sock.close()
        else:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def ensure_connected(handler: BaseHTTPRequestHandler) -> None:
    """Raise ``ClientGone`` if the client has closed its side of the socket."""
    sock = handler.connection
    if not _PEEK_FLAGS:
        return  # platform without MSG_DONTWAIT: rely on write errors only
    try:
        peeked = sock.recv(1, _PEEK_FLAGS)
    except (BlockingIOError, InterruptedError):
        return  # nothing to read: the client is still waiting
    except OSError as exc:
        raise ClientGone from exc
    if peeked == b"":
        raise ClientGone


def _json_text(value: Any, **options: Any) -> str:
    """JSON text, UTF-8 where it can be; a lone surrogate is sent escaped."""
    text = json.dumps(value, ensure_ascii=False, **options)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, **options)
    return text


def _dump_pretty(value: Any) -> bytes:
    return (_json_text(value, indent=2) + "\n").encode("utf-8")


def _payload(reply: Reply) -> bytes:
    if reply.raw is not None:
        return reply.raw
    if reply.body is None:
        return b""
    return _dump_pretty(reply.body)


def _start(handler: BaseHTTPRequestHandler, reply: Reply, default_type: str) -> None:
    handler.send_response(reply.status)
    handler.send_header("Content-Type", reply.content_type or default_type)
    for name, value in reply.headers.items():
        handler.send_header(name, value)


def _send_plain(handler: BaseHTTPRequestHandler, reply: Reply, data: bytes) -> None:
    _start(handler, reply, JSON_TYPE)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if reply.drop_after:
        handler.wfile.write(data[: len(data) // 2])
        abort(handler, reset=reply.reset)
        return
    handler.wfile.write(data)


def _events(reply: Reply) -> list[str]:
    chunks = reply.chunks if reply.chunks is not None else []
    if reply.chunks is None and reply.body is not None:
        chunks = [reply.body]
    events = [_json_text(c, separators=(",", ": ")) for c in chunks]
    events += reply.raw_events or []
    if reply.error_event is not None:
        error = reply.error_event
        wrapped = error if "error" in error else {"error": error}
        events.append(json.dumps(wrapped, separators=(",", ": ")))
    return events


def _send_sse(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    _start(handler, reply, SSE_TYPE)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Cache-Control", "no-cache")
    handler.end_headers()
    for index, event in enumerate(_events(reply)):
        if reply.drop_after is not None and index >= reply.drop_after:
            abort(handler, reset=reply.reset)
            return
        if index and reply.event_delay:
            time.sleep(reply.event_delay)
            ensure_connected(handler)
        _write_chunk(handler, f"data: {event}\r\n\r\n".encode())
    if reply.drop_after is not None:
        abort(handler, reset=reply.reset)
        return
    handler.wfile.write(b"0\r\n\r\n")


def _write_chunk(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
