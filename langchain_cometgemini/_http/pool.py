"""Pools: the clients of one engine in one process, and their connections.

:class:`Pools` holds one sync client and one async client per live event loop
(an async client cannot move between loops). An engine keeps its ``Pools`` in
a :class:`~langchain_cometgemini._process.PerProcess`, so a forked child
builds its own and never touches the parent's sockets, and a pickled engine
carries none. An async client is closed in its own loop when the loop shuts
down (:func:`_tie_to_loop`).

Connections: a connection holding bytes after an answer is closed.

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

import asyncio
import contextlib
import functools
import inspect
import os
import ssl
import threading
import warnings
import weakref
from collections.abc import AsyncGenerator, Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from langchain_cometgemini._http.retry import answered
from langchain_cometgemini._http.sockets import warn_unhooked
from langchain_cometgemini.errors import APIConnectionError, CometGeminiError

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


_PATHS: dict[type, tuple[str, ...]] = {}
"""The attributes leading from a kind of response stream to its connection."""


def _h11_connection(stream: Any) -> Any:
    """The httpcore HTTP/1.1 connection under a response stream, or None.

    The way down is searched once per kind of stream and then followed (and
    searched again if it no longer leads to an HTTP/1.1 connection).
    """
    path = _PATHS.get(type(stream))
    if path is not None:
        found = stream
        for name in path:
            found = getattr(found, name, None)
        if hasattr(found, "_h11_state"):
            return found
    path = _search(stream)
    if path is None:
        return None
    _PATHS[type(stream)] = path
    for name in path:
        stream = getattr(stream, name)
    return stream


def _search(stream: Any) -> tuple[str, ...] | None:
    path: tuple[str, ...] = ()
    for _ in range(6):
        connection = getattr(stream, "_connection", None)
        if hasattr(connection, "_h11_state"):
            return (*path, "_connection")
        link = next((n for n in _LINKS if hasattr(stream, n)), None)
        if link is None:
            return None
        stream, path = getattr(stream, link), (*path, link)
    return None


def _leftover(connection: Any) -> bool:
    """Whether the connection must not carry another request."""
    if connection.__dict__.pop(_CLOSE_AFTER, False):
        return True
    data, _closed = connection._h11_state.trailing_data
    return bool(data)


def _hook(connection: Any) -> None:
    """Wrap the connection's end-of-response step (sync or async flavour).

    The wrapper holds the connection weakly and its step unbound: a
    connection that referred to itself through the wrapper would outlive
    every reference and wait for the garbage collector (a pool turning over
    hundreds of connections in a burst made each collection longer).
    """
    original = connection._response_closed
    step = _unbound(original, connection)
    closed = _AsyncClosed if inspect.iscoroutinefunction(original) else _Closed
    connection._response_closed = closed(weakref.ref(connection), step)
    connection.__dict__[_MARK] = True


class _Closed:
    """A sync connection's hooked end-of-response step (one object, no closure)."""

    __slots__ = ("ref", "step")

    def __init__(self, ref: weakref.ref[Any], step: Callable[[Any], Any]) -> None:
        self.ref, self.step = ref, step

    def __call__(self) -> None:
        found = self.ref()
        if found is None:  # pragma: no cover - the caller holds it
            return
        if _leftover(found):
            found.close()
        else:
            self.step(found)


class _AsyncClosed:
    """:class:`_Closed` for an async connection."""

    __slots__ = ("ref", "step")

    def __init__(self, ref: weakref.ref[Any], step: Callable[[Any], Any]) -> None:
        self.ref, self.step = ref, step

    async def __call__(self) -> None:
        found = self.ref()
        if found is None:  # pragma: no cover - the caller holds it
            return
        if _leftover(found):
            await found.aclose()
        else:
            await self.step(found)


def _unbound(method: Any, connection: Any) -> Callable[[Any], Any]:
    """``method`` of ``connection`` as a function taking the connection.

    Its class's own method: the function itself. Anything else set on the
    instance is called as it is (it may hold the connection; then the
    collector frees them).
    """
    function = getattr(method, "__func__", None)
    if function is not None and getattr(method, "__self__", None) is connection:
        return function  # type: ignore[no-any-return]
    return lambda _connection: method()


def _warn(why: str) -> None:
    msg = (
        f"langchain-cometgemini could not guard a pooled connection ({why}): "
        "bytes a server sends after an answer may reach the next call. "
        "Check the installed httpx2/httpcore2 versions."
    )
    warnings.warn(msg, RuntimeWarning, stacklevel=3)


# -- the clients of one engine in one process ----------------------------------

_LoopClient = tuple[Any, AsyncGenerator[None, None]]
"""An async client and the generator that closes it with its loop."""


class Pools:
    """One sync client and one async client per live loop (built on demand)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: Any = None
        self._loops: dict[asyncio.AbstractEventLoop, _LoopClient] = {}

    def sync(self, build: Callable[[], Any]) -> Any:
        """The sync client, built by ``build()`` the first time."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = build()
        return self._client

    def for_loop(self, build: Callable[[], Any]) -> Any:
        """The running loop's async client, built by ``build()`` if it has none."""
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._loops.get(loop)
            if found is None:
                self._forget_closed_loops()
                client = build()
                found = self._loops[loop] = (client, _tie_to_loop(client))
        return found[0]

    def loop_clients(self) -> list[Any]:
        """The async clients kept (one per live loop)."""
        with self._lock:
            return [client for client, _ in self._loops.values()]

    def _forget_closed_loops(self) -> None:
        """Drop the clients of event loops that have closed.

        Under ``asyncio.run`` (or any loop shut down with
        ``loop.shutdown_asyncgens()``) they were closed already, by
        :func:`_tie_to_loop`; the loop closed without it, they cannot be
        closed any more (that needs their loop).
        """
        for old in [loop for loop in self._loops if loop.is_closed()]:
            del self._loops[old]

    def close(self) -> None:
        """Close the sync client (a later call builds a new one)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the running loop's async client."""
        with self._lock:
            found = self._loops.pop(asyncio.get_running_loop(), None)
        if found is not None:
            await found[1].aclose()  # its ``finally`` closes the client

    def __del__(self) -> None:
        """Close the sync client when its engine is collected (same process).

        Async clients of loops that have closed cannot be closed any more
        (closing needs their loop); call ``await llm.aclose()`` in the loop.
        A parent's ``Pools`` in a forked child is never collected there.
        """
        client = self.__dict__.get("_client")
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()


async def _close_with_loop(client: Any) -> AsyncGenerator[None, None]:
    """Suspended for the life of its loop; its ``finally`` closes ``client``."""
    try:
        yield
    finally:
        await client.aclose()


def _tie_to_loop(client: Any) -> AsyncGenerator[None, None]:
    """Close ``client`` in its own event loop before the loop goes away.

    The running loop tracks the async generators started in it
    (``sys.set_asyncgen_hooks``): ``loop.shutdown_asyncgens()``, which
    ``asyncio.run`` calls before closing the loop, closes this one, and if the
    model is collected first the loop schedules its ``aclose()``. Either way
    the connections are closed in their loop, and the garbage collector finds
    no open transport to warn about (``ResourceWarning``).
    """
    closer = _close_with_loop(client)
    with contextlib.suppress(StopIteration):  # runs it to its ``yield``
        closer.asend(None).send(None)
    return closer


# -- building a client ---------------------------------------------------------


def new_client(httpx2: ModuleType, sync: bool, settings: dict[str, Any]) -> Any:
    """A built client; proxies and NO_PROXY come from the environment."""
    if sync:
        return httpx2.Client(**settings)
    return httpx2.AsyncClient(**settings)


def env_proxy(url: str) -> str | None:
    """The proxy the environment sets for ``url`` (None if none or NO_PROXY)."""
    import urllib.request

    proxies = urllib.request.getproxies()
    if not proxies:
        return None
    parts = urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


def transports(client: Any) -> list[Any]:
    """The client's transports: its own and one per proxy it mounted.

    ``_mounts`` is httpx2's private table of proxy transports; without it only
    the direct transport is bounded (and a warning says so).
    """
    mounts = getattr(client, "_mounts", None)
    if not isinstance(mounts, dict):
        warn_unhooked("httpx2.Client._mounts is missing")
        mounts = {}
    found = [client._transport, *mounts.values()]
    return [t for t in found if t is not None]


MEDIA_USER_AGENT = "langchain-cometgemini media fetch"
"""The user agent of media downloads (their cookies are never kept)."""


def api_cookies() -> Any:
    """A cookie jar for the API's cookies only.

    A media download shares the client (and so the jar) with the API: a
    ``Set-Cookie`` from a media server on the API's host would otherwise be
    sent to the API. Media requests carry no cookies (they are built bare).
    """
    from http.cookiejar import CookieJar, DefaultCookiePolicy

    class ApiOnly(DefaultCookiePolicy):
        def set_ok(self, cookie: Any, request: Any) -> bool:
            if request.get_header("User-agent") == MEDIA_USER_AGENT:
                return False
            return bool(super().set_ok(cookie, request))

    return CookieJar(policy=ApiOnly())


def proxy_support_missing(exc: ImportError) -> CometGeminiError:
    msg = (
        f"a proxy set in the environment needs a package that is not installed "
        f"({exc}); install it (for SOCKS: pip install socksio), or exclude "
        "this host with NO_PROXY"
    )
    return answered(APIConnectionError(msg))


def ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per CA setting (building one costs ~0.1 s).

    Keyed on ``SSL_CERT_FILE``/``SSL_CERT_DIR``, so setting them after a
    failure takes effect for the next model (as for a fresh ``httpx2.Client``).
    """
    return _ssl_context_for(
        os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    )


@functools.lru_cache(maxsize=4)
def _ssl_context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """The context for these CA settings (the arguments are the cache key)."""
    import httpx2

    return httpx2.create_ssl_context()
