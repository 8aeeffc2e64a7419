"""Every failure and answer mapped to its typed error (errors.py), once.

- :func:`transport_error`: an httpx/httpx2 exception (both families,
  :func:`family`, :func:`http_errors`) -> ``APIConnectionError``,
  ``ConnectTimeoutError``, ``RequestTimeoutError``, ``StreamInterruptedError``;
  TLS failures and a proxy's ``407`` are final, a dead proxy is named, and a
  failure after a possible success began is never retried (:func:`after`);
- :func:`check_status` / :func:`decode_json` / :func:`check_stream_start`: a
  status and body -> the typed error of the status, or the JSON object;
  ``{"error": ...}`` with a success status is final;
- :func:`read_body_error` / :func:`decoded`: a success body cut short or not
  decodable -> ``InvalidResponseError`` (never retried);
- :func:`body_codings` / :func:`stream_decode_error`: an answer's codings (a
  2xx in one that cannot be checked is refused), and a compressed stream cut
  short (``StreamInterruptedError``) or corrupt (``InvalidResponseError``).
"""

from __future__ import annotations

import math
import ssl
import sys
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from langchain_cometgemini._http import body as _body
from langchain_cometgemini._http.inputs import display_url
from langchain_cometgemini._http.retry import answered
from langchain_cometgemini._http.sockets import Arrival
from langchain_cometgemini._json import loads
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


def after(arrival: Arrival, error: CometGeminiError) -> CometGeminiError:
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


def read_body_error(exc: BaseException, url: str, status: int) -> CometGeminiError:
    """A success answer whose body broke: the model ran, so never retried."""
    if "TimeoutException" in _kinds(exc) or isinstance(exc, TimeoutError):
        return transport_error(exc, url)
    msg = (
        f"the HTTP {status} answer from {display_url(url)} was cut short or could "
        f"not be decoded ({type(exc).__name__}: {_reason(exc)})"
    )
    return InvalidResponseError(msg, status_code=status)


def decoded(response: Any, url: str, raw: bytes, codings: list[str]) -> bytes:
    """A raw body's codings undone; a 2xx that does not decode is refused."""
    if not codings:
        return raw
    try:
        return _body.decode(raw, codings)
    except ValueError as exc:
        status = response.status_code
        if 200 <= status < 300:
            raise read_body_error(exc, url, status) from None
        return raw  # an error answer: its status says what matters


def body_codings(response: Any, url: str) -> list[str]:
    """The answer's codings to undo here (:mod:`.body`).

    Raises:
        InvalidResponseError: a 2xx in a coding that cannot be proved complete
            (an error answer in one is kept raw: its status says what matters).
    """
    codings = _body.strict_codings(response.headers)
    if codings is not None:
        return codings
    status = response.status_code
    if not 200 <= status < 300:
        return []
    msg = (
        f"the HTTP {status} answer from {display_url(url)} has Content-Encoding "
        f"{response.headers.get('content-encoding')!r}: only gzip and deflate "
        "(asked for) can be checked for a cut"
    )
    raise answered(InvalidResponseError(msg, status_code=status))


def stream_decode_error(exc: ValueError, url: str, events: int) -> CometGeminiError:
    """A compressed stream that broke: cut short, or corrupt."""
    if isinstance(exc, _body.CutShort):
        msg = (
            f"stream from {display_url(url)} broke after {events} event(s): {exc}; "
            "the answer is incomplete"
        )
        return StreamInterruptedError(msg)
    return InvalidResponseError(f"stream from {display_url(url)}: {exc}")


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


def retry_after(headers: Mapping[str, str]) -> float | None:
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


def check_status(response: httpx.Response, body: bytes) -> None:
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
    wait = retry_after(response.headers)
    raise error_from_response(status, body, retry_after=wait, headers=headers)


def decode_json(response: httpx.Response, body: bytes) -> dict[str, Any]:
    """The JSON object of a 2xx answer; typed errors for anything else."""
    check_status(response, body)
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


def check_stream_start(response: httpx.Response, body: bytes) -> None:
    """Raise for an error status, or for a 200 that is not an SSE stream."""
    check_status(response, body)
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


def is_sse(response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "").lower()
    return response.status_code == 200 and "text/event-stream" in content_type


def closed_before_first(url: str) -> StreamInterruptedError:
    return StreamInterruptedError(
        f"stream from {display_url(url)} closed before its first event"
    )
