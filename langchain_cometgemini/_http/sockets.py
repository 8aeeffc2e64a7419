"""The sockets of built clients: a call's deadline, and what arrived on them.

httpcore2 reads and writes through a network backend; the pools of the
clients this package builds get theirs wrapped (the pool's private
``_network_backend``: :func:`install_socket_hooks` checks the pool's type and
warns if it cannot install, instead of silently dropping the protection):

- sync sockets read and write with ``min(timeout, time left)`` of the
  :func:`deadline` in force (a write in 64 KB slices, each bounded), so a
  server dripping bytes, or reading an upload slowly, cannot stretch a unary
  call past its ``timeout`` (async attempts run under ``asyncio.timeout``);
- sync and async sockets note the first bytes of an answer in the current
  :class:`Arrival` (the one entered by the running task, or by the thread for
  sync sockets: a plain dict, no context-variable copy per request), so a
  failure while the head was arriving is known to have come *after* the
  server began to answer (never sent again if it may be a success:
  :meth:`Arrival.maybe_success`).

A user's own client (``httpx`` or ``httpx2``) keeps its timeouts and writes
as they are: :func:`watch_user_sockets` only wraps its pool's backend (and the
sockets its pool already holds) so that reads note the first answer bytes,
and the same never-resend rule holds through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
import warnings
from typing import Any

__all__ = [
    "Arrival",
    "deadline",
    "install_socket_hooks",
    "warn_unhooked",
    "watch_user_sockets",
]

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "cometgemini_deadline", default=None
)
"""``time.monotonic()`` by which the current sync unary attempt must end."""
_ARRIVALS: dict[object, Arrival] = {}
"""The entered :class:`Arrival` of each asyncio task, and of each thread (sync)."""
_WRITE_SLICE = 64 * 1024
_WATCH_EVERY = 0.01
"""Seconds between looks for an early answer while a large write waits."""
_HEAD = 12
"""Bytes of an answer kept: ``HTTP/1.1 200`` is 12."""


class _Deadline:
    """:func:`deadline` (a class rather than ``contextlib.contextmanager``)."""

    __slots__ = ("at", "token")

    def __init__(self, at: float | None) -> None:
        self.at = at

    def __enter__(self) -> None:
        self.token = _DEADLINE.set(self.at)

    def __exit__(self, *exc_info: object) -> None:
        _DEADLINE.reset(self.token)


def deadline(seconds: float | None) -> _Deadline:
    """Bound the sync socket reads and writes inside to ``seconds`` in all."""
    return _Deadline(None if seconds is None else time.monotonic() + seconds)


def _clamp(timeout: float | None) -> float | None:
    at = _DEADLINE.get()
    if at is None:
        return timeout
    left = max(at - time.monotonic(), 0.000001)
    return left if timeout is None else min(timeout, left)


class Arrival:
    """One request's socket traffic, noted while it is entered (``with``).

    ``head``: the first bytes read (the answer's status line). ``sending``:
    whether a byte of the request was written (async sockets note their
    writes; a client whose sockets could not be hooked reports it through
    httpcore's public ``trace`` hook, :meth:`trace`). An async deadline that
    fires before then fired while connecting.

    ``asynchronous``: noted by the sockets of the running asyncio task (made
    inside it); otherwise by this thread's sync sockets. Its own context
    manager, kept in a plain dict: no further object per request.
    """

    __slots__ = ("head", "sending", "_key")

    def __init__(self, *, asynchronous: bool = False) -> None:
        self.head = b""
        self.sending = False
        self._key = asyncio.current_task() if asynchronous else threading.get_ident()

    @property
    def asynchronous(self) -> bool:
        """Whether an asyncio task's sockets note this request."""
        return not isinstance(self._key, int)

    def __enter__(self) -> None:
        _ARRIVALS[self._key] = self

    def __exit__(self, *exc_info: object) -> None:
        if _ARRIVALS.get(self._key) is self:
            del _ARRIVALS[self._key]

    async def trace(self, name: str, info: Any) -> None:
        """Httpcore's ``trace`` extension, for sockets that are not hooked."""
        if name.endswith("send_request_headers.started"):
            self.sending = True

    def maybe_success(self) -> bool:
        """Whether an answer began that may be a 2xx (then nothing is resent).

        Any byte counts until the status code's first digit says otherwise.
        """
        head = self.head
        if not head:
            return False
        if len(head) < 10 or not head.startswith(b"HTTP/"):
            return True
        return head[9:10] == b"2"


def _note(data: bytes, key: object) -> None:
    """Keep the first bytes read by ``key`` (a task, or a thread's id)."""
    arrival = _ARRIVALS.get(key)
    if arrival is not None and len(arrival.head) < _HEAD and data:
        arrival.head += data[: _HEAD - len(arrival.head)]


def _note_write() -> None:
    """The running task's request began to go out."""
    arrival = _ARRIVALS.get(asyncio.current_task())
    if arrival is not None:
        arrival.sending = True


class _SyncStream:
    """A sync network stream bounded by the deadline, noting what arrives."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, _clamp(timeout))
        _note(data, threading.get_ident())
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write in slices, each bounded by the time left.

        A reader that takes each slice slowly cannot stretch one large write
        past the deadline.
        """
        if len(buffer) <= _WRITE_SLICE:  # the usual request: one slice
            if buffer:
                self._inner.write(buffer, _clamp(timeout))
            return
        view = memoryview(buffer)
        for start in range(0, len(view), _WRITE_SLICE):
            self._inner.write(view[start : start + _WRITE_SLICE], _clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> _SyncStream:
        return _SyncStream(self._inner.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _SyncBackend:
    """httpcore2's sync network backend, with :class:`_SyncStream` sockets."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, *args: Any, **kwargs: Any) -> _SyncStream:
        return _SyncStream(self._inner.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> _SyncStream:
        return _SyncStream(self._inner.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncStream:
    """An async network stream noting what arrives (deadline: asyncio.timeout).

    A large write goes in slices while watching for an early answer: asyncio
    stops reading while it writes, so a server that answers (400, 413) before
    reading the body and then closes would otherwise be seen as a broken pipe,
    its answer lost. Once an answer waits, the rest of the body is not sent
    and the connection is never reused (it reports itself readable).
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._answered_early = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = await self._inner.read(max_bytes, timeout)
        _note(data, asyncio.current_task())
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:  # h11's end of a sized body: nothing to send
            return
        _note_write()
        if len(buffer) <= _WRITE_SLICE:
            if not self._answered_early:
                await self._inner.write(buffer, timeout)
            return
        view = memoryview(buffer)
        for start in range(0, len(view), _WRITE_SLICE):
            if self._answered_early:
                return
            piece = bytes(view[start : start + _WRITE_SLICE])
            self._answered_early = await self._write_watching(piece, timeout)

    async def _write_watching(self, piece: bytes, timeout: float | None) -> bool:
        """Write ``piece``; True if an answer arrived first (the write stopped)."""
        if self._inner.get_extra_info("is_readable"):
            return True
        write = asyncio.ensure_future(self._inner.write(piece, timeout))
        try:
            while True:
                done, _ = await asyncio.wait({write}, timeout=_WATCH_EVERY)
                if done:
                    write.result()
                    return False
                if self._inner.get_extra_info("is_readable"):
                    return True
        finally:
            if not write.done():
                write.cancel()
                with contextlib.suppress(BaseException):
                    await write

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, *args: Any, **kwargs: Any) -> _AsyncStream:
        return _AsyncStream(await self._inner.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._answered_early:
            return True  # httpcore then closes it instead of reusing it
        return self._inner.get_extra_info(info)


class _AsyncBackend:
    """httpcore2's async network backend, with :class:`_AsyncStream` sockets."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> _AsyncStream:
        return _AsyncStream(await self._inner.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> _AsyncStream:
        return _AsyncStream(await self._inner.connect_unix_socket(*args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def install_socket_hooks(transport: Any) -> bool:
    """Wrap a built transport's network backend; False (and a warning) if not.

    The pool's backend is an internal of httpx2's transport: checked here (the
    pool is one of httpcore2's connection pools holding a backend).
    """
    import httpcore2

    pool: Any = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    wrapper: type[_SyncBackend | _AsyncBackend] | None = None
    if isinstance(pool, httpcore2.ConnectionPool):
        wrapper = _SyncBackend
    elif isinstance(pool, httpcore2.AsyncConnectionPool):
        wrapper = _AsyncBackend
    if wrapper is None or backend is None:
        warn_unhooked(f"{type(transport).__name__} has no httpcore2 pool backend")
        return False
    if not isinstance(backend, (_SyncBackend, _AsyncBackend)):
        pool._network_backend = wrapper(backend)
    return True


# -- a user's client: reads noted, nothing else changed ----------------------


class _NotingSync:
    """A user's sync network stream; reads note what arrives."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, timeout)
        _note(data, threading.get_ident())
        return data

    def start_tls(self, *args: Any, **kwargs: Any) -> _NotingSync:
        return _NotingSync(self._inner.start_tls(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _NotingAsync:
    """A user's async network stream; reads and writes noted."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = await self._inner.read(max_bytes, timeout)
        _note(data, asyncio.current_task())
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            _note_write()
            await self._inner.write(buffer, timeout)

    async def start_tls(self, *args: Any, **kwargs: Any) -> _NotingAsync:
        return _NotingAsync(await self._inner.start_tls(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _NotingBackend:
    """A user pool's network backend whose new sockets note their reads."""

    def __init__(self, inner: Any, stream: type[_NotingSync | _NotingAsync]) -> None:
        self._inner = inner
        self._stream = stream
        if stream is _NotingSync:
            self.connect_tcp = self._sync_connect("connect_tcp")
            self.connect_unix_socket = self._sync_connect("connect_unix_socket")
        else:
            self.connect_tcp = self._async_connect("connect_tcp")
            self.connect_unix_socket = self._async_connect("connect_unix_socket")

    def _sync_connect(self, name: str) -> Any:
        def connect(*args: Any, **kwargs: Any) -> Any:
            return _NotingSync(getattr(self._inner, name)(*args, **kwargs))

        return connect

    def _async_connect(self, name: str) -> Any:
        async def connect(*args: Any, **kwargs: Any) -> Any:
            return _NotingAsync(await getattr(self._inner, name)(*args, **kwargs))

        return connect

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def watch_user_sockets(transport: Any) -> bool:
    """Make a user's transport note the first answer bytes; False if it cannot.

    Works on httpcore and httpcore2 pools alike (``_pool._network_backend``,
    and ``_network_stream`` of the HTTP/1.1 connections already pooled). A
    custom transport is left alone (its failures are classified by type and
    message only).
    """
    pool: Any = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None:
        return False
    if isinstance(backend, _NotingBackend):
        return True
    stream = _NotingAsync if "Async" in type(pool).__name__ else _NotingSync
    pool._network_backend = _NotingBackend(backend, stream)
    for connection in getattr(pool, "connections", ()):
        inner: Any = getattr(connection, "_connection", None)
        found = getattr(inner, "_network_stream", None)
        if found is not None and not isinstance(found, _NotingSync | _NotingAsync):
            inner._network_stream = stream(found)
    return True


def warn_unhooked(why: str) -> None:
    """Say that a built client's sockets could not be hooked (never silent)."""
    msg = (
        f"langchain-cometgemini could not hook the sockets of its HTTP client "
        f"({why}): a dripping server may stretch a sync call past its timeout, "
        "and a failure mid-answer may be retried. Check the installed "
        "httpx2/httpcore2 versions."
    )
    warnings.warn(msg, RuntimeWarning, stacklevel=3)
