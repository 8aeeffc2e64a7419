"""The retry policy through the model, on invoke, ainvoke, stream and astream.

What is retried (429 with its server delay, 5xx/524 storms), how often
(exactly ``max_retries + 1`` requests), and what is never retried (400, 401,
403, 404, context overflow). Request counts come from the emulator.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from langchain_core.exceptions import ContextOverflowError, ModelRateLimitError

from langchain_cometgemini._http import retry as _retry
from langchain_cometgemini.errors import (
    AuthenticationError,
    BadRequestError,
    CometGeminiError,
    ContextWindowExceededError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
)
from langchain_cometgemini.testing import GeminiEmulator, Reply

from .conftest import MODES, call, make_llm

CLIENT_LOG = "langchain_cometgemini._http.client"


def waits(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The waits the client logged before each retry, e.g. ``['0.05']``."""
    return [
        r.getMessage().split()[2].rstrip("s")
        for r in caplog.records
        if r.name == CLIENT_LOG and r.getMessage().startswith("Retrying in")
    ]


@pytest.mark.parametrize("mode", MODES)
def test_429_retry_info_delay_is_honoured(
    emu: GeminiEmulator, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, CLIENT_LOG)
    emu.enqueue(Reply.rate_limited("0.05s"), Reply.text("after the quota wait"))
    answer = call(make_llm(emu), mode)
    assert answer.text == "after the quota wait"
    assert len(emu.requests) == 2
    assert waits(caplog) == ["0.05"]


@pytest.mark.parametrize("mode", MODES)
def test_429_retry_after_header_wins(
    emu: GeminiEmulator, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, CLIENT_LOG)
    limited = Reply.rate_limited(retry_delay="9s", retry_after="0.03")
    emu.enqueue(limited, Reply.text("ok now"))
    assert call(make_llm(emu), mode).text == "ok now"
    assert len(emu.requests) == 2
    assert waits(caplog) == ["0.03"]


def test_retry_after_as_http_date_in_the_past_retries_at_once(
    emu: GeminiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, CLIENT_LOG)
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=5), True)
    emu.enqueue(Reply.rate_limited(None, retry_after=past), Reply.text("dated"))
    assert make_llm(emu).invoke("hi").text == "dated"
    assert waits(caplog) == ["0.00"]


@pytest.mark.parametrize("mode", MODES)
def test_server_delay_beyond_the_cap_is_not_waited_for(
    emu: GeminiEmulator, mode: str
) -> None:
    emu.enqueue(Reply.rate_limited("3600s"), Reply.text("never reached"))
    with pytest.raises(RateLimitError) as info:
        call(make_llm(emu), mode)
    assert isinstance(info.value, ModelRateLimitError)
    assert info.value.retry_after == 3600.0
    assert "RESOURCE_EXHAUSTED" in str(info.value)
    assert len(emu.requests) == 1


STORMS = [
    (500, "INTERNAL"),
    (502, None),
    (503, "UNAVAILABLE"),
    (504, "DEADLINE_EXCEEDED"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("code", "status"), STORMS)
def test_5xx_storm_that_clears_is_survived(
    emu: GeminiEmulator, mode: str, code: int, status: str | None
) -> None:
    failures = [Reply.error(code, "backend hiccup", status) for _ in range(3)]
    emu.enqueue(*failures, Reply.text("storm over"))
    answer = call(make_llm(emu, max_retries=3), mode)
    assert answer.text == "storm over"
    assert len(emu.requests) == 4
    assert len({r.raw for r in emu.requests}) == 1  # the same request each time


@pytest.mark.parametrize("mode", MODES)
def test_cometapi_524_is_retried(emu: GeminiEmulator, mode: str) -> None:
    timeout = Reply.comet_error(524, "upstream timeout", "upstream_timeout")
    emu.enqueue(timeout, timeout, Reply.text("through the gateway"))
    assert call(make_llm(emu), mode).text == "through the gateway"
    assert len(emu.requests) == 3


EXHAUSTED = [
    (Reply.error(503, "overloaded", "UNAVAILABLE"), ServerError),
    (Reply.error(500, "boom", "INTERNAL"), ServerError),
    (Reply.error(504, "slow", "DEADLINE_EXCEEDED"), RequestTimeoutError),
    (Reply.comet_error(524, "upstream timeout", "upstream_timeout"), ServerError),
    (Reply.rate_limited("0.001s"), RateLimitError),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("max_retries", [0, 1, 3])
@pytest.mark.parametrize(("reply", "error"), EXHAUSTED)
def test_more_failures_than_max_retries_raise_after_exactly_n_plus_one(
    emu: GeminiEmulator,
    mode: str,
    max_retries: int,
    reply: Reply,
    error: type[CometGeminiError],
) -> None:
    emu.enqueue(*[reply] * (max_retries + 2), Reply.text("too late"))
    with pytest.raises(error) as info:
        call(make_llm(emu, max_retries=max_retries), mode)
    assert len(emu.requests) == max_retries + 1
    assert str(reply.status) in str(info.value)


NEVER_RETRIED = [
    (
        Reply.error(400, "Invalid value at 'contents'", "INVALID_ARGUMENT"),
        BadRequestError,
    ),
    (
        Reply.error(401, "Request had invalid credentials.", "UNAUTHENTICATED"),
        AuthenticationError,
    ),
    (
        Reply.error(
            403, "Method doesn't allow unregistered callers.", "PERMISSION_DENIED"
        ),
        PermissionDeniedError,
    ),
    (
        Reply.error(404, "models/x is not found for API version v1beta", "NOT_FOUND"),
        NotFoundError,
    ),
    (Reply.comet_error(400, "invalid request", "invalid_request"), BadRequestError),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("reply", "error"), NEVER_RETRIED)
def test_client_errors_are_never_retried(
    emu: GeminiEmulator, mode: str, reply: Reply, error: type[CometGeminiError]
) -> None:
    emu.enqueue(reply, Reply.text("a retry happened"))
    with pytest.raises(error) as info:
        call(make_llm(emu, max_retries=3), mode)
    assert len(emu.requests) == 1
    assert info.value.status_code == reply.status
    assert reply.body["error"]["message"].split(" (request id")[0] in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_token_limit_400_is_context_overflow(emu: GeminiEmulator, mode: str) -> None:
    message = (
        "The input token count (1200000) exceeds the maximum number of tokens "
        "allowed (1048576)."
    )
    emu.enqueue(Reply.error(400, message, "INVALID_ARGUMENT"))
    with pytest.raises(ContextOverflowError) as info:
        call(make_llm(emu), mode)
    assert isinstance(info.value, ContextWindowExceededError)
    assert "1048576" in str(info.value)
    assert "400 INVALID_ARGUMENT" in str(info.value)
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_invalid_key_is_authentication_error_without_retry(
    emu: GeminiEmulator, mode: str
) -> None:
    llm = make_llm(emu, api_key="wrong-key-123")
    with pytest.raises(AuthenticationError) as info:
        call(llm, mode)
    assert len(emu.requests) == 1
    assert "wrong-key-123" not in str(info.value)


def test_backoff_doubles_and_is_capped_through_the_model(
    emu: GeminiEmulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_retry, "DEFAULT_INITIAL_DELAY", 0.02)
    monkeypatch.setattr(_retry, "DEFAULT_MAX_DELAY", 0.05)
    caplog.set_level(logging.INFO, CLIENT_LOG)
    emu.enqueue(*[Reply.error(503, "busy", "UNAVAILABLE")] * 3, Reply.text("done"))
    assert make_llm(emu, max_retries=3).invoke("hi").text == "done"
    logged = [float(w) for w in waits(caplog)]
    bounds = [(0.01, 0.02), (0.02, 0.04), (0.025, 0.05)]  # base * [0.5, 1)
    assert len(logged) == 3
    for wait, (low, high) in zip(logged, bounds, strict=True):
        assert low - 0.005 <= wait <= high + 0.005, logged


@pytest.mark.parametrize("mode", MODES)
def test_max_retries_per_call_override(emu: GeminiEmulator, mode: str) -> None:
    emu.enqueue(*[Reply.error(503, "busy", "UNAVAILABLE")] * 3, Reply.text("late"))
    llm = make_llm(emu, max_retries=3)
    with pytest.raises(ServerError):
        call(llm, mode, max_retries=1)
    assert len(emu.requests) == 2
