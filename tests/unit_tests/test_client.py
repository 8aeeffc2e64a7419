"""_client.py pure parts: retry decisions, backoff, URLs, headers, checks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import httpx2
import pytest

from langchain_cometgemini import errors as e
from langchain_cometgemini._http import classify as k
from langchain_cometgemini._http import client as c
from langchain_cometgemini._http import inputs as i
from langchain_cometgemini._http import retry as r
from langchain_cometgemini._http import sse

URL = "https://api.example/v1beta/models/m:generateContent"


def server(code: int, retry_after: float | None = None) -> e.CometGeminiError:
    return e.error_from_response(
        code, '{"error": {"message": "x"}}', retry_after=retry_after
    )


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504, 524])
def test_retryable_statuses(code: int) -> None:
    assert r.is_retryable(server(code))


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 413, 422, 501])
def test_client_errors_are_not_retryable(code: int) -> None:
    assert not r.is_retryable(server(code))


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (e.APIConnectionError("refused"), True),
        (e.ConnectTimeoutError("slow connect"), True),
        (e.RequestTimeoutError("read timeout"), False),
        (e.InvalidResponseError("html"), False),
        (e.InvalidResponseError("redirect", status_code=301), False),
    ],
)
def test_transport_errors(error: e.CometGeminiError, retryable: bool) -> None:
    assert r.is_retryable(error) is retryable


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    policy = c.RetryPolicy(max_retries=10, initial_delay=1.0, max_delay=8.0)
    random.seed(7)
    for attempt, base in enumerate([1, 2, 4, 8, 8, 8]):
        for _ in range(20):
            wait = policy.delay(server(503), attempt)
            assert wait is not None
            assert base * 0.5 <= wait < base


def test_jitter_spreads_the_waits() -> None:
    policy = c.RetryPolicy(max_retries=3, initial_delay=1.0)
    waits = {policy.delay(server(503), 0) for _ in range(50)}
    assert len(waits) > 10


def test_no_retry_after_max_retries() -> None:
    policy = c.RetryPolicy(max_retries=2)
    assert policy.delay(server(503), 1) is not None
    assert policy.delay(server(503), 2) is None
    assert c.RetryPolicy(max_retries=0).delay(server(503), 0) is None


def test_server_delay_wins_and_is_capped() -> None:
    policy = c.RetryPolicy(max_retries=2, initial_delay=5.0, max_server_delay=60.0)
    assert policy.delay(server(429, retry_after=0.25), 0) == 0.25
    assert policy.delay(server(429, retry_after=-3), 0) == 0.0
    assert policy.delay(server(429, retry_after=61), 0) is None


def test_non_retryable_never_waits() -> None:
    assert c.RetryPolicy(max_retries=5).delay(server(400), 0) is None


def test_defaults_come_from_the_module_constants(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert c.RetryPolicy().initial_delay == r.DEFAULT_INITIAL_DELAY == 0.5
    assert c.RetryPolicy().max_delay == r.DEFAULT_MAX_DELAY == 8.0
    monkeypatch.setattr(r, "DEFAULT_INITIAL_DELAY", 0.01)
    assert c.RetryPolicy(max_retries=1).initial_delay == 0.01


def headers(**values: str) -> httpx.Headers:
    return httpx.Headers(values)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999"])
def test_a_retry_after_that_is_no_number_of_seconds_is_ignored(value: str) -> None:
    assert k.retry_after(headers(**{"retry-after": value})) is None


def test_base_url_port_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="port"):
        i.check_base_url("http://127.0.0.1:99999")


def test_retry_after_seconds_and_dates() -> None:
    assert k.retry_after(headers()) is None
    assert k.retry_after(headers(**{"retry-after": "3"})) == 3.0
    assert k.retry_after(headers(**{"retry-after": "0.5"})) == 0.5
    assert k.retry_after(headers(**{"retry-after": "soon"})) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), True)
    wait = k.retry_after(headers(**{"retry-after": later}))
    assert wait is not None and 25 < wait <= 30


def test_headers_carry_the_key_in_one_header_only() -> None:
    plain = i.build_headers("k", bearer=False, extra={"x-extra": "1"})
    assert plain["x-goog-api-key"] == "k"
    assert "authorization" not in plain
    assert plain["x-extra"] == "1"
    bearer = i.build_headers("k", bearer=True, extra=None)
    assert bearer["authorization"] == "Bearer k"
    assert "x-goog-api-key" not in bearer


def test_extra_headers_cannot_override_the_key() -> None:
    built = i.build_headers("real", bearer=False, extra={"x-goog-api-key": "other"})
    assert built["x-goog-api-key"] == "real"


def test_transport_error_mapping() -> None:
    request = httpx.Request("POST", URL)
    cases = [
        (httpx.ConnectError("refused", request=request), None, e.APIConnectionError),
        (httpx.ConnectTimeout("t", request=request), None, e.ConnectTimeoutError),
        (httpx.PoolTimeout("t", request=request), None, e.ConnectTimeoutError),
        (httpx.ReadTimeout("t", request=request), None, e.RequestTimeoutError),
        (httpx.ReadTimeout("t", request=request), 3, e.RequestTimeoutError),
        (httpx.RemoteProtocolError("eof", request=request), None, e.APIConnectionError),
        (
            httpx.RemoteProtocolError("eof", request=request),
            2,
            e.StreamInterruptedError,
        ),
    ]
    for exc, events, cls in cases:
        error = k.transport_error(exc, URL, events=events)
        assert type(error) is cls, (exc, events)
        assert URL in str(error)
        if events is not None:
            assert f"after {events} event(s)" in str(error)


def test_stream_check_decodes_and_counts_events() -> None:
    check = sse.StreamCheck(URL)
    event = check.accept('{"candidates": [{"content": {"parts": [{"text": "a"}]}}]}')
    assert event["candidates"][0]["content"]["parts"] == [{"text": "a"}]
    check.accept('{"candidates": [{"finishReason": "STOP"}]}')
    assert check.events == 2


@pytest.mark.parametrize("data", ["{bad", "[1]", '"s"', ""])
def test_stream_check_rejects_non_objects(data: str) -> None:
    with pytest.raises(e.InvalidResponseError):
        sse.StreamCheck(URL).accept(data)


def test_stream_check_error_event() -> None:
    with pytest.raises(e.ServerError, match="mid-stream: over"):
        sse.StreamCheck(URL).accept('{"error": {"code": 503, "message": "over"}}')


def response(status: int, body: bytes, **hdrs: str) -> httpx2.Response:
    """A response as the engine (httpx2) hands it to ``_decode_json``."""
    return httpx2.Response(
        status, content=body, headers=hdrs, request=httpx2.Request("POST", URL)
    )


def test_decode_json_checks_status_shape_and_error_bodies() -> None:
    assert k.decode_json(response(200, b'{"a": 1}'), b'{"a": 1}') == {"a": 1}
    with pytest.raises(e.InvalidResponseError, match="base_url"):
        k.decode_json(response(200, b"<html>"), b"<html>")
    with pytest.raises(e.InvalidResponseError):
        k.decode_json(response(200, b"[1]"), b"[1]")
    with pytest.raises(e.ServerError, match="HTTP 200: down"):
        body = b'{"error": {"code": 503, "message": "down"}}'
        k.decode_json(response(200, body), body)
    with pytest.raises(e.InvalidResponseError, match="not followed"):
        k.decode_json(response(301, b"", location="https://x.example/"), b"")
    with pytest.raises(e.RateLimitError) as info:
        k.decode_json(response(429, b"{}", **{"retry-after": "2"}), b"{}")
    assert info.value.retry_after == 2.0


def test_repr_shows_no_headers() -> None:
    http = c.GeminiHTTP(
        base_url="https://api.example",
        api_version="v1beta",
        headers=i.build_headers("secret-key", bearer=False, extra=None),
        timeout=1.0,
        retry=c.RetryPolicy(),
    )
    assert "secret-key" not in repr(http)


def test_user_clients_are_never_closed() -> None:
    mine = httpx.Client()
    http = c.GeminiHTTP(
        base_url="https://api.example",
        api_version="v1beta",
        headers={},
        timeout=1.0,
        retry=c.RetryPolicy(),
        client=mine,
    )
    http.close()
    assert not mine.is_closed
    mine.close()
