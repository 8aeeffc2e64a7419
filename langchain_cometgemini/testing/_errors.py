"""Google-shaped error bodies used by the Gemini emulator.

Every helper returns the JSON body the real API sends, ``{"error": {"code",
"message", "status", "details"?}}``; the HTTP status always equals ``code``.
The canned texts come from real captures (``tests/data/captures/errors.json``).
"""

from __future__ import annotations

from typing import Any

STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

NO_KEY_MESSAGE = (
    "Method doesn't allow unregistered callers (callers without established "
    "identity). Please use API Key or other form of API consumer identity to "
    "call this API."
)
BAD_KEY_MESSAGE = "API key not valid. Please pass a valid API key."
MISSING_SIGNATURE_MESSAGE = (
    "Function call is missing a thought_signature in functionCall parts. This is "
    "required for tools to work correctly, and missing thought_signature may lead "
    "to degraded model performance. Additional data, function call "
    "`default_api:{name}`, position {position}."
)
CORRUPTED_SIGNATURE_MESSAGE = "Corrupted thought signature."
TYPE_URL = "type.googleapis.com/google.rpc."


def status_name(code: int) -> str:
    """Return the ``google.rpc.Code`` name the API pairs with an HTTP status."""
    if code in STATUS_NAMES:
        return STATUS_NAMES[code]
    return "INTERNAL" if code >= 500 else "FAILED_PRECONDITION"


def google_error(
    code: int,
    message: str,
    status: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build a Google error body ``{"error": {...}}``."""
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "status": status or status_name(code),
    }
    if details:
        error["details"] = details
    return {"error": error}


def no_key_error() -> dict[str, Any]:
    """Return the 403 body the API sends when no API key is given."""
    return google_error(403, NO_KEY_MESSAGE)


def bad_key_error() -> dict[str, Any]:
    """Return the 400 ``API_KEY_INVALID`` body sent for a wrong API key."""
    return google_error(
        400,
        BAD_KEY_MESSAGE,
        details=[
            {
                "@type": TYPE_URL + "ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {
                "@type": TYPE_URL + "LocalizedMessage",
                "locale": "en-US",
                "message": BAD_KEY_MESSAGE,
            },
        ],
    )


def bad_request(violations: list[tuple[str, str]]) -> dict[str, Any]:
    """Return a 400 body listing ``(field, description)`` violations."""
    message = "\n".join(description for _, description in violations)
    field_violations = []
    for field, description in violations:
        entry = {"field": field} if field else {}
        entry["description"] = description
        field_violations.append(entry)
    details = [{"@type": TYPE_URL + "BadRequest", "fieldViolations": field_violations}]
    return google_error(400, message, details=details)


def retry_info(retry_delay: str) -> dict[str, Any]:
    """Return a ``google.rpc.RetryInfo`` detail entry."""
    return {"@type": TYPE_URL + "RetryInfo", "retryDelay": retry_delay}
