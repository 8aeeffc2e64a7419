"""Pooled connections: a connection holding bytes after an answer is closed.

h11 keeps whatever a server sent after a complete response in its receive
buffer (that is how it supports pipelining), and httpcore2 puts the connection
back in its pool without looking there: its reuse check only asks whether the
socket is readable. A second answer written right after the first (a broken
server or proxy), a stray CRLF after a body, or a chunked body whose
``Content-Length`` also spans more bytes would then become the *next* call's
answer. No upstream issue about this was found for httpcore, httpcore2 or h11
(curl/curl#5440 and oven-sh/bun#37438 fixed it in other clients).

:func:`close_if_leftover` hooks the HTTP/1.1 connection that carries a
response, so that when the response ends the connection is closed, never
pooled, if bytes trail it or if its framing was ambiguous (RFC 9112 section
6.3: ``Transfer-Encoding`` together with ``Content-Length``). The hook uses
httpcore's private ``_response_closed`` and ``_h11_state`` (h11's public
``trailing_data``); where they are missing a warning says the protection is
off.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

_MARK = "_cometgemini_close_if_leftover"
_CLOSE_AFTER = "_cometgemini_close_after"
_LINKS = ("_stream", "_httpcore_stream")
"""How response streams wrap the pool's stream, and it the connection's."""


def close_if_leftover(response: Any, *, built_here: bool) -> bool:
    """Make ``response``'s connection close at its end if bytes trail the answer.

    Returns whether the hook is in place. HTTP/2 and custom transports have no
    h11 connection and are left alone; for a client built by this package a
    missing hook is a :class:`RuntimeWarning` (the libraries changed).
    """
    if response.extensions.get("http_version", b"HTTP/1.1") != b"HTTP/1.1":
        return False
    connection = _h11_connection(response.stream)
    if connection is None:
        if built_here:
            _warn("its HTTP/1.1 connection was not found")
        return False
    if _ambiguous_framing(response.headers):
        connection.__dict__[_CLOSE_AFTER] = True
    if not connection.__dict__.get(_MARK):
        _hook(connection)
    return True


def _ambiguous_framing(headers: Any) -> bool:
    return "transfer-encoding" in headers and "content-length" in headers


def _h11_connection(stream: Any) -> Any:
    """The httpcore HTTP/1.1 connection under a response stream, or None."""
    for _ in range(6):
        connection = getattr(stream, "_connection", None)
        if hasattr(connection, "_h11_state"):
            return connection
        stream = next((getattr(stream, n) for n in _LINKS if hasattr(stream, n)), None)
        if stream is None:
            return None
    return None


def _leftover(connection: Any) -> bool:
    """Whether the connection must not carry another request."""
    if connection.__dict__.pop(_CLOSE_AFTER, False):
        return True
    data, _closed = connection._h11_state.trailing_data
    return bool(data)


def _hook(connection: Any) -> None:
    """Wrap the connection's end-of-response step (sync or async flavour)."""
    original = connection._response_closed
    if inspect.iscoroutinefunction(original):

        async def aclosed() -> None:
            if _leftover(connection):
                await connection.aclose()
            else:
                await original()

        connection._response_closed = aclosed
    else:

        def closed() -> None:
            if _leftover(connection):
                connection.close()
            else:
                original()

        connection._response_closed = closed
    connection.__dict__[_MARK] = True


def _warn(why: str) -> None:
    msg = (
        f"langchain-cometgemini could not guard a pooled connection ({why}): "
        "bytes a server sends after an answer may reach the next call. "
        "Check the installed httpx2/httpcore2 versions."
    )
    warnings.warn(msg, RuntimeWarning, stacklevel=3)
