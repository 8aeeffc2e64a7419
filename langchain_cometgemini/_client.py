"""HTTP for Gemini's REST API: clients, auth headers, the retry policy and SSE.

Flow of one call::

    GeminiHTTP.request / .arequest          (generateContent, countTokens)
    GeminiHTTP.stream  / .astream           (streamGenerateContent?alt=sse)
        -> _with_retries / _awith_retries   (the one retry policy: RetryPolicy)
        -> _send / _asend                   (clients built here: straight to
                                             their transport; others: client.send)
        -> _check_response                  (status -> typed error, errors.py)
        -> StreamCheck.accept per SSE event (JSON decode, error events, finish)

Sync and async differ only in the ``await``: URL and header building, response
checks, event decoding and retry decisions are shared functions.

Retry policy (:class:`RetryPolicy`): HTTP 408, 429, 500, 502, 503, 504 and
CometAPI's 524, connection failures (refused, reset, dropped before any
answer) and connect timeouts are retried up to ``max_retries`` times, waiting
the server's ``Retry-After`` / ``RetryInfo.retryDelay`` when given, else a
capped exponential backoff with jitter. Nothing else is retried: other 4xx,
read timeouts (the server may be working and billing), redirects (never
followed) and malformed answers. A stream is retried only until its first event
has been decoded (an error event in first place counts as an HTTP error of its
code); once an event has been handed out, any failure raises a typed error
(:class:`StreamInterruptedError` for a drop or a missing ``finishReason``) and
never ends the stream as if it were complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import json
import logging
import random
import re
import ssl
import threading
import time
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Mapping,
)
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_cometgemini._version import __version__
from langchain_cometgemini.errors import (
    APIConnectionError,
    CometGeminiError,
    ConnectTimeoutError,
    InvalidResponseError,
    RequestTimeoutError,
    StreamInterruptedError,
    error_from_event,
    error_from_response,
    excerpt,
)


class LazyModule(ModuleType):
    """A module imported on first use, then put in place of this stand-in.

    ``httpx`` is about a third of this package's own import time and nothing
    needs it before the first request. The first attribute read imports it
    and rebinds the name in ``namespace`` (the importing module's globals).
    """

    def __init__(self, name: str, namespace: dict[str, Any]) -> None:
        super().__init__(name)
        self._namespace = namespace

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self.__name__)
        self._namespace[self.__name__] = module
        return getattr(module, attr)


if TYPE_CHECKING:
    import httpx
else:
    httpx = LazyModule("httpx", globals())

_orjson: Any
try:  # optional: about 3x faster JSON; langsmith brings it with langchain-core
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised where orjson is absent
    _orjson = None

logger = logging.getLogger(__name__)
_httpx_logger = logging.getLogger("httpx")
"""Where ``Client.send`` logs each request; the transport path logs there too."""

T = TypeVar("T")
C = TypeVar("C", "httpx.Client", "httpx.AsyncClient")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 524})
"""HTTP statuses worth another attempt (524 is CometAPI's gateway timeout)."""

DEFAULT_INITIAL_DELAY = 0.5
"""Backoff before the first retry, in seconds (doubled per attempt)."""
DEFAULT_MAX_DELAY = 8.0
"""Cap of the exponential backoff, in seconds."""
DEFAULT_MAX_SERVER_DELAY = 60.0
"""Longest server-requested wait honoured; a longer one is not waited for."""
MAX_CONNECTIONS = 256
"""Connections one client opens at most (more concurrent calls queue)."""
MAX_KEEPALIVE = MAX_CONNECTIONS
"""Idle connections one client keeps open for reuse (all of them: a burst of
concurrent calls then finds its connections open for the next burst)."""

_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
_API_VERSION = re.compile(r"v\d+[a-z0-9]*")


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a failed request again.

    Retries 408/429/5xx/524 and connection failures, never other 4xx. The
    server's own delay (``Retry-After`` or ``RetryInfo.retryDelay``) wins over
    the capped exponential backoff with jitter; a server delay longer than
    ``max_server_delay`` is not waited for (the error is raised at once).
    Attempt ``n`` (0-based) backs off ``min(max_delay, initial_delay * 2**n)``
    times a jitter factor in ``[0.5, 1)``. The delay defaults are read from the
    module constants ``DEFAULT_*`` when a policy is built.
    """

    max_retries: int = 2
    initial_delay: float = field(default_factory=lambda: DEFAULT_INITIAL_DELAY)
    max_delay: float = field(default_factory=lambda: DEFAULT_MAX_DELAY)
    max_server_delay: float = field(default_factory=lambda: DEFAULT_MAX_SERVER_DELAY)

    def delay(self, error: CometGeminiError, attempt: int) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up."""
        if attempt >= self.max_retries or not is_retryable(error):
            return None
        if error.retry_after is not None:
            hinted = max(0.0, error.retry_after)
            return hinted if hinted <= self.max_server_delay else None
        backoff: float = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return backoff * (0.5 + random.random() / 2)  # noqa: S311 (jitter)


def is_retryable(error: CometGeminiError) -> bool:
    """Whether another attempt may succeed (server status or a broken connection)."""
    if error.status_code is not None:
        return error.status_code in RETRY_STATUSES
    return isinstance(error, APIConnectionError)


def build_url(base_url: str, api_version: str, model: str, action: str) -> str:
    """``{base_url}/{api_version}/models/{model}:{action}``, refusing unsafe names."""
    name = model.removeprefix("models/")
    if not _MODEL_NAME.fullmatch(name):
        msg = (
            f"Invalid model name {model!r}: use letters, digits, '.', '-', '_' "
            "or '@' only (e.g. 'gemini-3-flash-preview')."
        )
        raise ValueError(msg)
    if not _API_VERSION.fullmatch(api_version):
        msg = f"Invalid api_version {api_version!r} (expected e.g. 'v1beta')."
        raise ValueError(msg)
    return f"{base_url.rstrip('/')}/{api_version}/models/{name}:{action}"


def build_headers(
    api_key: str, *, bearer: bool, extra: Mapping[str, str] | None
) -> dict[str, str]:
    """Auth and content headers; the key travels only here, never in the URL."""
    headers = {
        "content-type": "application/json",
        "user-agent": f"langchain-cometgemini/{__version__}",
    }
    headers.update(extra or {})
    if bearer:
        headers["authorization"] = f"Bearer {api_key}"
    else:
        headers["x-goog-api-key"] = api_key
    return headers


def transport_error(
    exc: httpx.HTTPError, url: str, *, events: int | None = None
) -> CometGeminiError:
    """Map an httpx transport failure to a typed error (no headers, no key).

    ``events`` is the number of stream events already handed out; when it is
    set the failure happened mid-stream and the answer is incomplete.
    """
    kind = type(exc).__name__
    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return ConnectTimeoutError(f"could not connect to {url} in time ({kind})")
    if isinstance(exc, httpx.TimeoutException):
        if events is not None:
            msg = f"stream from {url} stalled after {events} event(s) ({kind})"
            return RequestTimeoutError(msg)
        return RequestTimeoutError(f"request to {url} timed out ({kind})")
    if events is not None:
        msg = (
            f"stream from {url} broke after {events} event(s): {kind}: "
            f"{_reason(exc)}; the answer is incomplete"
        )
        return StreamInterruptedError(msg)
    return APIConnectionError(f"connection to {url} failed: {kind}: {_reason(exc)}")


def _reason(exc: BaseException) -> str:
    """The first non-empty message down the chain of causes.

    The async transport wraps the OS error in exceptions without text
    (``ReadError('')`` <- ``BrokenResourceError()`` <- ``ConnectionResetError``).
    """
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if str(seen):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return "no details"


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def _check_status(response: httpx.Response, body: bytes) -> None:
    """Raise the typed error for a non-2xx response."""
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("location", "?")
        msg = (
            f"server answered {status} redirecting to {location}; redirects are "
            "not followed (the API key must not travel elsewhere): check base_url"
        )
        raise InvalidResponseError(msg, status_code=status)
    if status >= 400:
        retry_after = _retry_after(response.headers)
        raise error_from_response(status, body, retry_after=retry_after)


def loads(data: bytes | str) -> Any:
    """``json.loads`` with orjson's speed when orjson is installed, same result.

    orjson reads integers beyond 64 bits as floats, so text that may hold
    model-written numbers (function call arguments) and anything orjson refuses
    (NaN, huge exponents, lone surrogates) goes through :mod:`json`.
    """
    if _orjson is not None and not _has_call(data):
        try:
            return _orjson.loads(data)
        except ValueError:
            pass
    return json.loads(data)


def _has_call(data: bytes | str) -> bool:
    if isinstance(data, str):
        return "functionCall" in data
    return b"functionCall" in data


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON, as ``json.dumps`` (compact, ``ensure_ascii=False``).

    orjson when installed, with a fallback to :mod:`json` for what orjson
    writes differently or refuses: NaN (written as null), >64-bit ints,
    str/int subclasses, dataclasses and dates (json refuses the last two).
    """
    if _orjson is not None:
        try:
            data: bytes = _orjson.dumps(body, option=_ORJSON_STRICT)
        except TypeError:
            pass
        else:
            if b"null" not in data:  # orjson writes NaN/Infinity as null
                return data
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


_ORJSON_STRICT = (
    _orjson.OPT_PASSTHROUGH_DATACLASS
    | _orjson.OPT_PASSTHROUGH_DATETIME
    | _orjson.OPT_PASSTHROUGH_SUBCLASS
    if _orjson is not None
    else 0
)
"""Types ``json`` refuses or writes differently are passed to the fallback."""


def _decode_json(response: httpx.Response, body: bytes) -> dict[str, Any]:
    """The JSON object of a 2xx answer; typed errors for anything else."""
    _check_status(response, body)
    try:
        data = loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        ctype = response.headers.get("content-type", "?")
        msg = (
            f"expected a JSON object from {response.request.url} but got {ctype!r}: "
            f"{excerpt(body.decode('utf-8', 'replace'))!r} (is base_url right?)"
        )
        raise InvalidResponseError(msg, status_code=response.status_code)
    _raise_error_body(data, response.status_code)
    return data


def _raise_error_body(data: Any, status: int) -> None:
    """Raise for ``{"error": {...}}`` sent with a success status (some gateways)."""
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        raise error_from_event(data["error"], where=f"error body with HTTP {status}")


def _check_stream_start(response: httpx.Response, body: bytes) -> None:
    """Raise for an error status, or for a 200 that is not an SSE stream."""
    _check_status(response, body)
    try:
        _raise_error_body(json.loads(body), response.status_code)
    except ValueError:
        pass
    msg = (
        f"expected an SSE stream from {response.request.url} but got "
        f"{response.headers.get('content-type', '?')!r}: "
        f"{excerpt(body.decode('utf-8', 'replace'))!r} (is base_url right?)"
    )
    raise InvalidResponseError(msg, status_code=response.status_code)


def _is_sse(response: httpx.Response) -> bool:
    return response.status_code == 200 and "text/event-stream" in response.headers.get(
        "content-type", ""
    )


class StreamCheck:
    """Decodes SSE events and proves the stream ended as Gemini ends one.

    Gemini marks the end of a stream with ``finishReason`` on the last
    candidate (or ``promptFeedback.blockReason`` for a blocked prompt). A
    stream that closes without either was cut short and raises
    :class:`StreamInterruptedError` instead of passing as complete.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.finished = False
        self.events = 0

    def accept(self, data: str) -> dict[str, Any]:
        """Decode one event's ``data``; raise for error events and bad JSON."""
        try:
            event = loads(data)
        except ValueError:
            msg = f"malformed JSON in stream event from {self.url}: {excerpt(data)!r}"
            raise InvalidResponseError(msg) from None
        if not isinstance(event, dict):
            msg = f"unexpected stream event from {self.url}: {excerpt(data)!r}"
            raise InvalidResponseError(msg)
        if "error" in event and isinstance(event["error"], dict):
            raise error_from_event(event["error"])
        self.events += 1
        if _is_final(event):
            self.finished = True
        return event

    def close(self) -> None:
        """Raise if the stream ended without Gemini's end marker."""
        if not self.finished:
            msg = (
                f"stream from {self.url} ended after {self.events} event(s) "
                "without a finishReason: the answer is incomplete"
            )
            raise StreamInterruptedError(msg)


def _is_final(event: dict[str, Any]) -> bool:
    if (event.get("promptFeedback") or {}).get("blockReason"):
        return True
    return any(c.get("finishReason") for c in event.get("candidates") or ())


def _with_retries(policy: RetryPolicy, send: Callable[[], T]) -> T:
    attempt = 0
    while True:
        try:
            return send()
        except CometGeminiError as err:
            wait = policy.delay(err, attempt)
            if wait is None:
                raise
            _log_retry(err, attempt, wait)
        time.sleep(wait)
        attempt += 1


async def _awith_retries(policy: RetryPolicy, send: Callable[[], Awaitable[T]]) -> T:
    attempt = 0
    while True:
        try:
            return await send()
        except CometGeminiError as err:
            wait = policy.delay(err, attempt)
            if wait is None:
                raise
            _log_retry(err, attempt, wait)
        await asyncio.sleep(wait)
        attempt += 1


def _log_retry(err: CometGeminiError, attempt: int, wait: float) -> None:
    logger.info("Retrying in %.2fs (attempt %d) after: %s", wait, attempt + 2, err)


@dataclass(frozen=True)
class _OpenStream:
    response: httpx.Response
    events: Any  # the SSE iterator, already past ``first``
    first: dict[str, Any]  # the first event, decoded and checked
    check: StreamCheck


class GeminiHTTP:
    """The model's connection to one Gemini endpoint; clients built lazily, reused.

    One ``httpx.Client`` per instance and one ``httpx.AsyncClient`` per live
    event loop (an async client cannot move between loops; those of closed
    loops are dropped when a new loop needs one). Clients passed in by the
    user are used as they are and never closed here.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_version: str,
        headers: dict[str, str],
        timeout: float | None,
        retry: RetryPolicy,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url
        self.api_version = api_version
        self.headers = headers
        self.timeout = timeout
        self.retry = retry
        self._client = client
        self._owns_client = client is None
        self._async_client = async_client
        self._async_clients: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}
        self._lock = threading.Lock()
        self._secrets = _secret_values(headers)
        self._headers = httpx.Headers(headers)  # built once, not per request
        self._timeout = httpx.Timeout(timeout)
        self._urls: dict[tuple[str, str], tuple[str, httpx.URL]] = {}
        self._prepared: dict[Any, _Owned] = {}  # clients built here

    def __repr__(self) -> str:
        return f"GeminiHTTP(base_url={self.base_url!r})"

    # -- clients -----------------------------------------------------------

    @property
    def client(self) -> httpx.Client:
        """The shared sync client."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build(httpx.Client, httpx.HTTPTransport)
        return self._client

    @property
    def async_client(self) -> httpx.AsyncClient:
        """The async client of the running event loop."""
        if self._async_client is not None:
            return self._async_client
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._async_clients.get(loop)
            if client is None:
                self._forget_closed_loops()
                client = self._build(httpx.AsyncClient, httpx.AsyncHTTPTransport)
                self._async_clients[loop] = client
        return client

    def _forget_closed_loops(self) -> None:
        """Drop the clients of event loops that have closed (``asyncio.run``).

        Their connections cannot be closed any more (that needs their loop);
        dropping the client lets the garbage collector release the sockets
        instead of keeping one client per finished ``asyncio.run`` forever.
        """
        for old in [loop for loop in self._async_clients if loop.is_closed()]:
            self._prepared.pop(self._async_clients.pop(old), None)

    def _url(self, model: str, action: str) -> tuple[str, httpx.URL]:
        """The checked URL of ``model``/``action``, parsed once and cached."""
        key = (model, action)
        cached = self._urls.get(key)
        if cached is None:
            text = build_url(self.base_url, self.api_version, model, action)
            cached = (text, httpx.URL(text))
            if len(self._urls) >= _MAX_CACHED_URLS:
                self._urls.clear()
            self._urls[key] = cached
        return cached

    def _build(self, client_cls: type[C], transport_cls: type[Any]) -> C:
        """A client of ours (sync or async), with what it lets us prepare once.

        Its own transport is kept when requests may skip the client layer
        (:func:`_direct_transports`); its headers are merged once, as
        ``build_request`` would merge them: the client's defaults, then ours.
        """
        transport = transport_cls(**_pool()) if _direct_transports() else None
        client = client_cls(
            timeout=self.timeout, follow_redirects=False, transport=transport, **_pool()
        )
        headers = httpx.Headers(client.headers)
        headers.update(self._headers)
        self._prepared[client] = _Owned(headers, transport)
        return client

    def _request(
        self, client: httpx.Client | httpx.AsyncClient, url: httpx.URL, body: Any
    ) -> httpx.Request:
        owned = self._prepared.get(client)
        if owned is not None and not client.cookies:
            # A client built here: the request build_request would make, without
            # merging the same headers again (the dominant cost of a request).
            timeout = self._timeout.as_dict()
            return httpx.Request(
                "POST",
                url,
                content=dumps(body),
                headers=owned.headers,
                extensions={"timeout": timeout},
            )
        return client.build_request(
            "POST",
            url,
            content=dumps(body),
            headers=self._headers,
            timeout=self._timeout,
        )

    def _send(
        self, client: httpx.Client, request: httpx.Request, *, stream: bool = False
    ) -> httpx.Response:
        """``client.send``; straight to the client's transport when it is ours."""
        owned = self._prepared.get(client)
        if owned is None or owned.transport is None:
            return client.send(request, stream=stream, follow_redirects=False)
        response: httpx.Response = owned.transport.handle_request(request)
        response.request = request
        if not stream:
            try:
                response.read()
            except BaseException:
                response.close()
                raise
        _after_send(client, response)
        return response

    async def _asend(
        self, client: httpx.AsyncClient, request: httpx.Request, *, stream: bool = False
    ) -> httpx.Response:
        """Async :meth:`_send`."""
        owned = self._prepared.get(client)
        if owned is None or owned.transport is None:
            return await client.send(request, stream=stream, follow_redirects=False)
        response: httpx.Response = await owned.transport.handle_async_request(request)
        response.request = request
        if not stream:
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        _after_send(client, response)
        return response

    # -- unary -------------------------------------------------------------

    def request(self, model: str, action: str, body: Any) -> Any:
        """POST ``body`` to ``models/{model}:{action}`` and return the JSON."""
        url = self._url(model, action)
        with _scrubbing(self._secrets):
            return _with_retries(self.retry, lambda: self._post(url, body))

    async def arequest(self, model: str, action: str, body: Any) -> Any:
        """Async :meth:`request`."""
        url = self._url(model, action)
        with _scrubbing(self._secrets):
            return await _awith_retries(self.retry, lambda: self._apost(url, body))

    def _post(self, url: tuple[str, httpx.URL], body: Any) -> Any:
        client = self.client
        try:
            response = self._send(client, self._request(client, url[1], body))
        except httpx.HTTPError as exc:
            raise transport_error(exc, url[0]) from exc
        return _decode_json(response, response.content)

    async def _apost(self, url: tuple[str, httpx.URL], body: Any) -> Any:
        client = self.async_client
        try:
            response = await self._asend(client, self._request(client, url[1], body))
        except httpx.HTTPError as exc:
            raise transport_error(exc, url[0]) from exc
        return _decode_json(response, response.content)

    # -- streaming ---------------------------------------------------------

    def stream(self, model: str, body: Any) -> Generator[dict[str, Any], None, None]:
        """Yield each decoded SSE event; retried only before the first event.

        Closing the generator early (``break``, an exception in the consumer)
        closes the connection.
        """
        url, parsed = self._url(model, _STREAM_ACTION)
        with _scrubbing(self._secrets):
            opened = _with_retries(self.retry, lambda: self._open(url, parsed, body))
            check = opened.check
            try:
                yield opened.first
                for sse in opened.events:
                    yield check.accept(sse.data)
            except httpx.HTTPError as exc:
                raise transport_error(exc, url, events=check.events) from exc
            finally:
                opened.response.close()
            check.close()

    async def astream(
        self, model: str, body: Any
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Async :meth:`stream`; cancelling the consumer closes the connection."""
        url, parsed = self._url(model, _STREAM_ACTION)
        with _scrubbing(self._secrets):
            opened = await _awith_retries(
                self.retry, lambda: self._aopen(url, parsed, body)
            )
            check = opened.check
            try:
                yield opened.first
                async for sse in opened.events:
                    yield check.accept(sse.data)
            except httpx.HTTPError as exc:
                raise transport_error(exc, url, events=check.events) from exc
            finally:
                await opened.response.aclose()
            check.close()

    def _open(self, url: str, parsed: httpx.URL, body: Any) -> _OpenStream:
        client = self.client
        response = None
        try:
            request = self._request(client, parsed, body)
            response = self._send(client, request, stream=True)
            if not _is_sse(response):
                _check_stream_start(response, response.read())
            events = _event_source(response).iter_sse()
            check = StreamCheck(url)
            first = check.accept(_first_event(next(events, None), url))
        except httpx.HTTPError as exc:
            _close_quietly(response)
            raise transport_error(exc, url) from exc
        except BaseException:
            _close_quietly(response)
            raise
        return _OpenStream(response, events, first, check)

    async def _aopen(self, url: str, parsed: httpx.URL, body: Any) -> _OpenStream:
        client = self.async_client
        response = None
        try:
            request = self._request(client, parsed, body)
            response = await self._asend(client, request, stream=True)
            if not _is_sse(response):
                _check_stream_start(response, await response.aread())
            events = _event_source(response).aiter_sse()
            check = StreamCheck(url)
            first = check.accept(_first_event(await anext(events, None), url))
        except httpx.HTTPError as exc:
            await _aclose_quietly(response)
            raise transport_error(exc, url) from exc
        except BaseException:
            await _aclose_quietly(response)
            raise
        return _OpenStream(response, events, first, check)

    def close(self) -> None:
        """Close the sync client if this object created it (not a user's)."""
        with self._lock:
            client, owned = self._client, self._owns_client
            if owned:
                self._client = None
                self._prepared.pop(client, None)
        if owned and client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the async client this object created for the running loop."""
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._async_clients.pop(loop, None)
            self._prepared.pop(client, None)
        if client is not None:
            await client.aclose()


_STREAM_ACTION = "streamGenerateContent?alt=sse"
_MAX_CACHED_URLS = 64
"""URLs kept per transport (one per model and action in practice)."""


def _limits() -> httpx.Limits:
    return httpx.Limits(
        max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE
    )


def _pool() -> dict[str, Any]:
    """Connection settings of every client (and transport) built here."""
    return {"limits": _limits(), "verify": _ssl_context()}


@dataclass(frozen=True)
class _Owned:
    """A client this package built: its merged headers, and its transport.

    ``transport`` is set when requests may skip the client layer (see
    :func:`_direct_transports`).
    """

    headers: httpx.Headers
    transport: Any  # httpx.HTTPTransport | httpx.AsyncHTTPTransport | None


def _direct_transports() -> bool:
    """Whether clients built here may send straight to their own transport.

    ``httpx.Client.send`` adds, per request, what these clients never use
    (auth flows, redirect handling, event hooks, elapsed-time bookkeeping)
    and cookie extraction (~50 us even when there is no cookie): about a
    fifth of a small call's CPU. Sending through the transport (httpx's
    public transport API) skips that; ``Set-Cookie`` answers are still
    stored in the client's jar and sent back, and httpx's INFO log line is
    still written (see :func:`_after_send`). Proxies from the environment
    (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, ...) are applied by the
    client, so when any is set the client's own ``send`` is used.
    """
    import urllib.request

    return not urllib.request.getproxies()


def _after_send(
    client: httpx.Client | httpx.AsyncClient, response: httpx.Response
) -> None:
    """What ``client.send`` does after the transport answered: cookies, log line.

    Cookies are extracted only when the answer sets some; httpx's INFO line
    (``HTTP Request: POST ... "HTTP/1.1 200 OK"``) is written only when enabled.
    """
    if "set-cookie" in response.headers:
        client.cookies.extract_cookies(response)
    if _httpx_logger.isEnabledFor(logging.INFO):
        _httpx_logger.info(
            'HTTP Request: %s %s "%s %d %s"',
            response.request.method,
            response.request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )


def _secret_values(headers: Mapping[str, str]) -> tuple[str, ...]:
    """The credentials among ``headers`` (to keep them out of error text)."""
    found = []
    for name, value in headers.items():
        if name.lower() == "x-goog-api-key":
            found.append(value)
        elif name.lower() == "authorization":
            found.append(value.partition(" ")[2] or value)
    return tuple(v for v in found if len(v) >= 8)


@contextlib.contextmanager
def _scrubbing(secrets: tuple[str, ...]) -> Iterator[None]:
    """Mask the key in any error raised inside (a server may echo it back)."""
    try:
        yield
    except CometGeminiError as err:
        scrub(err, secrets)
        raise


def scrub(error: CometGeminiError, secrets: tuple[str, ...]) -> None:
    """Replace each secret in ``error``'s message and details by ``***``."""
    text = str(error) + json.dumps(error.details, default=str)
    if not any(secret in text for secret in secrets):
        return
    for secret in secrets:
        error.message = error.message.replace(secret, "***")
        dumped = json.dumps(error.details, default=str).replace(secret, "***")
        error.details = json.loads(dumped)
    error.args = (error._render(),)


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every client (building one costs ~0.1 s)."""
    return httpx.create_ssl_context()


def _event_source(response: httpx.Response) -> Any:
    from httpx_sse import EventSource  # imported with the first stream

    return EventSource(response)


def _first_event(sse: Any, url: str) -> str:
    if sse is None:
        msg = f"stream from {url} closed before its first event"
        raise StreamInterruptedError(msg)
    return str(sse.data)


def _close_quietly(response: httpx.Response | None) -> None:
    if response is not None:
        response.close()


async def _aclose_quietly(response: httpx.Response | None) -> None:
    if response is not None:
        await response.aclose()
