"""HTTP for Gemini's REST API: the clients, one send path, typed failures.

Flow of one call::

    GeminiHTTP.request / .arequest          (generateContent, countTokens)
    GeminiHTTP.stream  / .astream           (streamGenerateContent?alt=sse)
        -> _retry.with_retries / awith_retries    (the one retry policy)
        -> _send / _asend        client.build_request + client.send(stream=True)
                                 (httpx's documented API, for every client)
        -> _read / _aread        the body, bounded by the call's deadline; a
                                 2xx cut short or undecodable is an
                                 InvalidResponseError (never retried)
        -> _decode_json          status -> typed error (errors.py), JSON object
        -> _sse.SSEDecoder + StreamCheck per event (streams)

Every failure is classified where it surfaces (:func:`transport_error`,
:func:`_check_status`) and scrubbed of the key (:meth:`GeminiHTTP._guard`)
before the retry policy logs it.

The engine: the clients this module builds are ``httpx2`` clients (pydantic's
maintained continuation of httpx, installed with langchain-core through
langsmith); its connection pool has neither httpcore 1.0.9's thread race
(encode/httpcore#1110) nor its slow second burst. Users may pass ``httpx`` or
``httpx2`` clients: both families share an API, so one code path serves them
(:func:`family` finds the module a client or error belongs to).

Deadlines: ``timeout`` bounds a unary attempt from send to last byte. Async
attempts run under ``asyncio.timeout``; sync sockets of the clients built here
read with ``min(timeout, time left)`` (:mod:`.sockets`). For streams
``timeout`` bounds the silence between bytes. ``connect`` is capped at
:data:`CONNECT_TIMEOUT`.

Processes: clients are never shared across a fork. A :class:`GeminiHTTP`
keeps its clients in a per-process :class:`~._pool.Pools`
(:class:`~langchain_cometgemini._process.PerProcess`): a forked worker sets
the parent's aside unclosed and builds its own. Pickling or deep-copying one
keeps its settings only: the copy builds its own clients when first used.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import os
import re
import ssl
import sys
import time
from collections.abc import AsyncGenerator, Generator, Iterator, Mapping
from email.utils import parsedate_to_datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from langchain_cometgemini._http import body as _body
from langchain_cometgemini._http.pool import Pools, close_if_leftover
from langchain_cometgemini._http.redact import Redactor
from langchain_cometgemini._http.retry import (
    DEFAULT_INITIAL_DELAY,
    DEFAULT_MAX_DELAY,
    RetryPolicy,
    answered,
    awith_retries,
    is_retryable,
    with_retries,
)
from langchain_cometgemini._http.sockets import (
    Arrival,
    deadline,
    install_socket_hooks,
    warn_unhooked,
)
from langchain_cometgemini._http.sse import SSEDecoder, StreamCheck
from langchain_cometgemini._json import dumps, loads
from langchain_cometgemini._process import PerProcess
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

if TYPE_CHECKING:
    import httpx2 as httpx

__all__ = [
    "DEFAULT_INITIAL_DELAY",
    "DEFAULT_MAX_DELAY",
    "GeminiHTTP",
    "RetryPolicy",
    "StreamCheck",
    "build_headers",
    "build_url",
    "check_api_key",
    "check_base_url",
    "deadline",
    "family",
    "http_errors",
    "is_retryable",
    "transport_error",
]

MAX_CONNECTIONS = 100
"""Connections one built client opens at most (more concurrent calls queue)."""
MAX_KEEPALIVE = 20
"""Idle connections one built client keeps (httpx2's defaults measured best)."""
CONNECT_TIMEOUT = 10.0
"""Longest wait for a TCP/TLS connection, in seconds (never above ``timeout``)."""

_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
_API_VERSION = re.compile(r"v\d+[a-z0-9]*")
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")
_STREAM_ACTION = "streamGenerateContent?alt=sse"


# -- inputs checked before anything is sent ----------------------------------


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


def check_base_url(base_url: str) -> str:
    """Refuse a base URL that would send somewhere other than it says.

    Raises:
        ValueError: not http(s), no host, or a query, fragment, whitespace or
            control character in it (the message never repeats userinfo).
    """
    shown = display_url(base_url)
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in base_url):
        msg = f"base_url {shown!r} holds whitespace or a control character."
        raise ValueError(msg)
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"base_url {shown!r} must be an http(s) URL with a host."
        raise ValueError(msg)
    if "?" in base_url or "#" in base_url:
        msg = f"base_url {shown!r} must not hold a query ('?') or fragment ('#')."
        raise ValueError(msg)
    try:
        parts.port  # noqa: B018  (raises for a port outside 0-65535)
    except ValueError:
        msg = f"base_url {shown!r} has a port outside 1-65535."
        raise ValueError(msg) from None
    return base_url


def display_url(url: str) -> str:
    """``url`` without its userinfo (``user:pass@``), for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{path}"


def check_api_key(key: str) -> str:
    """The key without surrounding whitespace; refuse one no header can carry.

    Raises:
        ValueError: the key holds inner whitespace or non-printable or
            non-ASCII characters (the message never contains the key).
    """
    clean = key.strip()
    if clean and not _HEADER_SAFE.fullmatch(clean):
        msg = (
            "The API key holds whitespace, control or non-ASCII characters "
            f"inside it ({len(clean)} characters); check how it was read."
        )
        raise ValueError(msg)
    return clean


def build_headers(
    api_key: str, *, bearer: bool, extra: Mapping[str, str] | None
) -> dict[str, str]:
    """Auth and content headers; the key travels only here, never in the URL."""
    headers = {
        "content-type": "application/json",
        "user-agent": f"langchain-cometgemini/{__version__}",
    }
    headers.update(extra or {})
    key = check_api_key(api_key)
    if bearer:
        headers["authorization"] = f"Bearer {key}"
    else:
        headers["x-goog-api-key"] = key
    return headers


# -- both client families -----------------------------------------------------


def family(obj: object) -> ModuleType:
    """The ``httpx`` or ``httpx2`` module that ``obj``'s class comes from."""
    for cls in type(obj).__mro__:
        root = cls.__module__.partition(".")[0]
        if root in ("httpx", "httpx2"):
            return sys.modules[root]
    import httpx2

    return httpx2


def http_errors() -> tuple[type[BaseException], ...]:
    """``HTTPError`` of every loaded family (httpx only if something loaded it)."""
    import httpx2

    loaded = sys.modules.get("httpx")
    return (httpx2.HTTPError,) + ((loaded.HTTPError,) if loaded else ())


def _kinds(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def transport_error(
    exc: BaseException,
    url: str,
    *,
    events: int | None = None,
    proxy: str | None = None,
) -> CometGeminiError:
    """Map an httpx/httpx2 transport failure to a typed error (no headers, no key).

    ``events`` is the number of stream events already handed out; when it is
    set the failure happened mid-stream and the answer is incomplete.
    ``proxy`` is the proxy the request went through, named when it failed.
    """
    kinds, kind = _kinds(exc), type(exc).__name__
    url = display_url(url)
    if proxy is not None and kinds & {"ConnectError", "ConnectTimeout"}:
        msg = (
            f"could not reach the proxy {display_url(proxy)} (from the environment) "
            f"for {url}: {kind}: {_reason(exc)}"
        )
        return APIConnectionError(msg)
    if kinds & {"ConnectTimeout", "PoolTimeout"}:
        return ConnectTimeoutError(f"could not connect to {url} in time ({kind})")
    if "TimeoutException" in kinds or isinstance(exc, TimeoutError):
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
    if _tls_failure(exc):
        msg = (
            f"TLS to {url} failed: {_reason(exc)}. If a proxy or private CA "
            "signs this server's certificate, point SSL_CERT_FILE at the CA "
            "bundle, or pass your own client (http_client=httpx2.Client(verify=...))"
        )
        return answered(APIConnectionError(msg))
    if "ProxyError" in kinds:
        msg = f"the proxy refused the connection to {url}: {_reason(exc)}"
        final = " 407" in f" {_reason(exc)}"
        return answered(APIConnectionError(msg)) if final else APIConnectionError(msg)
    error = APIConnectionError(f"connection to {url} failed: {kind}: {_reason(exc)}")
    return answered(error) if _server_answered(exc, kinds) else error


def _after(arrival: Arrival, error: CometGeminiError) -> CometGeminiError:
    """``error``, never retried if an answer that may be a success began."""
    return answered(error) if arrival.maybe_success() else error


def _tls_failure(exc: BaseException) -> bool:
    """Whether a TLS handshake or certificate check failed (a retry cannot help)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _server_answered(exc: BaseException, kinds: set[str]) -> bool:
    """Whether answer bytes arrived before the failure (the parser refused them)."""
    if "DecodingError" in kinds:
        return True
    if "RemoteProtocolError" not in kinds:
        return False
    return "without sending a response" not in str(exc)


def _body_error(exc: BaseException, url: str, status: int) -> CometGeminiError:
    """A success answer whose body broke: the model ran, so never retried."""
    if "TimeoutException" in _kinds(exc) or isinstance(exc, TimeoutError):
        return transport_error(exc, url)
    msg = (
        f"the HTTP {status} answer from {display_url(url)} was cut short or could "
        f"not be decoded ({type(exc).__name__}: {_reason(exc)})"
    )
    return InvalidResponseError(msg, status_code=status)


def _decoded(response: Any, url: str, raw: bytes, codings: list[str] | None) -> bytes:
    """A raw body's codings undone; a 2xx that does not decode is refused."""
    if not codings:
        return raw
    try:
        return _body.decode(raw, codings)
    except ValueError as exc:
        status = response.status_code
        if 200 <= status < 300:
            raise _body_error(exc, url, status) from None
        return raw  # an error answer: its status says what matters


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
            return excerpt(str(seen))
        seen = seen.__cause__ or seen.__context__
    return "no details"


# -- answers ------------------------------------------------------------------


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError):
            return None
    return seconds if math.isfinite(seconds) else None


def _check_status(response: httpx.Response, body: bytes) -> None:
    """Raise the typed error for a non-2xx response."""
    status = response.status_code
    if 200 <= status < 300:
        return
    headers = dict(response.headers)
    if 300 <= status < 400:
        location = display_url(response.headers.get("location", "?"))
        msg = (
            f"server answered {status} redirecting to {location}; redirects are "
            "not followed (the API key must not travel elsewhere): check base_url"
        )
        raise InvalidResponseError(msg, status_code=status, headers=headers)
    retry_after = _retry_after(response.headers)
    raise error_from_response(status, body, retry_after=retry_after, headers=headers)


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
            f"expected a JSON object from {display_url(str(response.request.url))} "
            f"but got {ctype!r}: {excerpt(body.decode('utf-8', 'replace'))!r} "
            "(is base_url right?)"
        )
        raise InvalidResponseError(msg, status_code=response.status_code)
    _raise_error_body(data, response.status_code)
    return data


def _raise_error_body(data: Any, status: int) -> None:
    """Raise for ``{"error": {...}}`` sent with a success status (some gateways).

    Never retried: a success status arrived, so the model may have run.
    """
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        where = f"error body with HTTP {status}"
        raise answered(error_from_event(data["error"], where=where))


def _check_stream_start(response: httpx.Response, body: bytes) -> None:
    """Raise for an error status, or for a 200 that is not an SSE stream."""
    _check_status(response, body)
    try:
        _raise_error_body(loads(body), response.status_code)
    except ValueError:
        pass
    msg = (
        f"expected an SSE stream from {display_url(str(response.request.url))} but "
        f"got {response.headers.get('content-type', '?')!r}: "
        f"{excerpt(body.decode('utf-8', 'replace'))!r} (is base_url right?)"
    )
    raise InvalidResponseError(msg, status_code=response.status_code)


def _is_sse(response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "").lower()
    return response.status_code == 200 and "text/event-stream" in content_type


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
            "verify": _ssl_context(),
            "timeout": self._timeout(httpx2),
            "follow_redirects": False,
            "cookies": _api_cookies(),
        }
        try:
            client = _new_client(httpx2, sync, settings)
        except ImportError as exc:  # a SOCKS proxy without socksio
            if _env_proxy(self.base_url) is not None:
                raise _proxy_support_missing(exc) from None
            # NO_PROXY excludes base_url: no proxy needed (media go direct too)
            client = _new_client(httpx2, sync, {**settings, "trust_env": False})
        for transport in _transports(client):
            install_socket_hooks(transport)
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

    def _send(self, client: Any, url: str, content: bytes) -> Any:
        request = self._prepare(client, url, content)
        arrival = Arrival()
        try:
            with arrival.watch():
                response = client.send(request, stream=True, follow_redirects=False)
        except http_errors() as exc:
            proxy = _env_proxy(url) if client is not self._user_client else None
            error = transport_error(exc, url, proxy=proxy)
            raise _after(arrival, error) from exc
        close_if_leftover(response, built_here=client is not self._user_client)
        return response

    async def _asend(
        self, client: Any, url: str, content: bytes, sent: _Sent | None = None
    ) -> Any:
        request = self._prepare(client, url, content)
        if sent is not None:
            request.extensions["trace"] = sent.trace
        arrival = Arrival()
        try:
            with arrival.watch():
                response = await client.send(
                    request, stream=True, follow_redirects=False
                )
        except http_errors() as exc:
            user = client is self._user_async_client
            proxy = None if user else _env_proxy(url)
            error = transport_error(exc, url, proxy=proxy)
            raise _after(arrival, error) from exc
        built = client is not self._user_async_client
        close_if_leftover(response, built_here=built)
        return response

    def _masked(self, response: Any, body: bytes) -> bytes:
        """An error body with the key masked before any excerpt can cut it."""
        if response.status_code < 300:
            return body
        return self._redactor.body(body)

    def _read(self, response: Any, url: str) -> bytes:
        """The whole body (a non-2xx keeps what arrived before a failure).

        gzip/deflate bodies are read raw and decoded strictly (:mod:`.body`).
        """
        codings = _body.strict_codings(response.headers)
        chunks: list[bytes] = []
        try:
            parts = response.iter_bytes() if codings is None else response.iter_raw()
            for chunk in parts:
                chunks.append(chunk)
        except http_errors() as exc:
            if 200 <= response.status_code < 300:
                raise _body_error(exc, url, response.status_code) from exc
        finally:
            response.close()
        return _decoded(response, url, b"".join(chunks), codings)

    async def _aread(self, response: Any, url: str) -> bytes:
        """Async :meth:`_read`."""
        codings = _body.strict_codings(response.headers)
        chunks: list[bytes] = []
        try:
            parts = response.aiter_bytes() if codings is None else response.aiter_raw()
            async for chunk in parts:
                chunks.append(chunk)
        except http_errors() as exc:
            if 200 <= response.status_code < 300:
                raise _body_error(exc, url, response.status_code) from exc
        finally:
            await response.aclose()
        return _decoded(response, url, b"".join(chunks), codings)

    # -- unary -----------------------------------------------------------------

    def request(self, model: str, action: str, body: Any) -> Any:
        """POST ``body`` to ``models/{model}:{action}`` and return the JSON."""
        url = build_url(self.base_url, self.api_version, model, action)
        content = dumps(body)
        return with_retries(self.retry, lambda: self._post(url, content))

    async def arequest(self, model: str, action: str, body: Any) -> Any:
        """Async :meth:`request`."""
        url = build_url(self.base_url, self.api_version, model, action)
        content = dumps(body)
        return await awith_retries(self.retry, lambda: self._apost(url, content))

    def _post(self, url: str, content: bytes) -> Any:
        with self._guard(), deadline(self.timeout):
            response = self._send(self.client, url, content)
            data = self._masked(response, self._read(response, url))
            return _decode_json(response, data)

    async def _apost(self, url: str, content: bytes) -> Any:
        with self._guard():
            sent = _Sent()
            try:
                async with asyncio.timeout(self.timeout):
                    client = self.async_client
                    response = await self._asend(client, url, content, sent)
                    data = self._masked(response, await self._aread(response, url))
            except TimeoutError as exc:
                if not sent.started:  # still connecting: as the sync ConnectTimeout
                    msg = f"could not connect to {display_url(url)} in time"
                    raise ConnectTimeoutError(msg) from None
                raise transport_error(exc, url) from None
            return _decode_json(response, data)

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
        opened = with_retries(self.retry, lambda: self._open(url, content))
        with self._guard():
            try:
                yield from opened.rest()
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
        opened = await awith_retries(self.retry, lambda: self._aopen(url, content))
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
            response = self._send(self.client, url, content)
            if not _is_sse(response):
                body = self._masked(response, self._read(response, url))
                _check_stream_start(response, body)
            try:
                opened = _OpenStream(response, url, response.iter_bytes())
                for chunk in opened.chunks:
                    if opened.first_events(chunk):
                        return opened
                opened.decoder.finish()
                raise _closed_before_first(url)
            except http_errors() as exc:
                response.close()
                raise answered(_body_error(exc, url, response.status_code)) from exc
            except CometGeminiError as err:
                response.close()
                answered(err)
                raise
            except BaseException:
                response.close()
                raise

    async def _aopen(self, url: str, content: bytes) -> _OpenStream:
        with self._guard():
            response = await self._asend(self.async_client, url, content)
            if not _is_sse(response):
                body = self._masked(response, await self._aread(response, url))
                _check_stream_start(response, body)
            try:
                opened = _OpenStream(response, url, response.aiter_bytes())
                async for chunk in opened.chunks:
                    if opened.first_events(chunk):
                        return opened
                opened.decoder.finish()
                raise _closed_before_first(url)
            except http_errors() as exc:
                await response.aclose()
                raise answered(_body_error(exc, url, response.status_code)) from exc
            except CometGeminiError as err:
                await response.aclose()
                answered(err)
                raise
            except BaseException:
                await response.aclose()
                raise

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


class _Sent:
    """Whether a request began to go out (httpcore's public ``trace`` hook).

    An async deadline that fires before then fired while connecting (TCP or
    TLS), which is a connect timeout, retried like the sync one.
    """

    __slots__ = ("started",)

    def __init__(self) -> None:
        self.started = False

    async def trace(self, name: str, info: Any) -> None:
        if name.endswith("send_request_headers.started"):
            self.started = True


def _closed_before_first(url: str) -> StreamInterruptedError:
    return StreamInterruptedError(
        f"stream from {display_url(url)} closed before its first event"
    )


class _OpenStream:
    """A stream whose first event has arrived: the part retries may not repeat."""

    def __init__(self, response: Any, url: str, chunks: Any) -> None:
        self.response = response
        self.chunks = chunks  # the body's byte iterator, resumed after the opening
        self.decoder = SSEDecoder(display_url(url))
        self.check = StreamCheck(display_url(url))
        self.pending: list[dict[str, Any]] = []

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        """The events ``chunk`` completes, decoded and checked."""
        return [self.check.accept(data) for data in self.decoder.feed(chunk)]

    def first_events(self, chunk: bytes) -> bool:
        """Collect the events of an opening chunk; True once there is one."""
        self.pending += self.feed(chunk)
        return bool(self.pending)

    def end(self) -> None:
        """The bytes ended: check the last character and Gemini's end marker."""
        self.decoder.finish()
        self.check.close()

    def rest(self) -> Iterator[dict[str, Any]]:
        """The collected first events, then the rest of the stream (sync)."""
        yield from self.pending
        for chunk in self.chunks:
            yield from self.feed(chunk)
        self.end()


def _new_client(httpx2: ModuleType, sync: bool, settings: dict[str, Any]) -> Any:
    """A built client; proxies and NO_PROXY come from the environment."""
    if sync:
        return httpx2.Client(**settings)
    return httpx2.AsyncClient(**settings)


def _env_proxy(url: str) -> str | None:
    """The proxy the environment sets for ``url`` (None if none or NO_PROXY)."""
    import urllib.request

    proxies = urllib.request.getproxies()
    if not proxies:
        return None
    parts = urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


def _transports(client: Any) -> list[Any]:
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


def _api_cookies() -> Any:
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


def _proxy_support_missing(exc: ImportError) -> CometGeminiError:
    msg = (
        f"a proxy set in the environment needs a package that is not installed "
        f"({exc}); install it (for SOCKS: pip install socksio), or exclude "
        "this host with NO_PROXY"
    )
    return answered(APIConnectionError(msg))


def _ssl_context() -> ssl.SSLContext:
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
