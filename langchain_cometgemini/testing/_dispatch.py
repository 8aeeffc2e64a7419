"""Decide the ``Reply`` for one recorded request, like the real API would.

Order of checks: routing, HTTP method, API key, JSON parsing, schema
validation, ``contents`` rules, Gemini 3 signature rules; then the first
queued reply, else the responder, else the default responder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import unquote

from langchain_cometgemini.testing import _build
from langchain_cometgemini.testing._content_rules import check_contents
from langchain_cometgemini.testing._errors import (
    bad_key_error,
    bad_request,
    google_error,
    no_key_error,
)
from langchain_cometgemini.testing._reply import Reply
from langchain_cometgemini.testing._request import RecordedRequest
from langchain_cometgemini.testing._responder import default_reply
from langchain_cometgemini.testing._signatures import check_signatures, is_gemini3
from langchain_cometgemini.testing._validation import validate

ResponderResult = Reply | dict[str, Any] | str | None
Responder = Callable[[RecordedRequest], ResponderResult]
"""A function from the request to its answer: a ``Reply``, a response body, a
text, or None for the emulator's default answer (``default_reply``)."""
GENERATE = ("generateContent", "streamGenerateContent")
MESSAGES = {
    "generateContent": "GenerateContentRequest",
    "streamGenerateContent": "GenerateContentRequest",
    "countTokens": "CountTokensRequest",
}
_API_PATH = re.compile(r"^/v1[A-Za-z0-9]*/models/([^/:]+):([A-Za-z]+)$")


class State(Protocol):
    """What the dispatcher needs from the emulator."""

    api_key: str | None
    check_signatures: bool
    responder: Responder | None

    def _issued(self) -> frozenset[str]:
        """Return the signatures issued so far."""

    def _take_queued(self) -> Reply | None:
        """Pop the next queued reply, if any."""

    def _responder_failed(self, request: RecordedRequest, error: Exception) -> None:
        """Keep an exception the responder raised (with its traceback)."""


def route(path: str) -> tuple[str, str] | None:
    """Return ``(model, action)`` for an API path, else None."""
    match = _API_PATH.match(unquote(path))
    return (match.group(1), match.group(2)) if match else None


def dispatch(state: State, request: RecordedRequest) -> Reply:
    """Return the reply for an API request (``request.action`` is set)."""
    problem = _reject(state, request)
    if problem is not None:
        return problem
    queued = state._take_queued()
    if queued is not None:
        return queued
    if request.action == "countTokens":
        return _count_tokens(request)
    if state.responder is not None:
        return _call_responder(state, state.responder, request)
    return default_reply(request)


def _reject(state: State, request: RecordedRequest) -> Reply | None:
    if request.action not in MESSAGES:
        return _error(404, "Method not found.")
    if request.method != "POST":
        return _error(405, f"Method {request.method} is not allowed on this path.")
    auth = _auth_error(state.api_key, request.headers)
    if auth is not None:
        return auth
    body = request.body if request.raw.strip() else {}
    if body is None:
        return _error(400, _json_error(request.raw))
    violations = validate(MESSAGES[request.action], body)
    if violations:
        return Reply(status=400, body=bad_request(violations))
    return _semantic_error(state, request, body)


def _semantic_error(
    state: State, request: RecordedRequest, body: dict[str, Any]
) -> Reply | None:
    if request.action in GENERATE:
        message = check_contents(body)
        if message is not None:
            return _error(400, message)
    if state.check_signatures and is_gemini3(request.model):
        message = check_signatures(request.contents, state._issued())
        if message is not None:
            return _error(400, message)
    return None


def _auth_error(expected: str | None, headers: dict[str, str]) -> Reply | None:
    if expected is None:
        return None
    key = headers.get("x-goog-api-key")
    authorization = headers.get("authorization", "")
    if not key and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    if not key:
        return Reply(status=403, body=no_key_error())
    if key != expected:
        return Reply(status=400, body=bad_key_error())
    return None


def _json_error(raw: bytes) -> str:
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = raw[:80].decode("utf-8", "replace")
        return f"Invalid JSON payload received. Unexpected token.\n{snippet}\n^ ({exc})"
    return "Invalid JSON payload received. Root element must be a message."


def _error(code: int, message: str) -> Reply:
    return Reply(status=code, body=google_error(code, message))


def _count_tokens(request: RecordedRequest) -> Reply:
    total = _build.request_tokens(request.body)
    details = [{"modality": "TEXT", "tokenCount": total}]
    return Reply(body={"totalTokens": total, "promptTokensDetails": details})


def _call_responder(
    state: State, responder: Responder, request: RecordedRequest
) -> Reply:
    """The responder's answer; a responder that raises is a bug in the test.

    The exception is kept (``GeminiEmulator.responder_errors``, raised again
    when the emulator stops) and the client gets a 400, which is not retried:
    a 500 would be retried and hide the bug behind the retries.
    """
    try:
        result = responder(request)
    except Exception as exc:  # noqa: BLE001 - kept and re-raised at stop()
        return _responder_bug(state, request, exc, f"raised {exc!r}")
    if result is None:
        return default_reply(request)
    if isinstance(result, Reply):
        return result
    if isinstance(result, str):
        return Reply.text(result)
    if isinstance(result, dict):
        return Reply(body=result)
    kind = type(result).__name__
    wrong = TypeError(
        f"the responder returned {kind}: return a Reply, a response body (dict), "
        "a text, or None for the default answer"
    )
    return _responder_bug(state, request, wrong, f"returned {kind}")


def _responder_bug(
    state: State, request: RecordedRequest, error: Exception, what: str
) -> Reply:
    """Keep ``error`` for ``stop()``; the client gets a 400 (never retried)."""
    state._responder_failed(request, error)
    return _error(
        400, f"Emulator responder {what} (see GeminiEmulator.responder_errors)"
    )
