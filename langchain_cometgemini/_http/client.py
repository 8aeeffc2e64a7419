"""The SDK-shaped Gemini client: generate, stream, count tokens; one attempt.

Flow of one call (the modules of ``_http/``)::

    GeminiHTTP.generate / .agenerate / .count_tokens   (unary)
    GeminiHTTP.stream   / .astream                      (streamGenerateContent?alt=sse)
        inputs.build_url                     names checked before anything is sent
        -> retry.with_retries / awith_retries    (the one retry policy)
        -> redact.Redactor.scope             key masked in errors and log records
        -> the request core, ONE generator for sync and async:
           _unary / _opening
             _attempt   client.build_request + client.send(stream=True)
                        (httpx's documented API, for every client);
                        pool.close_if_leftover guards the connection,
                        sockets.Arrival notes the first answer bytes
             _whole     the body (body.Decoder: strict gzip/deflate), key masked
             classify   status, transport failure -> typed error
                        (errors.py), or the JSON object / the first events
        -> _drive / _adrive      the two thin drivers: they perform the I/O
                                 steps the core yields (send, read, close,
                                 next chunk) blocking or awaited, and hand
                                 back results or exceptions; nothing else
        -> _OpenStream.feed / .end  (streams, after the opening: SSEDecoder +
                                 StreamCheck per chunk; iterated by the sync
                                 or async consumer)

The clients: ``httpx2`` clients built here (``pool``: one per process and
loop, their sockets hooked by ``sockets``) or the user's ``httpx``/``httpx2``
clients (both families share an API; ``classify.family`` tells them apart
without importing ``httpx``). httpx2's pool has neither httpcore 1.0.9's
thread race (encode/httpcore#1110) nor its slow second burst.

Deadlines: ``timeout`` bounds a unary attempt from send to last byte. Async
attempts run under ``asyncio.timeout`` (a deadline while still connecting is
a ``ConnectTimeoutError``, ``sockets.Arrival``); sync sockets of the clients built
here read and write with ``min(timeout, time left)``. For streams ``timeout``
bounds the silence between bytes. ``connect`` is capped at
:data:`CONNECT_TIMEOUT`.

Processes: clients are never shared across a fork. A :class:`GeminiHTTP`
keeps its clients in a per-process ``pool.Pools``
(:class:`~langchain_cometgemini._process.PerProcess`): a forked worker sets
the parent's aside unclosed and builds its own. Pickling or deep-copying one
keeps its settings only: the copy builds its own clients when first used.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator
from types import ModuleType
from typing import TYPE_CHECKING, Any

from langchain_cometgemini._http.body import Decoder
from langchain_cometgemini._http.classify import (
    after,
    body_codings,
    check_stream_start,
    closed_before_first,
    decode_json,
    decoded,
    family,
    http_errors,
    is_sse,
    read_body_error,
    stream_decode_error,
    transport_error,
)
from langchain_cometgemini._http.inputs import build_url, display_url
from langchain_cometgemini._http.pool import (
    Pools,
    api_cookies,
    close_if_leftover,
    env_proxy,
    new_client,
    proxy_support_missing,
    ssl_context,
    transports,
)
from langchain_cometgemini._http.redact import Redactor
from langchain_cometgemini._http.retry import (
    RetryPolicy,
    answered,
    awith_retries,
    with_retries,
)
from langchain_cometgemini._http.sockets import (
    Arrival,
    deadline,
    install_socket_hooks,
    watch_user_sockets,
)
from langchain_cometgemini._http.sse import SSEDecoder, StreamCheck
from langchain_cometgemini._json import dumps
from langchain_cometgemini._process import PerProcess
from langchain_cometgemini.errors import (
    CometGeminiError,
    ConnectTimeoutError,
)

if TYPE_CHECKING:
    from langchain_cometgemini._http.fetch import Fetched, MediaPolicy

__all__ = ["GeminiHTTP", "RetryPolicy"]

MAX_CONNECTIONS = 100
"""Connections one built client opens at most (more concurrent calls queue)."""
MAX_KEEPALIVE = 20
"""Idle connections one built client keeps (httpx2's defaults measured best)."""
CONNECT_TIMEOUT = 10.0
"""Longest wait for a TCP/TLS connection, in seconds (never above ``timeout``)."""

_STREAM_ACTION = "streamGenerateContent?alt=sse"


# -- the engine ---------------------------------------------------------------


class GeminiHTTP:
    """The model's connection to one Gemini endpoint; clients built lazily, reused.

    One sync client per process and one async client per live event loop
    (an async client cannot move between loops; those of closed loops are
    dropped when a new loop needs one). Clients passed in by the user are used
    as they are and never closed here.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_version: str,
        headers: dict[str, str],
        timeout: float | None,
        retry: RetryPolicy,
        client: Any = None,
        async_client: Any = None,
    ) -> None:
        self.base_url = base_url
        self.api_version = api_version
        self.headers = headers
        self.timeout = timeout
        self.retry = retry
        self._user_client = client
        self._user_async_client = async_client
        self._redactor = Redactor(headers)
        self._pools: PerProcess[Pools] = PerProcess(Pools)
        self._timeouts: dict[ModuleType, Any] = {}
        self._hooked: weakref.WeakSet[Any] = weakref.WeakSet()
        """Clients whose every socket notes its traffic (else ``trace`` does)."""
        for user in (client, async_client):
            if user is not None and all([*map(watch_user_sockets, transports(user))]):
                self._hooked.add(user)  # every transport tried (no short cut)

    def __repr__(self) -> str:
        return f"GeminiHTTP(base_url={display_url(self.base_url)!r})"

    def __getstate__(self) -> dict[str, Any]:
        if self._user_client is not None or self._user_async_client is not None:
            msg = (
                "A model given http_client/http_async_client cannot be pickled or "
                "copied (clients hold sockets); pass client settings instead."
            )
            raise TypeError(msg)
        keep = ("base_url", "api_version", "headers", "timeout", "retry")
        return {name: self.__dict__[name] for name in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    # -- clients -------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The sync client (the user's, or one built in this process)."""
        if self._user_client is not None:
            return self._user_client
        return self._pools.get().sync(lambda: self._build(sync=True))

    @property
    def async_client(self) -> Any:
        """The async client of the running event loop."""
        if self._user_async_client is not None:
            return self._user_async_client
        return self._pools.get().for_loop(lambda: self._build(sync=False))

    def loop_clients(self) -> list[Any]:
        """The async clients built here and kept (one per live event loop)."""
        pools = self._pools.peek()
        return [] if pools is None else pools.loop_clients()

    def _build(self, *, sync: bool) -> Any:
        import httpx2

        limits = httpx2.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE
        )
        settings: dict[str, Any] = {
            "limits": limits,
            "verify": ssl_context(),
            "timeout": self._timeout(httpx2),
            "follow_redirects": False,
            "cookies": api_cookies(),
        }
        try:
            client = new_client(httpx2, sync, settings)
        except ImportError as exc:  # a SOCKS proxy without socksio
            if env_proxy(self.base_url) is not None:
                raise proxy_support_missing(exc) from None
            # NO_PROXY excludes base_url: no proxy needed (media go direct too)
            client = new_client(httpx2, sync, {**settings, "trust_env": False})
        if all([*map(install_socket_hooks, transports(client))]):
            self._hooked.add(client)  # every transport tried (no short cut)
        return client

    def _timeout(self, module: ModuleType) -> Any:
        """The ``Timeout`` of ``module``'s family for every request (made once)."""
        found = self._timeouts.get(module)
        if found is None:
            if self.timeout is None:
                found = module.Timeout(None, connect=CONNECT_TIMEOUT)
            else:
                connect = min(CONNECT_TIMEOUT, self.timeout)
                found = module.Timeout(self.timeout, connect=connect)
            self._timeouts[module] = found
        return found

    # -- one attempt -----------------------------------------------------------

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        """Mask the key in errors raised and records logged inside."""
        return self._redactor.scope()

    def _prepare(self, client: Any, url: str, content: bytes) -> Any:
        return client.build_request(
            "POST",
            url,
            content=content,
            headers=self.headers,
            timeout=self._timeout(family(client)),
        )

    def _attempt(
        self, client: Any, url: str, content: bytes, arrival: Arrival
    ) -> _Core:
        """Build and send one request; the response, its connection guarded.

        ``arrival``: what the sockets noted: the answer's first bytes, and
        whether an async request began to go out (sockets that are not hooked
        report that through ``trace``).
        """
        request = self._prepare(client, url, content)
        if arrival.asynchronous and client not in self._hooked:
            request.extensions["trace"] = arrival.trace
        built = (
            client is not self._user_client and client is not self._user_async_client
        )
        try:
            with arrival:
                response = yield (_SEND, client, request)
        except http_errors() as exc:
            proxy = env_proxy(url) if built else None
            error = transport_error(exc, url, proxy=proxy)
            raise after(arrival, error) from exc
        close_if_leftover(response, built_here=built)
        return response

    def _masked(self, response: Any, body: bytes) -> bytes:
        """An error body with the key masked before any excerpt can cut it."""
        if response.status_code < 300:
            return body
        return self._redactor.body(body)

    def _whole(self, response: Any, url: str) -> _Core:
        """The whole body, key masked (a non-2xx keeps what arrived before a failure).

        gzip/deflate bodies are read raw and decoded strictly (:mod:`.body`).
        """
        codings: list[str] = []
        chunks: list[bytes] = []
        try:
            codings = body_codings(response, url)
            yield (_READ_RAW, response, chunks)
        except http_errors() as exc:
            if 200 <= response.status_code < 300:
                raise read_body_error(exc, url, response.status_code) from exc
        finally:
            yield (_CLOSE, response, None)
        return self._masked(response, decoded(response, url, b"".join(chunks), codings))

    def _unary(self, client: Any, url: str, content: bytes, arrival: Arrival) -> _Core:
        """One unary attempt: send, read, classify; the JSON object."""
        response = yield from self._attempt(client, url, content, arrival)
        return decode_json(response, (yield from self._whole(response, url)))

    def _opening(
        self, client: Any, url: str, content: bytes, arrival: Arrival
    ) -> _Core:
        """One stream attempt up to its first events (:class:`_OpenStream`)."""
        response = yield from self._attempt(client, url, content, arrival)
        if not is_sse(response):
            check_stream_start(response, (yield from self._whole(response, url)))
        try:
            chunks = yield (_CHUNKS, response, None)
            opened = _OpenStream(response, url, chunks)
            while (chunk := (yield (_NEXT, chunks, None))) is not None:
                if opened.first_events(chunk):
                    return opened
            opened.decoder.finish()
            raise closed_before_first(url)
        except GeneratorExit:
            raise
        except http_errors() as exc:
            yield (_CLOSE, response, None)
            raise answered(read_body_error(exc, url, response.status_code)) from exc
        except CometGeminiError as err:
            yield (_CLOSE, response, None)
            answered(err)
            raise
        except BaseException:
            yield (_CLOSE, response, None)
            raise

    # -- unary -----------------------------------------------------------------

    def generate(self, model: str, body: Any) -> Any:
        """``generateContent``: the whole answer's JSON."""
        return self._request(model, "generateContent", body)

    def agenerate(self, model: str, body: Any) -> Coroutine[Any, Any, Any]:
        """Async :meth:`generate` (the retry loop's coroutine, no layer above it)."""
        url = build_url(self.base_url, self.api_version, model, "generateContent")
        return awith_retries(self.retry, self._apost, url, dumps(body))

    def count_tokens(self, model: str, body: Any) -> Any:
        """``countTokens``: the count's JSON."""
        return self._request(model, "countTokens", body)

    def fetch_media(self, urls: list[str], policy: MediaPolicy) -> Fetched:
        """Download media URLs under ``policy`` (bare GETs, never the key).

        The downloader is loaded on first use: a call without media URLs
        never imports it.
        """
        from langchain_cometgemini._http.fetch import download_all

        return download_all(urls, policy, self.client)

    async def afetch_media(self, urls: list[str], policy: MediaPolicy) -> Fetched:
        """Async :meth:`fetch_media`."""
        from langchain_cometgemini._http.fetch import adownload_all

        return await adownload_all(urls, policy, self.async_client)

    def _request(self, model: str, action: str, body: Any) -> Any:
        """POST ``body`` to ``models/{model}:{action}`` and return the JSON."""
        url = build_url(self.base_url, self.api_version, model, action)
        return with_retries(self.retry, self._post, url, dumps(body))

    def _post(self, url: str, content: bytes) -> Any:
        with self._guard(), deadline(self.timeout):
            return _drive(self._unary(self.client, url, content, Arrival()))

    async def _apost(self, url: str, content: bytes) -> Any:
        with self._guard():
            arrival = Arrival(asynchronous=True)
            try:
                async with asyncio.timeout(self.timeout):
                    client = self.async_client
                    return await _adrive(self._unary(client, url, content, arrival))
            except TimeoutError as exc:
                if not arrival.sending:  # still connecting: as the sync ConnectTimeout
                    msg = f"could not connect to {display_url(url)} in time"
                    raise ConnectTimeoutError(msg) from None
                raise transport_error(exc, url) from None

    # -- streaming -------------------------------------------------------------

    def stream(self, model: str, body: Any) -> Generator[dict[str, Any], None, None]:
        """Yield each decoded SSE event; retried only before the first event.

        Closing the generator early (``break``, an exception in the consumer)
        closes the connection.
        """
        url = build_url(self.base_url, self.api_version, model, _STREAM_ACTION)
        return self._events(url, dumps(body))

    def _events(
        self, url: str, content: bytes
    ) -> Generator[dict[str, Any], None, None]:
        """:meth:`stream` of an encoded body (also driven from threads)."""
        opened = with_retries(self.retry, self._open, url, content)
        with self._guard():
            try:
                yield from opened.pending
                for chunk in opened.chunks:
                    yield from opened.feed(chunk)
                opened.end()
            except http_errors() as exc:
                raise transport_error(exc, url, events=opened.check.events) from exc
            finally:
                opened.response.close()

    async def astream(
        self, model: str, body: Any
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Async :meth:`stream`; cancelling the consumer closes the connection."""
        url = build_url(self.base_url, self.api_version, model, _STREAM_ACTION)
        content = dumps(body)
        opened = await awith_retries(self.retry, self._aopen, url, content)
        with self._guard():
            try:
                for event in opened.pending:
                    yield event
                async for chunk in opened.chunks:
                    for event in opened.feed(chunk):
                        yield event
                opened.end()
            except http_errors() as exc:
                raise transport_error(exc, url, events=opened.check.events) from exc
            finally:
                await opened.response.aclose()

    def _open(self, url: str, content: bytes) -> _OpenStream:
        with self._guard():
            core = self._opening(self.client, url, content, Arrival())
            opened: _OpenStream = _drive(core)
            return opened

    async def _aopen(self, url: str, content: bytes) -> _OpenStream:
        with self._guard():
            arrival = Arrival(asynchronous=True)
            core = self._opening(self.async_client, url, content, arrival)
            opened: _OpenStream = await _adrive(core)
            return opened

    # -- lifecycle -------------------------------------------------------------

    def close(self) -> None:
        """Close the sync client built here (a user's is left open)."""
        pools = self._pools.peek()
        if pools is not None:
            pools.close()

    async def aclose(self) -> None:
        """Close the async client built here for the running loop."""
        pools = self._pools.peek()
        if pools is not None:
            await pools.aclose()


# -- the drivers: the only difference between sync and async -----------------

_SEND, _READ_RAW, _CLOSE, _CHUNKS, _NEXT = range(5)
"""The I/O steps a core yields, as ``(step, target, argument)``."""

_Core = Generator[tuple[int, Any, Any], Any, Any]
"""A request core: yields I/O steps, is sent their results (or thrown their
exceptions), and returns its answer."""


def _drive(core: _Core) -> Any:
    """Run ``core`` with blocking I/O."""
    result: Any = None
    failure: BaseException | None = None
    while True:
        try:
            step, target, arg = (
                core.send(result) if failure is None else core.throw(failure)
            )
        except StopIteration as done:
            return done.value
        result = failure = None
        try:
            if step == _SEND:
                result = target.send(arg, stream=True, follow_redirects=False)
            elif step == _READ_RAW:
                arg.extend(target.iter_raw())
            elif step == _CLOSE:
                target.close()
            elif step == _CHUNKS:
                result = target.iter_raw()
            else:
                result = next(target, None)
        except BaseException as exc:  # noqa: BLE001  (the core decides)
            failure = exc


async def _adrive(core: _Core) -> Any:
    """Run ``core`` with asyncio I/O (a cancellation reaches the core too)."""
    result: Any = None
    failure: BaseException | None = None
    while True:
        try:
            step, target, arg = (
                core.send(result) if failure is None else core.throw(failure)
            )
        except StopIteration as done:
            return done.value
        result = failure = None
        try:
            if step == _SEND:
                result = await target.send(arg, stream=True, follow_redirects=False)
            elif step == _READ_RAW:
                async for chunk in target.aiter_raw():
                    arg.append(chunk)
            elif step == _CLOSE:
                await target.aclose()
            elif step == _CHUNKS:
                result = target.aiter_raw()
            else:
                result = await anext(target, None)
        except BaseException as exc:  # noqa: BLE001  (the core decides)
            failure = exc


class _OpenStream:
    """A stream whose first event has arrived: the part retries may not repeat.

    Its chunks are the raw body; gzip/deflate are undone here, strictly
    (:func:`.classify.body_codings`), so a stream cut inside them never passes.
    """

    def __init__(self, response: Any, url: str, chunks: Any) -> None:
        self.response = response
        self.chunks = chunks  # the raw body's iterator, resumed after the opening
        self.decoder = SSEDecoder(display_url(url))
        self.check = StreamCheck(display_url(url))
        self.pending: list[dict[str, Any]] = []
        codings = body_codings(response, url)
        self.body = Decoder(codings) if codings else None

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        """The events ``chunk`` completes, decoded and checked."""
        if self.body is not None:
            chunk = self._undo(self.body.feed, chunk)
        return [self.check.accept(data) for data in self.decoder.feed(chunk)]

    def _undo(self, step: Callable[..., Any], *chunk: bytes) -> Any:
        try:
            return step(*chunk)
        except ValueError as exc:
            raise stream_decode_error(exc, self.check.url, self.check.events) from None

    def first_events(self, chunk: bytes) -> bool:
        """Collect the events of an opening chunk; True once there is one."""
        self.pending += self.feed(chunk)
        return bool(self.pending)

    def end(self) -> None:
        """The bytes ended: check the coding's end, last character and event."""
        if self.body is not None:
            self._undo(self.body.finish)
        self.decoder.finish()
