"""Faults inside a 200 SSE stream: after the first event nothing is retried.

A stream that stalls, drops, carries an error event or malformed JSON, or
closes without ``finishReason`` raises a typed error after the events already
delivered; it never ends quietly as if the answer were complete.
"""

from __future__ import annotations

import pytest

from langchain_cometgemini.errors import (
    InvalidResponseError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    StreamInterruptedError,
)
from langchain_cometgemini.testing import GeminiEmulator, Reply

from .conftest import STREAM_MODES, call, collect, make_llm

WORDS = "alpha beta gamma delta epsilon zeta eta theta"


def four_chunks(**faults: object) -> Reply:
    """A four-event text stream with fault knobs set."""
    reply = Reply.text(WORDS, n_chunks=4)
    for name, value in faults.items():
        setattr(reply, name, value)
    return reply


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_stall_between_events_is_a_read_timeout(emu: GeminiEmulator, mode: str) -> None:
    emu.enqueue(four_chunks(event_delay=1.0), Reply.text("retried"))
    seen, error = collect(make_llm(emu, timeout=0.2), mode)
    assert isinstance(error, RequestTimeoutError)
    assert "stalled after 1 event(s)" in str(error)
    assert seen == ["alpha beta"]
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_slow_but_steady_stream_completes(emu: GeminiEmulator, mode: str) -> None:
    """The timeout bounds each read, not the whole stream (1.05 s here)."""
    reply = Reply.text(WORDS, n_chunks=8)
    reply.event_delay = 0.15
    emu.enqueue(reply)
    seen, error = collect(make_llm(emu, timeout=0.5), mode)
    assert error is None
    assert "".join(seen) == WORDS


@pytest.mark.parametrize("mode", STREAM_MODES)
@pytest.mark.parametrize("after", [1, 2, 3])
def test_drop_mid_stream_raises_after_the_delivered_events(
    emu: GeminiEmulator, mode: str, after: int
) -> None:
    emu.enqueue(four_chunks(drop_after=after), Reply.text("retried"))
    seen, error = collect(make_llm(emu, max_retries=3), mode)
    assert isinstance(error, StreamInterruptedError)
    assert f"after {after} event(s)" in str(error)
    assert "incomplete" in str(error)
    assert len(seen) == after
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_tcp_reset_mid_stream_raises_after_the_delivered_events(
    emu: GeminiEmulator, mode: str
) -> None:
    emu.enqueue(four_chunks(drop_after=2, reset=True), Reply.text("retried"))
    seen, error = collect(make_llm(emu, max_retries=3), mode)
    assert isinstance(error, StreamInterruptedError)
    assert "after 2 event(s)" in str(error) and "incomplete" in str(error)
    assert len(seen) == 2
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_drop_before_the_first_event_is_retried(emu: GeminiEmulator, mode: str) -> None:
    emu.enqueue(four_chunks(drop_after=0), Reply.text("second stream"))
    assert call(make_llm(emu), mode).text == "second stream"
    assert len(emu.requests) == 2


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_error_event_mid_stream_is_typed(emu: GeminiEmulator, mode: str) -> None:
    error_event = {
        "code": 503,
        "message": "The model is overloaded.",
        "status": "UNAVAILABLE",
    }
    reply = Reply.text(WORDS, n_chunks=4, finish_reason=None)
    reply.error_event = error_event
    emu.enqueue(reply, Reply.text("retried"))
    seen, error = collect(make_llm(emu, max_retries=3), mode)
    assert isinstance(error, ServerError)
    assert error.status_code == 503
    assert "mid-stream" in str(error)
    assert "The model is overloaded." in str(error)
    assert len(seen) == 4
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_rate_limit_error_event_mid_stream(emu: GeminiEmulator, mode: str) -> None:
    reply = Reply.text(WORDS, n_chunks=2, finish_reason=None)
    reply.error_event = {
        "code": 429,
        "message": "quota",
        "status": "RESOURCE_EXHAUSTED",
    }
    emu.enqueue(reply)
    seen, error = collect(make_llm(emu), mode)
    assert isinstance(error, RateLimitError)
    assert len(seen) == 2


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_error_event_in_first_place_is_never_sent_again(
    emu: GeminiEmulator, mode: str
) -> None:
    first = Reply(chunks=[])
    first.error_event = {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}
    emu.enqueue(first, Reply.text("clean stream"))
    with pytest.raises(ServerError, match="overloaded"):
        call(make_llm(emu), mode)
    assert len(emu.requests) == 1  # the 200 head arrived: the model may have run


BAD_EVENTS = [
    '{"candidates": [{"content": {"parts": [{"text": "x"}]}',  # truncated
    "{not json at all}",
    "[1, 2]",
]


@pytest.mark.parametrize("mode", STREAM_MODES)
@pytest.mark.parametrize("raw_event", BAD_EVENTS)
def test_malformed_event_mid_stream(
    emu: GeminiEmulator, mode: str, raw_event: str
) -> None:
    reply = Reply.text(WORDS, n_chunks=2, finish_reason=None)
    reply.raw_events = [raw_event]
    emu.enqueue(reply, Reply.text("retried"))
    seen, error = collect(make_llm(emu), mode)
    assert isinstance(error, InvalidResponseError)
    assert raw_event[:20] in str(error)
    assert len(seen) == 2
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_malformed_first_event_is_not_retried(emu: GeminiEmulator, mode: str) -> None:
    emu.enqueue(Reply(chunks=[], raw_events=["{oops"]), Reply.text("retried"))
    seen, error = collect(make_llm(emu), mode)
    assert isinstance(error, InvalidResponseError)
    assert seen == []
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_stream_closed_without_finish_reason_is_interrupted(
    emu: GeminiEmulator, mode: str
) -> None:
    emu.enqueue(Reply.text(WORDS, n_chunks=3, finish_reason=None))
    seen, error = collect(make_llm(emu), mode)
    assert isinstance(error, StreamInterruptedError)
    assert "without a finishReason" in str(error)
    assert "".join(seen) == WORDS  # delivered, but flagged as incomplete


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_empty_stream_is_interrupted_and_never_sent_again(
    emu: GeminiEmulator, mode: str
) -> None:
    emu.enqueue(*[Reply(chunks=[]) for _ in range(3)])
    seen, error = collect(make_llm(emu, max_retries=2), mode)
    assert isinstance(error, StreamInterruptedError)
    assert "before its first event" in str(error)
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_blocked_prompt_stream_is_complete(emu: GeminiEmulator, mode: str) -> None:
    blocked = {
        "promptFeedback": {"blockReason": "SAFETY"},
        "usageMetadata": {"promptTokenCount": 3, "totalTokenCount": 3},
    }
    emu.enqueue(Reply(chunks=[blocked]))
    seen, error = collect(make_llm(emu), mode)
    assert error is None
    assert seen
    assert "".join(seen) == ""
