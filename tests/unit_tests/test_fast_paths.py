"""Fast paths in _response give exactly what the general path gives.

``StreamState.chunk`` builds plain-text chunks directly; ``general_chunk`` is
the reference. Every real capture is replayed through both, chunk by chunk.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.load import dumpd
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk

from langchain_cometgemini._wire import chunks as _chunks
from langchain_cometgemini._wire.response import StreamState
from tests.conftest import load_capture
from tests.support import ai_chunk

CAPTURES = Path(__file__).parent.parent / "data" / "captures"
STREAMS = sorted(
    str(p.relative_to(CAPTURES))
    for p in CAPTURES.rglob("*")
    if p.is_file() and p.name.endswith((".sse", ".jsonl", ".chunks.txt"))
)


_IDS = [itertools.count()]


@pytest.fixture(autouse=True)
def _ordered_generated_ids(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Generated tool call ids depend only on their order (reset per path)."""

    def ordered_uuid4() -> uuid.UUID:
        return uuid.UUID(int=next(_IDS[0]))

    monkeypatch.setattr(
        "langchain_cometgemini._wire.response.uuid.uuid4", ordered_uuid4
    )
    yield


def dump(chunk: ChatGenerationChunk) -> dict[str, Any]:
    message = chunk.message
    return {
        "type": type(message).__name__,
        "message": message.model_dump(),
        "extra": (chunk.model_extra, message.model_extra),
        "info": chunk.generation_info,
        "text": chunk.text,
    }


class _GeneralOnly(StreamState):
    """A stream state that never takes the plain-text fast path."""

    def _plain_text(self, event: dict[str, Any]) -> str | None:
        return None


def both_paths(
    events: list[dict[str, Any]], **kwargs: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    fast, general = StreamState(**kwargs), _GeneralOnly(**kwargs)
    _IDS[0] = itertools.count()
    got = [dump(c) for e in events for c in fast.read(copy.deepcopy(e))]
    _IDS[0] = itertools.count()
    want = [dump(c) for e in events for c in general.read(copy.deepcopy(e))]
    assert fast.text_length == general.text_length
    return got, want


def test_every_stream_capture_is_covered() -> None:
    assert len(STREAMS) >= 20


@pytest.mark.parametrize("name", STREAMS)
@pytest.mark.parametrize("output_version", [None, "v1"])
def test_captures_chunk_by_chunk(name: str, output_version: str | None) -> None:
    events = load_capture(name)
    assert events
    got, want = both_paths(events, output_version=output_version)
    assert got == want


def test_the_fast_path_is_taken_for_plain_text() -> None:
    events = load_capture("real_stream_text_gemini-3-pro-preview.chunks.jsonl")
    state = StreamState()
    state.read(events[0])  # the first event picks the candidate followed
    plain = [e for e in events[1:] if state._plain_text(e) is not None]
    assert plain
    assert len(plain) == len(events) - 2  # the last event carries finishReason


def usage(prompt: int, out: int) -> dict[str, int]:
    return {
        "promptTokenCount": prompt,
        "candidatesTokenCount": out,
        "totalTokenCount": prompt + out,
    }


def text_event(*texts: Any, **extra: Any) -> dict[str, Any]:
    candidate = {"content": {"parts": [{"text": t} for t in texts], "role": "model"}}
    return {"candidates": [candidate], **extra}


SYNTHETIC: dict[str, list[dict[str, Any]]] = {
    "usage repeats, grows, disappears": [
        text_event("a", usageMetadata=usage(3, 1), responseId="r"),
        text_event("b", usageMetadata=usage(3, 1), responseId="r"),
        text_event("c", "d", usageMetadata=usage(3, 4), responseId="r"),
        text_event("e"),
        text_event("f", usageMetadata=usage(3, 6)),
    ],
    "signature then plain text": [
        text_event("ab"),
        {
            "candidates": [
                {"content": {"parts": [{"text": "c", "thoughtSignature": "s"}]}}
            ]
        },
        text_event("de"),
    ],
    "thought switches to blocks": [
        text_event("x"),
        {"candidates": [{"content": {"parts": [{"text": "t", "thought": True}]}}]},
        text_event("y", usageMetadata=usage(1, 2)),
    ],
    "null text, empty parts, no content": [
        text_event(None),
        {"candidates": [{"content": {"parts": []}}]},
        {"candidates": [{"index": 0}]},
        text_event(""),
    ],
    "other candidate index": [
        {"candidates": [{"content": {"parts": [{"text": "z"}]}, "index": 1}]},
        text_event("y"),
    ],
    "two candidates": [
        {
            "candidates": [
                {"content": {"parts": [{"text": "a"}]}, "index": 0},
                {"content": {"parts": [{"text": "b"}]}, "index": 1},
            ]
        }
    ],
    "metadata on a middle event": [
        text_event("a"),
        {
            "candidates": [
                {
                    "content": {"parts": [{"text": "b"}]},
                    "groundingMetadata": {"webSearchQueries": ["q"]},
                }
            ]
        },
        {
            "candidates": [
                {"content": {"parts": [{"text": "c"}]}, "finishReason": "STOP"}
            ],
            "usageMetadata": usage(2, 2),
        },
    ],
    "prompt feedback": [
        {"candidates": [], "promptFeedback": {"blockReason": "SAFETY"}},
    ],
}


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
@pytest.mark.parametrize("output_version", [None, "v1"])
def test_edge_cases_chunk_by_chunk(name: str, output_version: str | None) -> None:
    got, want = both_paths(SYNTHETIC[name], output_version=output_version)
    assert got == want


def test_plain_text_chunks_carry_usage_deltas() -> None:
    events = SYNTHETIC["usage repeats, grows, disappears"]
    state = StreamState()
    chunks = [ai_chunk(c.message) for e in events for c in state.read(e)]
    usage = [c.usage_metadata and c.usage_metadata["output_tokens"] for c in chunks]
    assert usage == [1, 0, 3, 0, 2]
    assert [c.content for c in chunks] == ["a", "b", "cd", "e", "f"]


# -- JSON (orjson when installed) ------------------------------------------------


# -- lazy imports ------------------------------------------------------------------

_LAZY_CHECK = """
import sys
import langchain_cometgemini as pkg
assert "langchain_cometgemini.chat_models" not in sys.modules
assert set(pkg.__all__) <= set(dir(pkg))
from langchain_cometgemini import ChatCometGemini, MediaFetchError, RateLimitError
from langchain_cometgemini.errors import RateLimitError as Same
assert RateLimitError is Same and issubclass(MediaFetchError, ValueError)
loaded = [m for m in ("httpx", "httpx_sse", "langchain_cometgemini._wire.structured",
          "langchain_cometgemini._wire.tools", "langchain_cometgemini._tokens")
          if m in sys.modules]
print(",".join(loaded))
"""


def test_imports_are_lazy() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _LAZY_CHECK],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # MediaFetchError's module loads on access, but not httpx, SSE or features
    assert done.stdout.strip() == ""


def test_unknown_attribute_is_an_attribute_error() -> None:
    import langchain_cometgemini

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        langchain_cometgemini.Nope  # noqa: B018


# -- chunk construction (_chunks) -----------------------------------------------


def test_plain_text_chunks_are_filled_in_directly() -> None:
    # If langchain-core's models change, the safety net falls back; this
    # test says so, so the lost speed does not go unnoticed.
    assert _chunks.fast_construction()


@pytest.mark.parametrize("response_id", ["resp-1", None])
def test_constructed_chunk_equals_the_validated_one(response_id: str | None) -> None:
    usage: UsageMetadata = {"input_tokens": 0, "output_tokens": 4, "total_tokens": 4}
    built = _chunks.constructed_text_chunk("héllo", usage.copy(), response_id)
    want = _chunks.validated_text_chunk("héllo", usage.copy(), response_id)
    assert built == want
    assert dump(built) == dump(want)
    assert built.model_fields_set == want.model_fields_set
    assert built.message.model_fields_set == want.message.model_fields_set
    assert dumpd(built.message) == dumpd(want.message)
    assert built.message.model_dump(exclude_unset=True) == want.message.model_dump(
        exclude_unset=True
    )
    merged = built + _chunks.constructed_text_chunk(" x", usage.copy(), response_id)
    assert merged.message.content == "héllo x"
    assert ai_chunk(merged.message).usage_metadata == {
        "input_tokens": 0,
        "output_tokens": 8,
        "total_tokens": 8,
    }


def test_constructed_chunks_share_no_mutable_state() -> None:
    usage: UsageMetadata = {"input_tokens": 0, "output_tokens": 1, "total_tokens": 1}
    a = ai_chunk(_chunks.constructed_text_chunk("a", usage.copy(), "r").message)
    b = ai_chunk(_chunks.constructed_text_chunk("b", usage.copy(), "r").message)
    a.additional_kwargs["k"] = 1
    a.response_metadata["k"] = 1
    a.tool_call_chunks.append({"name": "f", "args": "", "id": "1", "index": 0})
    assert b.additional_kwargs == {}
    assert b.response_metadata == {"model_provider": "cometgemini"}
    assert b.tool_call_chunks == [] and b.model_fields_set == a.model_fields_set
    b.model_fields_set.add("name")
    assert "name" not in a.model_fields_set


def test_a_non_string_response_id_takes_the_validated_path() -> None:
    usage: UsageMetadata = {"input_tokens": 0, "output_tokens": 1, "total_tokens": 1}
    chunk = _chunks.text_chunk("a", usage, 12345)
    assert chunk.message.id == "12345"


def test_the_safety_net_rejects_a_construction_that_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def wrong(text: str, usage: Any, response_id: str | None) -> ChatGenerationChunk:
        chunk = _chunks.validated_text_chunk(text, usage, response_id)
        chunk.message.__dict__["name"] = "not what the validator gives"
        return chunk

    monkeypatch.setattr(_chunks, "constructed_text_chunk", wrong)
    assert _chunks._construction_matches() is False


@pytest.mark.parametrize(
    "differs",
    [
        lambda text, usage, rid: rid is None,
        lambda text, usage, rid: text == "",
        lambda text, usage, rid: "input_token_details" in usage,
        lambda text, usage, rid: usage["total_tokens"] == 0,
    ],
    ids=["no response id", "empty text", "usage details", "zero usage"],
)
def test_probe_checks_every_combination_text_chunk_produces(
    monkeypatch: pytest.MonkeyPatch, differs: Any
) -> None:
    """A construction wrong in one combination only is still caught."""
    real = _chunks.constructed_text_chunk

    def wrong_once(text: str, usage: Any, response_id: str | None) -> Any:
        chunk = real(text, usage, response_id)
        if differs(text, usage, response_id):
            chunk.message.__dict__["name"] = "differs here only"
        return chunk

    monkeypatch.setattr(_chunks, "constructed_text_chunk", wrong_once)
    assert _chunks._construction_matches() is False
