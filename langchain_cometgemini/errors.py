"""Typed errors for every way a Gemini request can fail.

Flow: `_client.py` turns an HTTP status into :func:`error_from_response` and an
SSE ``error`` event (or an error body sent with a 2xx) into
:func:`error_from_event`; both classify through one table
(:data:`_STATUS_CLASSES`), so the same failure raises the same class whether it
came from ``invoke``, ``ainvoke``, ``stream`` or ``astream``. Transport
failures of httpx and httpx2 are mapped to these classes by
``_client.transport_error``.

Every class inherits :class:`CometGeminiError` *and* the matching
``langchain_core.exceptions`` class, so callers can catch either.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelRefusalError,
    ModelTimeoutError,
)

__all__ = [
    "APIConnectionError",
    "AnswerFailedError",
    "AnswerRefusedError",
    "AuthenticationError",
    "BadRequestError",
    "CometGeminiError",
    "ConnectTimeoutError",
    "ContextWindowExceededError",
    "EmptyAnswerError",
    "EmptyAnswerWarning",
    "InvalidResponseError",
    "MediaFetchError",
    "MissingAPIKeyError",
    "ModelRetiredError",
    "ModelStatusWarning",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "StreamInterruptedError",
]

_EXCERPT_CHARS = 200


class CometGeminiError(ModelError):
    """Base class of every error this package raises for a failed request.

    Attributes:
        status_code: HTTP status (or the ``code`` of an in-stream error event).
        status: Gemini's status string, e.g. ``"RESOURCE_EXHAUSTED"``.
        message: The server's message, or a description of the failure.
        details: Gemini's ``error.details`` list (``[]`` when absent).
        retry_after: Seconds the server asked us to wait, when it said so.
        headers: The HTTP response headers (``{}`` when there was no response).
        request_id: The request id the server gave (Google's
            ``x-request-id`` header, or CometAPI's ``(request id: ...)`` in the
            message), when it gave one.
        missing_resource: For a 404 that is Google's own "not found" for a
            named resource (``models/x is not found ...``): that name
            (``"models/x"``); None otherwise.
        endpoint_missing: The server does not serve the method that was called
            (see :attr:`endpoint_missing`).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        status: str | None = None,
        details: list[Any] | None = None,
        retry_after: float | None = None,
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.status = status
        self.details = details or []
        self.retry_after = retry_after
        self.headers = headers or {}
        self.request_id = request_id or _request_id(self.headers, message)
        self.missing_resource = _missing_resource(status_code, message)
        super().__init__(self._render())

    @property
    def endpoint_missing(self) -> bool:
        """The server does not serve the called method (a gateway without it).

        A 404 / 405 / 501 that is not Google's "not found" for a named
        resource (:attr:`missing_resource`: a wrong model name is a real error).
        """
        return self.status_code in _UNSERVED and self.missing_resource is None

    def _render(self) -> str:
        head = " ".join(str(p) for p in (self.status_code, self.status) if p)
        return f"{head}: {self.message}" if head else self.message


class BadRequestError(CometGeminiError, ModelInvalidRequestError):
    """The request was rejected as invalid (HTTP 400)."""


class ContextWindowExceededError(BadRequestError, ContextOverflowError):
    """The input is longer than the model's context window."""


class AuthenticationError(CometGeminiError, ModelAuthenticationError):
    """The API key is missing, invalid or revoked (HTTP 401, 400 API_KEY_INVALID)."""


class MissingAPIKeyError(AuthenticationError):
    """No API key was configured; raised at construction, before any request.

    Not a ValueError on purpose: pydantic would wrap a ValueError raised while
    validating the model into a ValidationError and lose the type.
    """


class PermissionDeniedError(CometGeminiError, ModelPermissionDeniedError):
    """The key may not use this model or method (HTTP 403)."""


class NotFoundError(CometGeminiError, ModelNotFoundError):
    """The model or path does not exist (HTTP 404)."""


class ModelRetiredError(NotFoundError):
    """Gemini does not serve this model name (HTTP 404): retired or renamed.

    Google answers the same 404 for a retired model, a renamed one and a
    misspelt one; the message names the model families the package has
    profiles for and the closest of them.

    Attributes:
        model: The model name that was asked for.
        known_models: The model families the package knows (``_wire/profiles``).
    """

    model: str = ""
    known_models: tuple[str, ...] = ()


class RateLimitError(CometGeminiError, ModelRateLimitError):
    """Quota or rate limit exceeded (HTTP 429)."""


class ServerError(CometGeminiError, ModelAPIError):
    """The server failed (HTTP 5xx, CometAPI 524, or an in-stream error event)."""


class RequestTimeoutError(CometGeminiError, ModelTimeoutError):
    """The request timed out (client-side timeout or HTTP 408/504)."""


class APIConnectionError(CometGeminiError, ModelConnectionError):
    """The server could not be reached, or the connection broke."""


class ConnectTimeoutError(RequestTimeoutError, APIConnectionError):
    """No connection could be opened in time (nothing was sent; retried)."""


class StreamInterruptedError(APIConnectionError):
    """A stream broke or ended before Gemini said it was finished.

    Raised when the connection drops after the first event, or when the
    stream closes without a ``finishReason``: the answer is incomplete.
    """


class MediaFetchError(CometGeminiError, ValueError):
    """A media URL could not be used: refused by policy, too large or unreachable.

    Raised before the Gemini request is sent; also a :class:`ValueError`.
    """


class InvalidResponseError(CometGeminiError, ModelAPIError):
    """The server answered something that is not Gemini's wire format.

    Covers malformed or truncated JSON, a non-SSE answer to a stream request,
    and redirects (never followed, so the key cannot travel elsewhere).
    """

    @property
    def endpoint_missing(self) -> bool:
        """A success status whose body is no API answer at all (a web page).

        That is a gateway answering a path it does not serve. The transport
        raises it for a 2xx body that is not a JSON object (or not an SSE
        stream) without a cause; a body cut short or undecodable is raised
        from its decoding error, and a JSON answer of the wrong shape carries
        no status: neither counts.
        """
        status = self.status_code
        return status is not None and 200 <= status < 300 and self.__cause__ is None


class EmptyAnswerError(CometGeminiError):
    """Gemini answered (HTTP 200) with no usable content (``on_empty_answer="raise"``).

    Raised as one of its two subclasses: :class:`AnswerRefusedError` (content
    withheld by a filter, or the prompt blocked) or :class:`AnswerFailedError`
    (the model produced nothing usable: a malformed or unexpected tool call, an
    empty stop, the token limit spent thinking, ...).

    Attributes:
        finish_reason: Gemini's ``finishReason`` (or the prompt's ``blockReason``).
        finish_message: Gemini's ``finishMessage`` (for ``MALFORMED_FUNCTION_CALL``
            the text of the broken call), or None.
        usage_metadata: The tokens billed, all attempts included (or None).
        candidate: The raw Gemini candidate (camelCase JSON; a stream's events
            merged), or None when there was none (a blocked prompt).
        raw_message: The empty ``AIMessage`` the call would have returned.
        blocked_prompt: The prompt itself was blocked (``promptFeedback``).
        is_retryable: Asking again may help (a malformed or unexpected tool
            call, an empty stop).
    """

    def __init__(
        self,
        message: str,
        *,
        finish_reason: str | None = None,
        finish_message: str | None = None,
        usage_metadata: Any = None,
        candidate: dict[str, Any] | None = None,
        answer: Any = None,
        blocked_prompt: bool = False,
        retryable: bool = False,
    ) -> None:
        super().__init__(message, status_code=200)
        self.finish_reason = finish_reason
        self.finish_message = finish_message
        self.usage_metadata = usage_metadata
        self.candidate = candidate
        self.raw_message = answer
        self.blocked_prompt = blocked_prompt
        self.is_retryable = retryable

    def _render(self) -> str:
        return self.message


class AnswerRefusedError(EmptyAnswerError, ModelRefusalError):
    """The answer was withheld by a filter, or the prompt was blocked.

    Asking again is unlikely to help (safety, recitation, blocklist, ...).

    Also a langchain-core ``ModelRefusalError`` (``raw_message`` is the empty
    message).
    """


class AnswerFailedError(EmptyAnswerError, ModelAPIError):
    """The model produced nothing usable.

    A malformed or unexpected tool call, an empty stop, the token limit reached
    while thinking, no image, ...

    Also a langchain-core ``ModelAPIError``; :attr:`is_retryable` says whether
    asking again may help.
    """


class EmptyAnswerWarning(UserWarning):
    """An answer with no usable content was returned (once per finish reason)."""


class ModelStatusWarning(UserWarning):
    """The model is deprecated or has a retirement date (once per model)."""


_STATUS_CLASSES: dict[int, type[CometGeminiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    504: RequestTimeoutError,
}
"""HTTP status -> error class; other 5xx are ServerError, other 4xx BadRequest."""

_CONTEXT_OVERFLOW = re.compile(
    r"token limit|context (?:length|window)|exceeds the maximum number of tokens"
    r"|input token count|too many tokens|prompt is too long",
    re.IGNORECASE,
)


_UNSERVED = frozenset({404, 405, 501})
"""Statuses of a method the server does not serve (or a missing resource)."""

_GOOGLE_NOT_FOUND = re.compile(
    r"\b((?:models|tunedModels|cachedContents|files)/\S+) is not found"
)
"""Google's 404 for a resource it does not know (e.g. a misspelt model)."""


def _missing_resource(status_code: int | None, message: str) -> str | None:
    if status_code != 404:
        return None
    match = _GOOGLE_NOT_FOUND.search(message or "")
    return match.group(1) if match else None


_REQUEST_ID = re.compile(r"\(request id: ([^)\s]{1,128})\)")
_REQUEST_ID_HEADERS = ("x-request-id", "x-goog-request-id", "request-id")


def _request_id(headers: dict[str, str], message: str) -> str | None:
    """The server's request id: a response header, or CometAPI's message suffix."""
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    match = _REQUEST_ID.search(message)
    return match.group(1) if match else None


def _class_for(
    status_code: int, message: str, details: list[Any]
) -> type[CometGeminiError]:
    if status_code == 400 and _CONTEXT_OVERFLOW.search(message):
        return ContextWindowExceededError
    if status_code == 400 and _has_reason(details, "API_KEY_INVALID"):
        return AuthenticationError
    if status_code in _STATUS_CLASSES:
        return _STATUS_CLASSES[status_code]
    if status_code >= 500:
        return ServerError
    if 300 <= status_code < 400:
        return InvalidResponseError
    return BadRequestError


def _has_reason(details: list[Any], reason: str) -> bool:
    return any(isinstance(d, dict) and d.get("reason") == reason for d in details)


def excerpt(text: str) -> str:
    """Shorten a response body for an error message (one line, bounded)."""
    flat = " ".join(text.split())
    if len(flat) <= _EXCERPT_CHARS:
        return flat
    return flat[:_EXCERPT_CHARS] + "..."


def parse_error_body(body: bytes | str) -> tuple[str, str | None, list[Any]]:
    """Read ``(message, status, details)`` from an error body of any shape.

    Understands Google's ``{"error": {"code", "message", "status", "details"}}``,
    CometAPI's ``{"error": {"message", "type", "code"}}`` and anything else
    (an HTML page from a proxy, plain text), which becomes a short excerpt.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return f"non-JSON response body: {excerpt(text)!r}", None, []
    if isinstance(data, list) and data:  # a JSON-array stream answer
        data = data[0]
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return f"unexpected response body: {excerpt(text)!r}", None, []
    return _error_fields(error)


def _error_fields(error: dict[str, Any]) -> tuple[str, str | None, list[Any]]:
    message = _text(error.get("message")) or "no message"
    status = _text(error.get("status")) or _text(error.get("type"))
    code = error.get("code")
    if status is None and isinstance(code, str):  # CometAPI puts its code here
        status = _text(code)
    details = error.get("details")
    if isinstance(details, dict):
        details = [details]
    elif not isinstance(details, list):
        details = []
    return message, status, details


def _text(value: Any) -> str | None:
    """A short printable form of a field that should be a string."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    return excerpt(json.dumps(value, default=str))


def retry_delay_from_details(details: list[Any]) -> float | None:
    """Return ``google.rpc.RetryInfo.retryDelay`` in seconds, if present."""
    for item in details:
        if isinstance(item, dict) and "retryDelay" in item:
            return parse_duration(item["retryDelay"])
    return None


def parse_duration(value: Any) -> float | None:
    """Parse a protobuf duration such as ``"17s"`` or ``"34.4s"``."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s?\s*", str(value))
    return float(match.group(1)) if match else None


def error_from_response(
    status_code: int,
    body: bytes | str,
    *,
    retry_after: float | None = None,
    headers: dict[str, str] | None = None,
) -> CometGeminiError:
    """Build the typed error for an HTTP error response (or an error event)."""
    message, status, details = parse_error_body(body)
    delay = (
        retry_after if retry_after is not None else retry_delay_from_details(details)
    )
    cls = _class_for(status_code, message, details)
    return cls(
        message,
        status_code=status_code,
        status=status,
        details=details,
        retry_after=delay,
        headers=headers,
    )


def error_from_event(
    error: dict[str, Any], *, where: str = "error event mid-stream"
) -> CometGeminiError:
    """Build the typed error for a ``data: {"error": ...}`` event on a 200 stream.

    Also used for an ``{"error": ...}`` body sent with HTTP 200 (``where``
    names the context). A missing or non-numeric ``code`` counts as 500.
    """
    message, status, details = _error_fields(error)
    code = error.get("code")
    status_code = 500
    if isinstance(code, int) and not isinstance(code, bool) and 400 <= code < 600:
        status_code = code
    cls = _class_for(status_code, message, details)
    return cls(
        f"{where}: {message}",
        status_code=status_code,
        status=status,
        details=details,
        retry_after=retry_delay_from_details(details),
    )
