"""The constructors (_chunks) build what langchain-core would build.

Every chunk the renderer gives goes through ``_chunks.chunk``, every whole
answer through ``_chunks.generation``: string content without tool call chunks
is filled in directly (behind a probe), the rest is validated. Every real
capture and recorded answer is rendered and compared with the same values
passed to langchain-core's validated constructors.
"""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk

from langchain_cometgemini._wire import chunks as _chunks
from langchain_cometgemini._wire.response import StreamState, result_from_response
from langchain_cometgemini.errors import InvalidResponseError, StreamInterruptedError
from tests.conftest import load_capture
from tests.replay.expect import all_recordings
from tests.support import ai_chunk

CAPTURES = Path(__file__).parent.parent / "data" / "captures"
UNARY = sorted(p.name for p in CAPTURES.glob("real_nonstream_*.json"))
STREAMS = sorted(
    str(p.relative_to(CAPTURES))
    for p in CAPTURES.rglob("*")
    if p.is_file() and p.name.endswith((".sse", ".jsonl", ".chunks.txt"))
)


def dump(generation: ChatGeneration) -> dict[str, Any]:
    """A chunk or a whole answer's generation, as far as a caller can tell."""
    message = generation.message
    return {
        "type": type(message).__name__,
        "message": message.model_dump(),
        "extra": (generation.model_extra, message.model_extra),
        "info": generation.generation_info,
        "text": generation.text,
        "dumpd": dumpd(message),
    }


def validated_twin(chunk: ChatGenerationChunk) -> ChatGenerationChunk:
    """The same values through langchain-core's validated constructors."""
    message = ai_chunk(chunk.message)
    return _chunks.validated_chunk(
        copy.deepcopy(message.content),
        copy.deepcopy(message.additional_kwargs),
        copy.deepcopy(message.tool_call_chunks),
        copy.deepcopy(message.response_metadata),
        copy.deepcopy(message.usage_metadata),
        message.id,
        copy.deepcopy(chunk.generation_info),
    )


def test_every_stream_capture_is_covered() -> None:
    assert len(STREAMS) >= 20


@pytest.mark.parametrize("name", STREAMS)
@pytest.mark.parametrize("output_version", [None, "v1"])
def test_rendered_chunks_equal_validated_ones(
    name: str, output_version: str | None
) -> None:
    events = load_capture(name)
    assert events
    state = StreamState(output_version=output_version)
    rendered = [c for e in events for c in state.read(e)]
    with contextlib.suppress(StreamInterruptedError):  # a capture cut short
        rendered += state.end()
    assert rendered
    for chunk in rendered:
        assert dump(chunk) == dump(validated_twin(chunk))


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


def test_plain_text_chunks_carry_usage_deltas() -> None:
    events = SYNTHETIC["usage repeats, grows, disappears"]
    state = StreamState()
    chunks = [ai_chunk(c.message) for e in events for c in state.read(e)]
    usage = [c.usage_metadata and c.usage_metadata["output_tokens"] for c in chunks]
    assert usage == [1, 0, 3, 0, 2]
    assert [c.content for c in chunks] == ["a", "b", "cd", "e", "f"]


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
          "langchain_cometgemini._wire.tools", "langchain_cometgemini._tokens",
          "langchain_cometgemini._http.fetch", "langchain_cometgemini._http.client")
          if m in sys.modules]
ChatCometGemini(api_key="k" * 12, temperature=0.5)  # built and validated
loaded += [m for m in ("langchain_cometgemini._http.client",
           "langchain_cometgemini._empty", "langchain_cometgemini._wire.response",
           "langchain_cometgemini._wire.decode") if m in sys.modules]
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
    # MediaFetchError's module loads on access, but not httpx, SSE or features;
    # a model built and validated loads neither the HTTP layer nor the answer
    # side (empty-answer policy, decoder) until its first call
    assert done.stdout.strip() == ""


def test_unknown_attribute_is_an_attribute_error() -> None:
    import langchain_cometgemini

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        langchain_cometgemini.Nope  # noqa: B018


# -- chunk construction (_chunks) -----------------------------------------------

_USAGE: UsageMetadata = {"input_tokens": 0, "output_tokens": 4, "total_tokens": 4}


def values(response_id: str | None = "r", **change: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "additional_kwargs": {},
        "tool_call_chunks": [],
        "response_metadata": {"model_provider": "cometgemini"},
        "usage": dict(_USAGE),
        "response_id": response_id,
        "generation_info": None,
    }
    return {**base, **change}


def test_string_chunks_are_filled_in_directly() -> None:
    # If langchain-core's models change, the safety net falls back; this
    # test says so, so the lost speed does not go unnoticed.
    assert _chunks.fast_construction()


@pytest.mark.parametrize("response_id", ["resp-1", None])
def test_constructed_chunk_equals_the_validated_one(response_id: str | None) -> None:
    kwargs = values(response_id)
    built = _chunks.chunk("héllo", **kwargs)
    want = validated_twin(built)
    assert built == want
    assert dump(built) == dump(want)
    assert built.model_fields_set == want.model_fields_set
    assert built.message.model_fields_set == want.message.model_fields_set
    assert dumpd(built.message) == dumpd(want.message)
    assert built.message.model_dump(exclude_unset=True) == want.message.model_dump(
        exclude_unset=True
    )
    merged = built + _chunks.chunk(" x", **values(response_id))
    assert merged.message.content == "héllo x"
    assert ai_chunk(merged.message).usage_metadata == {
        "input_tokens": 0,
        "output_tokens": 8,
        "total_tokens": 8,
    }


def test_constructed_chunks_share_no_mutable_state() -> None:
    a = ai_chunk(_chunks.chunk("a", **values()).message)
    b = ai_chunk(_chunks.chunk("b", **values()).message)
    a.additional_kwargs["k"] = 1
    a.response_metadata["k"] = 1
    a.tool_call_chunks.append({"name": "f", "args": "", "id": "1", "index": 0})
    assert b.additional_kwargs == {}
    assert b.response_metadata == {"model_provider": "cometgemini"}
    assert b.tool_call_chunks == [] and b.model_fields_set == a.model_fields_set
    b.model_fields_set.add("name")
    assert "name" not in a.model_fields_set


def test_a_non_string_response_id_takes_the_validated_path() -> None:
    chunk = _chunks.chunk("a", **values(12345))  # type: ignore[arg-type]
    assert chunk.message.id == "12345"


def test_list_content_and_tool_calls_take_the_validated_path() -> None:
    call = {
        "name": "f",
        "args": "{}",
        "id": "c1",
        "index": 0,
        "type": "tool_call_chunk",
    }
    with_call = _chunks.chunk("", **values(tool_call_chunks=[call]))
    assert ai_chunk(with_call.message).tool_calls[0]["name"] == "f"
    blocks = [{"type": "text", "text": "hi", "index": 0}]
    as_list = _chunks.chunk(blocks, **values())
    assert as_list.text == "hi"


@pytest.mark.parametrize("name", ["constructed_chunk", "constructed_generation"])
def test_the_safety_net_rejects_a_construction_that_differs(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    real = getattr(_chunks, name)

    def wrong(*args: Any) -> Any:
        built = real(*args)
        built.message.__dict__["name"] = "not what the validator gives"
        return built

    monkeypatch.setattr(_chunks, name, wrong)
    assert _chunks._construction_matches() is False


@pytest.mark.parametrize(
    "differs",
    [
        lambda text, kw, meta, usage, rid, info: rid is None,
        lambda text, kw, meta, usage, rid, info: text == "",
        lambda text, kw, meta, usage, rid, info: bool(kw),
        lambda text, kw, meta, usage, rid, info: "finish_reason" in meta,
        lambda text, kw, meta, usage, rid, info: usage is None,
        lambda text, kw, meta, usage, rid, info: bool(
            usage and "input_token_details" in usage
        ),
        lambda text, kw, meta, usage, rid, info: bool(
            usage and usage["total_tokens"] == 0
        ),
        lambda text, kw, meta, usage, rid, info: info is not None,
    ],
    ids=[
        "no response id",
        "empty text",
        "signatures",
        "finish metadata",
        "no usage",
        "usage details",
        "zero usage",
        "generation info",
    ],
)
def test_probe_checks_every_combination_the_fast_branch_gets(
    monkeypatch: pytest.MonkeyPatch, differs: Any
) -> None:
    """A construction wrong in one combination only is still caught."""
    real = _chunks.constructed_chunk

    def wrong_once(*args: Any) -> ChatGenerationChunk:
        chunk = real(*args)
        if differs(*args):
            chunk.message.__dict__["name"] = "differs here only"
        return chunk

    monkeypatch.setattr(_chunks, "constructed_chunk", wrong_once)
    assert _chunks._construction_matches() is False


def test_a_failed_probe_falls_back_to_the_validated_constructors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_chunks, "_FAST", [False])

    def never(*args: Any) -> Any:
        raise AssertionError("the fast construction was used after a failed probe")

    monkeypatch.setattr(_chunks, "constructed_chunk", never)
    monkeypatch.setattr(_chunks, "constructed_generation", never)
    events = load_capture("real_stream_text_gemini-3-pro-preview.chunks.jsonl")
    state = StreamState()
    merged = [c for e in events for c in state.read(e)] + state.end()
    assert "".join(str(c.message.content) for c in merged)
    body = json.loads((CAPTURES / UNARY[0]).read_text())
    assert result_from_response(body).generations[0].message.content


def test_slot_setters_are_pydantics_own_else_object_setattr() -> None:
    """The chunk fields are set through pydantic's slots; any other name falls back."""
    fields = _chunks._slot_setter("__pydantic_fields_set__")
    assert fields is not None
    generation = _chunks.chunk("hi", **values())
    fields(generation, {"text"})
    assert generation.model_fields_set == {"text"}

    class Plain:
        pass

    plain = Plain()
    _chunks._slot_setter("not_a_pydantic_slot")(plain, 3)
    assert plain.not_a_pydantic_slot == 3  # type: ignore[attr-defined]


# -- whole answers (invoke): the generation filled in directly -----------------


def validated_generation_twin(generation: ChatGeneration) -> ChatGeneration:
    """The same answer through langchain-core's validated constructors."""
    message = generation.message
    assert isinstance(message, AIMessage)
    return _chunks.validated_generation(
        copy.deepcopy(message.content),
        copy.deepcopy(message.additional_kwargs),
        [
            tool_call_chunk(
                name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i
            )
            for i, c in enumerate(message.tool_calls)
        ],
        copy.deepcopy(message.response_metadata),
        copy.deepcopy(message.usage_metadata),
        message.id,
        copy.deepcopy(generation.generation_info),
    )


def unary_bodies() -> list[tuple[str, dict[str, Any]]]:
    found = [(name, json.loads((CAPTURES / name).read_text())) for name in UNARY]
    found += [
        (r.name, r.events()[0])
        for r in all_recordings()
        if r.kind in ("generate", "structured") and r.events()
    ]
    return found


def test_whole_answers_are_covered() -> None:
    assert len(UNARY) >= 4
    assert len(unary_bodies()) >= 30


@pytest.mark.parametrize("output_version", [None, "v1"])
def test_whole_answers_equal_validated_ones(output_version: str | None) -> None:
    """Every real unary answer: the generation invoke returns is the one the
    validated constructors give for the same values (fast or not)."""
    direct = 0
    for name, body in unary_bodies():
        try:
            result = result_from_response(body, output_version=output_version)
        except InvalidResponseError:
            continue  # a recorded error body, not an answer
        for generation in result.generations:
            message = generation.message
            assert isinstance(message, AIMessage)
            direct += type(message.content) is str and not message.tool_calls
            want = validated_generation_twin(generation)
            assert dump(generation) == dump(want), name
            assert generation.model_fields_set == want.model_fields_set
            assert message.model_fields_set == want.message.model_fields_set
    if output_version is None:  # v1 content is a list: always validated
        assert direct >= 5  # the direct branch was taken, not only the other


@pytest.mark.parametrize("response_id", ["resp-1", None])
def test_constructed_generation_equals_the_validated_one(
    response_id: str | None,
) -> None:
    kwargs = values(response_id)
    built = _chunks.generation("héllo", **kwargs)
    assert type(built) is ChatGeneration and type(built.message) is AIMessage
    want = _chunks.validated_generation(
        "héllo",
        {},
        [],
        {"model_provider": "cometgemini"},
        dict(_USAGE),
        response_id,
        None,
    )
    assert built == want
    assert dump(built) == dump(want)
    other = _chunks.generation("x", **values(response_id))
    built.message.additional_kwargs["k"] = 1
    built.message.model_fields_set.add("name")
    assert other.message.additional_kwargs == {}
    assert "name" not in other.message.model_fields_set


def test_a_whole_answer_with_calls_takes_the_validated_path() -> None:
    call = {"name": "f", "args": '{"a": 1}', "id": "c1", "index": 0}
    nameless = {"name": None, "args": "{}", "id": "c2", "index": 1}
    built = _chunks.generation("", **values(tool_call_chunks=[call, nameless]))
    message = built.message
    assert isinstance(message, AIMessage)
    assert message.tool_calls == [
        {"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}
    ]
    assert [c["id"] for c in message.invalid_tool_calls] == ["c2"]
