"""errors.py: error bodies of every shape -> the right typed error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core import exceptions as lc

from langchain_cometgemini import errors as e


def google(
    code: int,
    message: str,
    status: str | None = None,
    details: list[Any] | None = None,
) -> str:
    error: dict[str, Any] = {"code": code, "message": message}
    if status:
        error["status"] = status
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error})


RETRY_INFO = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}
API_KEY_INVALID = {"@type": "ErrorInfo", "reason": "API_KEY_INVALID"}

CLASSES = [
    (400, "Invalid value", "INVALID_ARGUMENT", [], e.BadRequestError),
    (
        400,
        "API key not valid.",
        "INVALID_ARGUMENT",
        [API_KEY_INVALID],
        e.AuthenticationError,
    ),
    (
        400,
        "The input token count (2000000) exceeds the maximum number of tokens "
        "allowed (1048576).",
        "INVALID_ARGUMENT",
        [],
        e.ContextWindowExceededError,
    ),
    (400, "Request exceeds the token limit", None, [], e.ContextWindowExceededError),
    (
        401,
        "Request had invalid authentication credentials.",
        "UNAUTHENTICATED",
        [],
        e.AuthenticationError,
    ),
    (403, "Permission denied", "PERMISSION_DENIED", [], e.PermissionDeniedError),
    (404, "models/x is not found", "NOT_FOUND", [], e.NotFoundError),
    (408, "timeout", None, [], e.RequestTimeoutError),
    (409, "conflict", "ABORTED", [], e.BadRequestError),
    (413, "too large", None, [], e.BadRequestError),
    (429, "quota", "RESOURCE_EXHAUSTED", [RETRY_INFO], e.RateLimitError),
    (500, "internal", "INTERNAL", [], e.ServerError),
    (502, "bad gateway", None, [], e.ServerError),
    (503, "overloaded", "UNAVAILABLE", [], e.ServerError),
    (504, "deadline", "DEADLINE_EXCEEDED", [], e.RequestTimeoutError),
    (524, "a timeout occurred", None, [], e.ServerError),
]


@pytest.mark.parametrize(("code", "message", "status", "details", "cls"), CLASSES)
def test_status_table(
    code: int, message: str, status: str | None, details: list[Any], cls: type
) -> None:
    error = e.error_from_response(code, google(code, message, status, details))
    assert type(error) is cls
    assert error.status_code == code
    assert error.status == status
    assert error.message == message
    assert str(error).startswith(str(code))
    assert message in str(error)


LC_PARENTS = [
    (e.BadRequestError, lc.ModelInvalidRequestError),
    (e.ContextWindowExceededError, lc.ContextOverflowError),
    (e.AuthenticationError, lc.ModelAuthenticationError),
    (e.PermissionDeniedError, lc.ModelPermissionDeniedError),
    (e.NotFoundError, lc.ModelNotFoundError),
    (e.RateLimitError, lc.ModelRateLimitError),
    (e.ServerError, lc.ModelAPIError),
    (e.RequestTimeoutError, lc.ModelTimeoutError),
    (e.ConnectTimeoutError, lc.ModelTimeoutError),
    (e.ConnectTimeoutError, lc.ModelConnectionError),
    (e.APIConnectionError, lc.ModelConnectionError),
    (e.StreamInterruptedError, lc.ModelConnectionError),
    (e.InvalidResponseError, lc.ModelAPIError),
]


@pytest.mark.parametrize(("cls", "parent"), LC_PARENTS)
def test_every_class_is_also_the_langchain_class(cls: type, parent: type) -> None:
    assert issubclass(cls, parent)
    assert issubclass(cls, e.CometGeminiError)


def test_missing_key_is_an_authentication_error() -> None:
    assert issubclass(e.MissingAPIKeyError, e.AuthenticationError)


def test_retry_delay_is_read_from_retry_info() -> None:
    error = e.error_from_response(
        429, google(429, "q", "RESOURCE_EXHAUSTED", [RETRY_INFO])
    )
    assert error.retry_after == 17.0
    assert error.details == [RETRY_INFO]


def test_retry_after_header_wins_over_retry_info() -> None:
    body = google(429, "q", "RESOURCE_EXHAUSTED", [RETRY_INFO])
    assert e.error_from_response(429, body, retry_after=2.5).retry_after == 2.5


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("17s", 17.0),
        ("0.05s", 0.05),
        ("34.4s", 34.4),
        (" 3s ", 3.0),
        ("12", 12.0),
        ("soon", None),
        ("-1s", None),
        (None, None),
    ],
)
def test_parse_duration(value: object, seconds: float | None) -> None:
    assert e.parse_duration(value) == seconds


def test_cometapi_error_body() -> None:
    body = json.dumps(
        {
            "error": {
                "message": "model not found (request id: 1)",
                "type": "comet_api_error",
                "code": "model_not_found",
            }
        }
    )
    error = e.error_from_response(503, body)
    assert type(error) is e.ServerError
    assert error.status == "comet_api_error"
    assert "model not found" in str(error)


def test_cometapi_code_is_used_when_there_is_no_type() -> None:
    body = json.dumps(
        {"error": {"message": "no channel", "code": "no_available_channel"}}
    )
    assert e.error_from_response(503, body).status == "no_available_channel"


def test_html_body_gives_a_short_excerpt() -> None:
    page = "<html><body>" + "<p>Bad gateway</p>\n" * 200 + "</body></html>"
    error = e.error_from_response(502, page)
    assert type(error) is e.ServerError
    assert "non-JSON response body" in str(error)
    assert "Bad gateway" in str(error)
    assert len(str(error)) < 300
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "null",
        "[]",
        "42",
        '{"message": "x"}',
        '{"error": "flat string"}',
        b"\xff\xfe",
    ],
)
def test_odd_bodies_still_give_a_typed_error(body: str | bytes) -> None:
    error = e.error_from_response(500, body)
    assert type(error) is e.ServerError
    assert error.message


def test_json_array_error_body_of_a_stream_request() -> None:
    body = json.dumps(
        [{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}]
    )
    error = e.error_from_response(400, body)
    assert error.message == "bad"
    assert error.status == "INVALID_ARGUMENT"


def test_error_event_defaults_to_500_and_says_where() -> None:
    error = e.error_from_event({"message": "stream broke"})
    assert type(error) is e.ServerError
    assert error.status_code == 500
    assert str(error) == "500: error event mid-stream: stream broke"


def test_error_event_keeps_its_code() -> None:
    error = e.error_from_event(
        {
            "code": 429,
            "message": "q",
            "status": "RESOURCE_EXHAUSTED",
            "details": [RETRY_INFO],
        }
    )
    assert type(error) is e.RateLimitError
    assert error.retry_after == 17.0


def test_error_body_with_200_names_its_context() -> None:
    error = e.error_from_event(
        {"code": 400, "message": "bad"}, where="error body with HTTP 200"
    )
    assert type(error) is e.BadRequestError
    assert "error body with HTTP 200: bad" in str(error)


def test_excerpt_is_bounded_and_single_line() -> None:
    assert e.excerpt("a\n b\t\tc") == "a b c"
    long = e.excerpt("x" * 1000)
    assert len(long) == 203
    assert long.endswith("...")


def test_error_without_status_renders_the_message_alone() -> None:
    assert str(e.APIConnectionError("connection refused")) == "connection refused"


def test_every_error_class_is_exported_at_the_root() -> None:
    import langchain_cometgemini
    from langchain_cometgemini import errors

    for name in errors.__all__:
        assert getattr(langchain_cometgemini, name) is getattr(errors, name)
        assert name in langchain_cometgemini.__all__


def test_media_fetch_error_is_a_package_error_and_a_value_error() -> None:
    from langchain_cometgemini import CometGeminiError, MediaFetchError

    error = MediaFetchError("refused")
    assert isinstance(error, CometGeminiError)
    assert isinstance(error, ValueError)


def test_errors_carry_headers_and_the_request_id() -> None:
    from langchain_cometgemini.errors import error_from_response

    body = '{"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}}'
    err = error_from_response(503, body, headers={"x-request-id": "g-123"})
    assert err.headers == {"x-request-id": "g-123"}
    assert err.request_id == "g-123"
    comet = '{"error": {"message": "no channel (request id: 2026abc)", "type": "x"}}'
    assert error_from_response(500, comet).request_id == "2026abc"
    assert error_from_response(500, "{}").request_id is None


@pytest.mark.parametrize(
    "error",
    [
        {"message": "m", "details": 7},
        {"message": ["not", "text"], "status": {"x": 1}},
        {"message": "m", "details": {"reason": "R"}},
        {"code": True, "message": "m"},
        {"code": 99999, "message": "m"},
    ],
)
def test_error_bodies_of_any_shape_are_typed(error: dict[str, Any]) -> None:
    import json

    from langchain_cometgemini.errors import CometGeminiError, error_from_response

    err = error_from_response(500, json.dumps({"error": error}))
    assert isinstance(err, CometGeminiError)
    assert isinstance(err.details, list)
    assert isinstance(err.message, str)
