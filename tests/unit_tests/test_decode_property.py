"""Metamorphic property: an answer streamed, merged, equals the answer invoked.

Hypothesis builds whole ``generateContent`` answers from every part kind
Google's discovery document defines for a model turn (text, thought, function
calls with and without ids, inline and file data, executable code and its
result, server-side ``toolCall`` / ``toolResponse``), with usage (with and
without details), grounding, URL context, citations, logprobs, finish reasons
and messages, safety ratings, several candidates and fields the package does
not know. Each answer is then cut into stream events the way Gemini cuts them:
text and thoughts split at any character, function-call arguments streamed as
``partialArgs``, usage repeated as growing totals, grounding and logprobs lists
spread over the events, finish data on the last answer event, sometimes a
trailing usage-only event.

The stream, read as ``ChatCometGemini`` reads one and merged as LangChain
merges one, must equal the invoked answer: content, text, reasoning, tool
calls, usage, every ``response_metadata`` key, ``.content_blocks`` (v0 and v1)
and the request the message makes on the next turn (parts, order, signatures).

CI runs a fixed set of examples (``derandomize``); set
``COMETGEMINI_PROPERTY_EXAMPLES`` to run more, freshly drawn ones.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessage, HumanMessage

from langchain_cometgemini._wire.messages import convert_messages
from langchain_cometgemini._wire.response import StreamState, result_from_response

DATA = Path(__file__).parents[1] / "data"
ENUMS = json.loads((DATA / "enums.discovery.json").read_text())
FINISH_REASONS = [r for r in ENUMS["Candidate.finishReason"] if r != "STOP"]

_EXAMPLES = os.environ.get("COMETGEMINI_PROPERTY_EXAMPLES")
SETTINGS = settings(
    max_examples=int(_EXAMPLES) if _EXAMPLES else 100,
    derandomize=not _EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MODEL_PART_KINDS = frozenset(
    {
        "text",
        "functionCall",
        "inlineData",
        "fileData",
        "executableCode",
        "codeExecutionResult",
        "toolCall",
        "toolResponse",
    }
)
"""Part kinds a model turn holds (``functionResponse`` is the caller's)."""

# -- whole answers -------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    min_size=1,
    max_size=12,
)
SIGNATURE = st.sampled_from(["c2lnQQ==", "c2lnQg==", "c2lnQw==", "c2lnRA=="])
WORD = st.sampled_from(["alpha", "beta", "gamma", "delta"])
MIME = st.sampled_from(
    ["image/png", "audio/L16;codec=pcm;rate=24000", "video/mp4", "application/pdf"]
)


@st.composite
def _part(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(MODEL_PART_KINDS) + ["thought"]))
    part: dict[str, Any]
    if kind in ("text", "thought"):
        part = {"text": draw(TEXT)}
        if kind == "thought":
            part["thought"] = True
    elif kind == "functionCall":
        call: dict[str, Any] = {
            "name": draw(WORD),
            "args": draw(st.dictionaries(WORD, TEXT, max_size=2)),
        }
        if draw(st.booleans()):
            call["id"] = f"call-{draw(st.integers(0, 9999))}"
        part = {"functionCall": call}
    elif kind == "inlineData":
        blob = {"mimeType": draw(MIME), "data": draw(st.sampled_from(["AAEC", "iVBO"]))}
        part = {"inlineData": blob}
        if draw(st.booleans()):
            part["mediaResolution"] = {"level": "MEDIA_RESOLUTION_HIGH"}
    elif kind == "fileData":
        part = {"fileData": {"fileUri": "gs://b/f.pdf", "mimeType": "application/pdf"}}
    elif kind == "executableCode":
        part = {"executableCode": {"code": draw(TEXT), "language": "PYTHON"}}
    elif kind == "codeExecutionResult":
        outcome = draw(st.sampled_from(ENUMS["CodeExecutionResult.outcome"]))
        part = {"codeExecutionResult": {"outcome": outcome, "output": draw(TEXT)}}
    elif kind == "toolCall":
        tool = {"toolType": "GOOGLE_SEARCH_WEB", "args": {"queries": [draw(WORD)]}}
        part = {"toolCall": {**tool, "id": "srv-1"}}
    else:
        result = {"toolType": "URL_CONTEXT", "response": {"ok": draw(WORD)}}
        part = {"toolResponse": {**result, "id": "srv-1"}}
    if draw(st.integers(0, 3)) == 0:
        part["thoughtSignature"] = draw(SIGNATURE)
    return part


def _distinct(items: st.SearchStrategy[Any], size: int = 3) -> Any:
    return st.lists(items, min_size=1, max_size=size, unique_by=json.dumps)


GROUNDING = st.fixed_dictionaries(
    {
        "webSearchQueries": _distinct(WORD),
        "groundingChunks": _distinct(
            st.builds(lambda w: {"web": {"uri": f"https://x/{w}", "title": w}}, WORD)
        ),
        "groundingSupports": _distinct(
            st.builds(
                lambda n: {
                    "segment": {"startIndex": 0, "endIndex": n},
                    "groundingChunkIndices": [0],
                },
                st.integers(1, 9),
            )
        ),
    },
    optional={"searchEntryPoint": st.just({"renderedContent": "<div/>"})},
)
LOGPROBS = st.fixed_dictionaries(
    {
        "chosenCandidates": st.lists(
            st.builds(lambda w: {"token": w, "logProbability": -1.0}, WORD),
            min_size=1,
            max_size=3,
        ),
        "logProbabilitySum": st.just(-2.0),
    }
)
USAGE = st.fixed_dictionaries(
    {
        "promptTokenCount": st.integers(0, 50),
        "candidatesTokenCount": st.integers(0, 50),
    },
    optional={
        "thoughtsTokenCount": st.integers(0, 50),
        "cachedContentTokenCount": st.integers(0, 20),
        "toolUsePromptTokenCount": st.integers(0, 20),
        "promptTokensDetails": st.just([{"modality": "AUDIO", "tokenCount": 3}]),
        "serviceTier": st.just("standard"),
    },
)


@st.composite
def _candidate(draw: st.DrawFn, position: int) -> dict[str, Any]:
    parts = draw(st.lists(_part(), min_size=1, max_size=6))
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
    candidate["finishReason"] = draw(
        st.one_of(st.just("STOP"), st.sampled_from(FINISH_REASONS))
    )
    optional = {
        "finishMessage": TEXT,
        "groundingMetadata": GROUNDING,
        "urlContextMetadata": st.builds(
            lambda ws: {
                "urlMetadata": [{"retrievedUrl": f"https://u/{w}"} for w in ws]
            },
            _distinct(WORD),
        ),
        "citationMetadata": st.builds(
            lambda ws: {"citationSources": [{"uri": f"https://c/{w}"} for w in ws]},
            _distinct(WORD),
        ),
        "logprobsResult": LOGPROBS,
        "avgLogprobs": st.just(-0.5),
        "safetyRatings": st.just([{"category": "HARM_CATEGORY_HATE_SPEECH"}]),
        "tokenCount": st.integers(0, 9),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            candidate[key] = draw(strategy)
    candidate["index"] = position
    return candidate


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 2))
    candidates = [draw(_candidate(i)) for i in range(count)]
    ids = iter(range(1000))
    for candidate in candidates:  # Gemini never repeats a call id
        for part in candidate["content"]["parts"]:
            if "id" in part.get("functionCall", {}):
                part["functionCall"]["id"] = f"call-{next(ids)}"
    if count == 1 and draw(st.booleans()):
        del candidates[0]["index"]
    answer: dict[str, Any] = {
        "candidates": candidates,
        "modelVersion": "gemini-3-flash-preview",
        "responseId": "resp-1",
    }
    if draw(st.booleans()):
        answer["usageMetadata"] = draw(USAGE)
    if draw(st.booleans()):
        answer["createTime"] = "2026-01-01T00:00:00Z"
    if draw(st.booleans()):
        answer["modelStatus"] = {"modelStage": "PREVIEW"}
    if draw(st.booleans()):
        answer["promptFeedback"] = {"safetyRatings": [{"category": "X"}]}
    return answer


# -- cut into stream events -----------------------------------------------------


def _cut_text(draw: st.DrawFn, part: dict[str, Any]) -> list[dict[str, Any]]:
    text = part["text"]
    if "thoughtSignature" in part or len(text) < 2:
        return [part]
    cuts = sorted(draw(st.sets(st.integers(1, len(text) - 1), max_size=3)))
    bounds = [0, *cuts, len(text)]
    return [{**part, "text": text[a:b]} for a, b in itertools.pairwise(bounds)]


def _cut_call(draw: st.DrawFn, part: dict[str, Any]) -> list[dict[str, Any]]:
    call = part["functionCall"]
    if not call["args"] or not draw(st.booleans()):
        return [part]
    head = {k: v for k, v in call.items() if k != "args"}
    pieces = [{**part, "functionCall": {**head, "willContinue": True}}]
    for key, value in call["args"].items():
        cut = draw(st.integers(0, len(value)))
        for chunk in (value[:cut], value[cut:]):
            piece = {"jsonPath": f"$.{key}", "stringValue": chunk}
            partial = {"partialArgs": [piece], "willContinue": True}
            pieces.append({"functionCall": partial})
    pieces.append({"functionCall": {}})
    return pieces


def _pieces(draw: st.DrawFn, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in parts:
        if "text" in part:
            out += _cut_text(draw, part)
        elif "functionCall" in part:
            out += _cut_call(draw, part)
        else:
            out.append(part)
    return out


def _spread(draw: st.DrawFn, items: list[Any], events: int) -> list[list[Any]]:
    """``items`` in order over ``events`` consecutive groups (some empty)."""
    marks = sorted(draw(st.lists(st.integers(0, len(items)), min_size=events - 1)))
    bounds = [0, *marks[: events - 1], len(items)]
    return [items[a:b] for a, b in itertools.pairwise(bounds)]


_SPREAD_LISTS = {
    "groundingMetadata": ("webSearchQueries", "groundingChunks", "groundingSupports"),
    "urlContextMetadata": ("urlMetadata",),
    "citationMetadata": ("citationSources",),
    "logprobsResult": ("chosenCandidates",),
}
_LAST_ONLY = {"searchEntryPoint", "logProbabilitySum"}


def _candidate_events(
    draw: st.DrawFn, candidate: dict[str, Any], events: int
) -> list[dict[str, Any]]:
    pieces = _pieces(draw, candidate["content"]["parts"])
    groups = _spread(draw, pieces, events)
    out: list[dict[str, Any]] = [
        {"content": {"role": "model", "parts": g}} for g in groups
    ]
    if "index" in candidate:
        for item in out:
            item["index"] = candidate["index"]
    for key, lists in _SPREAD_LISTS.items():
        if key not in candidate:
            continue
        spread: dict[str, list[list[Any]]] = {
            f: _spread(draw, candidate[key][f], events) for f in lists
        }
        for i, item in enumerate(out):
            value: dict[str, Any] = {f: spread[f][i] for f in lists if spread[f][i]}
            if i == events - 1:
                value.update(
                    {f: v for f, v in candidate[key].items() if f in _LAST_ONLY}
                )
            if value:
                item[key] = value
    last = out[-1]
    for key in ("finishReason", "finishMessage", "avgLogprobs", "safetyRatings"):
        if key in candidate:
            last[key] = candidate[key]
    if "tokenCount" in candidate:
        out[0]["tokenCount"] = candidate["tokenCount"]
    return out


def _growing_usage(final: dict[str, Any], events: int) -> list[dict[str, Any] | None]:
    counts = {k: v for k, v in final.items() if isinstance(v, int)}
    out: list[dict[str, Any] | None] = []
    for i in range(1, events):
        out.append({k: v * i // events for k, v in counts.items()})
    return [*out, final]


@st.composite
def streams(draw: st.DrawFn, answer: dict[str, Any]) -> list[dict[str, Any]]:
    events = draw(st.integers(1, 4))
    per_candidate = [_candidate_events(draw, c, events) for c in answer["candidates"]]
    top = {k: v for k, v in answer.items() if k in ("modelVersion", "responseId")}
    if "createTime" in answer:
        top["createTime"] = answer["createTime"]
    out = []
    usage = answer.get("usageMetadata")
    growing = _growing_usage(usage, events) if usage else [None] * events
    for i in range(events):
        event: dict[str, Any] = {
            "candidates": [c[i] for c in per_candidate],
            **top,
        }
        if growing[i] is not None and (i == events - 1 or draw(st.booleans())):
            event["usageMetadata"] = growing[i]
        out.append(event)
    for key in ("modelStatus", "promptFeedback"):
        if key in answer:
            out[0][key] = answer[key]
    if usage and draw(st.booleans()):  # the usage comes after the finish event
        del out[-1]["usageMetadata"]
        out.append({"usageMetadata": usage, **top})
    return out


# -- reading both ways ----------------------------------------------------------

_GENERATED = re.compile(r"^lc_([0-9a-f]{24}|[0-9a-f-]{36})$")


def _masked(value: Any) -> Any:
    """``value`` with invented ids (tool calls, citations) made equal."""
    if isinstance(value, str):
        return "lc_*" if _GENERATED.match(value) else value
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {_masked(k): _masked(v) for k, v in value.items()}
    return value


def _invoked(answer: dict[str, Any], version: str | None) -> AIMessage:
    result = result_from_response(copy.deepcopy(answer), output_version=version)
    message = result.generations[0].message
    assert isinstance(message, AIMessage)
    return message


def _streamed(events: list[dict[str, Any]], version: str | None) -> AIMessage:
    state = StreamState(output_version=version)
    chunks = [c for e in events for c in state.read(copy.deepcopy(e))]
    chunks += state.end()
    message = generate_from_stream(iter(chunks)).generations[0].message
    assert isinstance(message, AIMessage)
    return message


def view(message: AIMessage) -> dict[str, Any]:
    """What must agree: the message, its content blocks, the next turn sent."""
    _, contents = convert_messages(
        [HumanMessage("hi"), message, HumanMessage("next")],
        model="gemini-3-flash-preview",
    )
    view: dict[str, Any] = _masked(
        {
            "content": message.content,
            "text": message.text,
            "additional_kwargs": message.additional_kwargs,
            "response_metadata": message.response_metadata,
            "tool_calls": message.tool_calls,
            "invalid_tool_calls": message.invalid_tool_calls,
            "usage_metadata": message.usage_metadata,
            "id": message.id,
            "content_blocks": message.content_blocks,
            "next_turn": contents,
        }
    )
    return view


@st.composite
def answer_and_stream(draw: st.DrawFn) -> tuple[dict[str, Any], list[Any]]:
    answer = draw(answers())
    return answer, draw(streams(answer))


@SETTINGS
@given(case=answer_and_stream(), version=st.sampled_from([None, "v1"]))
def test_a_streamed_answer_merges_into_the_invoked_one(
    case: tuple[dict[str, Any], list[dict[str, Any]]], version: str | None
) -> None:
    answer, events = case
    assert view(_streamed(events, version)) == view(_invoked(answer, version))


def test_the_answers_cover_every_part_kind_of_a_model_turn() -> None:
    part = json.loads((DATA / "discovery.Part.json").read_text())["Part"]
    modifiers = {"thought", "thoughtSignature", "videoMetadata", "partMetadata"}
    fields = set(part["properties"])
    kinds = fields - modifiers - {"mediaResolution", "functionResponse"}
    assert kinds == MODEL_PART_KINDS
