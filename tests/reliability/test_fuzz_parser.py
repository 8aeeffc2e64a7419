"""Hypothesis: schema-valid Gemini responses never crash the parser.

Random ``GenerateContentResponse`` bodies (enum values from the discovery
document) go through ``result_from_response`` and random event sequences
through ``StreamState``; the only acceptable outcomes are a result or a
typed :class:`CometGeminiError`. Properties on the result: the visible text
is exactly the events' visible text, and usage deltas sum to the final counts.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessageChunk

from langchain_cometgemini._wire.response import StreamState, result_from_response
from langchain_cometgemini.errors import CometGeminiError

ENUMS: dict[str, list[str]] = json.loads(
    (Path(__file__).parents[1] / "data" / "enums.discovery.json").read_text()
)
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def enum(name: str) -> st.SearchStrategy[str]:
    values = ENUMS[name]
    values = values if isinstance(values, list) else list(values)
    return st.sampled_from(values)


text = st.text(max_size=40)
names = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3)
    ),
    max_leaves=8,
)
signature = st.binary(min_size=1, max_size=24).map(
    lambda b: base64.b64encode(b).decode()
)
b64 = st.binary(max_size=32).map(lambda b: base64.b64encode(b).decode())


def with_signature(
    part: st.SearchStrategy[dict[str, Any]],
) -> st.SearchStrategy[dict[str, Any]]:
    return st.tuples(part, st.none() | signature).map(
        lambda pair: {**pair[0], "thoughtSignature": pair[1]} if pair[1] else pair[0]
    )


text_part = st.builds(lambda t: {"text": t}, text)
thought_part = st.builds(lambda t: {"text": t, "thought": True}, text)
call_part = st.builds(
    lambda n, a, i: {
        "functionCall": {"name": n, "args": a, **({"id": i} if i else {})}
    },
    names,
    st.dictionaries(names, json_values, max_size=3),
    st.none() | names,
)
inline_part = st.builds(
    lambda m, d: {"inlineData": {"mimeType": m, "data": d}},
    st.sampled_from(
        ["image/png", "image/jpeg", "audio/wav", "application/pdf", "text/plain"]
    ),
    b64,
)
file_part = st.builds(
    lambda m, u: {"fileData": {"mimeType": m, "fileUri": u}},
    st.sampled_from(["image/png", "video/mp4"]),
    st.sampled_from(
        ["gs://b/x.png", "https://generativelanguage.googleapis.com/v1beta/files/abc"]
    ),
)
code_part = st.builds(
    lambda lang, code: {"executableCode": {"language": lang, "code": code}},
    enum("ExecutableCode.language"),
    text,
)
result_part = st.builds(
    lambda outcome, out: {"codeExecutionResult": {"outcome": outcome, "output": out}},
    enum("CodeExecutionResult.outcome"),
    text,
)
parts = st.lists(
    with_signature(
        st.one_of(
            text_part,
            thought_part,
            call_part,
            inline_part,
            file_part,
            code_part,
            result_part,
        )
    ),
    max_size=4,
)
safety = st.lists(
    st.builds(
        lambda c, p: {"category": c, "probability": p},
        enum("SafetyRating.category"),
        enum("SafetyRating.probability"),
    ),
    max_size=2,
)


extras = st.fixed_dictionaries(
    {},
    optional={
        "finishMessage": text,
        "avgLogprobs": st.floats(-10, 0),
        "tokenCount": st.integers(0, 99),
        "citationMetadata": st.just(
            {"citationSources": [{"startIndex": 0, "endIndex": 4, "uri": "https://x"}]}
        ),
        "groundingMetadata": st.just(
            {"webSearchQueries": ["q"], "groundingChunks": [{"web": {"uri": "u"}}]}
        ),
        "urlContextMetadata": st.just(
            {
                "urlMetadata": [
                    {
                        "retrievedUrl": "https://x",
                        "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS",
                    }
                ]
            }
        ),
    },
)


@st.composite
def candidate(draw: st.DrawFn, index: int, final: bool) -> dict[str, Any]:
    value: dict[str, Any] = {}
    if draw(st.integers(0, 5)):  # sometimes no content at all (e.g. SAFETY)
        value["content"] = {"role": "model", "parts": draw(parts)}
    value.update(draw(extras))
    if index or draw(st.booleans()):
        value["index"] = index
    if final:
        value["finishReason"] = draw(enum("Candidate.finishReason"))
    if draw(st.booleans()):
        value["safetyRatings"] = draw(safety)
    return value


def usage(prompt: int, produced: int, thoughts: int) -> dict[str, Any]:
    meta = {"promptTokenCount": prompt, "totalTokenCount": prompt + produced + thoughts}
    if produced:
        meta["candidatesTokenCount"] = produced
    if thoughts:
        meta["thoughtsTokenCount"] = thoughts
    return meta


@st.composite
def event_sequence(draw: st.DrawFn) -> list[dict[str, Any]]:
    """1-5 events of one stream: cumulative usage, finish on the last one."""
    count = draw(st.integers(1, 5))
    n_candidates = draw(st.integers(1, 2))
    prompt = draw(st.integers(0, 50))
    produced = thoughts = 0
    events = []
    for position in range(count):
        final = position == count - 1
        produced += draw(st.integers(0, 20))
        thoughts += draw(st.integers(0, 5))
        event: dict[str, Any] = {
            "candidates": [draw(candidate(i, final)) for i in range(n_candidates)],
            "usageMetadata": usage(prompt, produced, thoughts),
            "modelVersion": "gemini-2.5-flash",
            "responseId": "resp-1",
        }
        if final and draw(st.booleans()):
            event["promptFeedback"] = {"safetyRatings": draw(safety)}
        events.append(event)
    return events


blocked = st.builds(
    lambda reason, prompt: {
        "promptFeedback": {"blockReason": reason},
        "usageMetadata": {"promptTokenCount": prompt, "totalTokenCount": prompt},
    },
    enum("PromptFeedback.blockReason"),
    st.integers(0, 99),
)


def visible_text(events: list[dict[str, Any]]) -> str:
    return "".join(
        part["text"]
        for event in events
        for cand in event.get("candidates", [])
        if cand.get("index", 0) == 0
        for part in cand.get("content", {}).get("parts", [])
        if "text" in part and not part.get("thought")
    )


@FUZZ
@given(event_sequence())
def test_random_streams_parse_or_raise_typed(events: list[dict[str, Any]]) -> None:
    state = StreamState()
    try:
        chunks = [c for event in events for c in state.read(event)]
        chunks += state.end()
    except CometGeminiError:
        return
    message = chunks[0].message
    for chunk in chunks[1:]:
        message = message + chunk.message
    assert isinstance(message, AIMessageChunk)
    assert message.text == visible_text(events)
    final = events[-1]["usageMetadata"]
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] == final["totalTokenCount"]
    expected_out = final.get("candidatesTokenCount", 0) + final.get(
        "thoughtsTokenCount", 0
    )
    assert message.usage_metadata["output_tokens"] == expected_out
    assert (
        message.response_metadata.get("finish_reason")
        == events[-1]["candidates"][0]["finishReason"]
    )
    json.dumps(message.response_metadata)  # JSON-clean


@FUZZ
@given(event_sequence())
def test_random_bodies_parse_or_raise_typed(events: list[dict[str, Any]]) -> None:
    body = events[-1]
    try:
        result = result_from_response(body)
    except CometGeminiError:
        return
    assert result.generations
    first = result.generations[0].message
    assert first.text == visible_text([body])
    json.dumps(first.response_metadata)


@FUZZ
@given(blocked)
def test_blocked_prompts_parse(body: dict[str, Any]) -> None:
    result = result_from_response(body)
    message = result.generations[0].message
    assert message.text == ""
    assert (
        message.response_metadata["prompt_feedback"]["block_reason"]
        == body["promptFeedback"]["blockReason"]
    )


def test_null_text_part_is_tolerated() -> None:
    body = {"candidates": [{"content": {"parts": [{"text": None}]}}]}
    assert result_from_response(body).generations[0].message.text == ""
