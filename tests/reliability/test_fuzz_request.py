"""Property: every input becomes a body Gemini accepts, carrying all it was given.

Generated: conversations of every LangChain message type (v0 and v1 blocks,
OpenAI / Anthropic histories with their reasoning and media, tool results of
every shape, any unicode, lone surrogates now and then), tools in every
LangChain form bound or per call, ``tool_choice`` variants, structured output
(every method), generation fields good and bad, several model families.

Each example runs through invoke, stream, ainvoke and astream against the
emulator on 127.0.0.1. Every style must either

- send a body that ``tests.discovery`` (built from Google's discovery
  document) accepts, that is the same for all styles that sent, and that
  carries every visible text, system text, media byte or URL, tool call and
  tool result of the input, in order, and no thought signature it did not
  give (only Gemini's documented placeholder); or
- raise ``ValueError`` / ``TypeError`` (or a package error) before anything
  reached the server.

CI runs a fixed set of examples (``derandomize``); ``FUZZ_EXAMPLES=2000`` runs
more.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import Runnable
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._json import loads
from langchain_cometgemini._wire.constants import MODEL_PROVIDER
from langchain_cometgemini._wire.messages import SKIP_SIGNATURE
from langchain_cometgemini.errors import CometGeminiError
from langchain_cometgemini.testing import GeminiEmulator
from tests.discovery import violations
from tests.support import make_model

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=EXAMPLES <= 150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(40))).decode()
WAV = base64.b64encode(b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x01" * 20).decode()
PDF = base64.b64encode(b"%PDF-1.4 " + b"\x02" * 30).decode()
MODELS = [
    "gemini-3-flash-preview",
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "gemini-2.0-flash",
    "gemini-3-pro-preview",
    "gemini-3.8-flash",
    "gemini-3.6-flash",
]

# -- text ----------------------------------------------------------------------


def rare(
    good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], one_in: int = 25
) -> Any:
    """``bad`` in about one draw of ``one_in``: most examples reach the wire."""
    pick = st.integers(0, 10**6).map(lambda n: n % one_in == 7)  # shrinks to good
    return pick.flatmap(lambda is_bad: bad if is_bad else good)


plain = st.text(max_size=12)
surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
words = rare(
    plain, st.builds(lambda a, s, b: a + s + b, plain, surrogate, plain), one_in=150
)
names = rare(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True) | st.just("ns:get.w-2"),
    st.sampled_from(["Get Weather Now", "naïve", "x" * 129]),
)
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(), plain
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(plain, inner, max_size=3)
    ),
    max_leaves=8,
)


def nested(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth):
        value = {"a": value}
    return value


args = rare(st.dictionaries(names, json_value, max_size=3), st.just(nested(200)))

# -- blocks ----------------------------------------------------------------------


@dataclass(frozen=True)
class Media:
    """A media block and what must reach the wire (base64 data or a URI)."""

    block: dict[str, Any]
    sent: str


resolution = rare(st.sampled_from([None, "low", "high", "ultra_high"]), st.just("x"))


def _with_options(block: dict[str, Any], level: str | None) -> dict[str, Any]:
    return block if level is None else {**block, "media_resolution": level}


media = st.one_of(
    st.builds(
        lambda r: Media(
            _with_options(
                {"type": "image", "base64": PNG, "mime_type": "image/png"}, r
            ),
            PNG,
        ),
        resolution,
    ),
    st.just(
        Media(
            {
                "type": "image",
                "source_type": "base64",
                "data": PNG,
                "mime_type": "image/png",
            },
            PNG,
        )
    ),
    st.just(
        Media(
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
            PNG,
        )
    ),
    st.just(
        Media(
            {"type": "image", "url": "https://example.com/cat.png"},
            "https://example.com/cat.png",
        )
    ),
    st.just(
        Media(
            {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}}, WAV
        )
    ),
    st.just(
        Media(
            {
                "type": "file",
                "file": {"file_data": f"data:application/pdf;base64,{PDF}"},
            },
            PDF,
        )
    ),
    st.just(
        Media(
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": PNG},
            },
            PNG,
        )
    ),
    st.just(
        Media(
            {"type": "file", "file_id": "files/abc123", "mime_type": "application/pdf"},
            "https://generativelanguage.googleapis.com/v1beta/files/abc123",
        )
    ),
    st.just(
        Media(
            {
                "type": "image",
                "source_type": "url",
                "url": "gs://bucket/cat.png",
                "mime_type": "image/png",
            },
            "gs://bucket/cat.png",
        )
    ),
    st.just(
        Media(
            {
                "type": "document",
                "source": {
                    "type": "base64",
                    "media_type": "application/pdf",
                    "data": PDF,
                },
            },
            PDF,
        )
    ),
    st.just(
        Media(
            {"type": "media", "mime_type": "audio/wav", "data": WAV},
            WAV,
        )
    ),
    st.just(
        Media(
            {
                "type": "video",
                "url": "https://example.com/v.mp4",
                "video_metadata": {"start_offset": 1, "end_offset": 2.5},
            },
            "https://example.com/v.mp4",
        )
    ),
)


@dataclass(frozen=True)
class Block:
    """A content block, the visible text it carries and its media."""

    value: Any
    text: str = ""
    media: tuple[str, ...] = ()


signatures = rare(st.just(None), st.just("not base64!"))
"""A well-formed signature Gemini did not issue is refused by the server
("Corrupted thought signature"): no client can tell, so none is generated."""


def _text_block(text: str, signature: str | None) -> Block:
    block: dict[str, Any] = {"type": "text", "text": text}
    if signature:
        block["extras"] = {"signature": signature}
    return Block(block, text)


text_blocks = st.one_of(
    st.builds(lambda t: Block(t, t), words),
    st.builds(_text_block, words, signatures),
    st.builds(
        lambda t: Block(
            {"type": "text-plain", "text": t, "mime_type": "text/plain"}, t
        ),
        words,
    ),
)
hostile_blocks = st.sampled_from(
    [
        Block({"type": "text", "text": None}),
        Block({"type": "mystery"}),
        Block({"type": "executable_code", "executable_code": "1", "language": "js"}),
        Block({"type": "image", "base64": "not base64!", "mime_type": "image/png"}),
        Block({"type": "image", "base64": PNG, "mime_type": 5}),
        Block({"type": "non_standard", "value": {"foo": 1}}),
        Block({"type": "code_execution_result", "output": "1", "outcome": "weird"}),
        Block(
            {
                "type": "video",
                "base64": PNG,
                "mime_type": "video/mp4",
                "video_metadata": {"fps": "x"},
            }
        ),
    ]
)
other_blocks = st.one_of(
    st.builds(lambda t: Block({"type": "reasoning", "reasoning": t}), words),
    st.builds(lambda t: Block({"type": "thinking", "thinking": t}), words),
    st.builds(
        lambda c, lang: Block(
            {"type": "executable_code", "executable_code": c, "language": lang}
        ),
        plain,
        st.sampled_from(["python", "PYTHON"]),
    ),
    st.builds(lambda c: Block({"type": "executable_code", "code": c}), plain),
    st.builds(
        lambda o: Block({"type": "code_execution_result", "code_execution_result": o}),
        plain,
    ),
    st.builds(
        lambda c: Block(
            {
                "type": "server_tool_call",
                "name": "code_interpreter",
                "args": {"code": c},
                "id": "s1",
            }
        ),
        plain,
    ),
    st.builds(
        lambda o: Block(
            {
                "type": "server_tool_result",
                "tool_call_id": "s1",
                "output": o,
                "extras": {"outcome": 1},
                "status": "success",
            }
        ),
        plain,
    ),
    st.builds(
        lambda n: Block({"type": "tool_call", "name": n, "args": {}, "id": "x"}), names
    ),
)
blocks = rare(
    st.one_of(
        text_blocks,
        text_blocks,
        st.builds(lambda m: Block(m.block, media=(m.sent,)), media),
        other_blocks,
    ),
    hostile_blocks,
)
contents = st.one_of(
    st.builds(lambda t: [Block(t, t)], words),
    st.lists(blocks, max_size=4),
)


def content_of(items: list[Block]) -> str | list[Any]:
    if len(items) == 1 and isinstance(items[0].value, str):
        return str(items[0].value)
    return [item.value for item in items]


# -- messages --------------------------------------------------------------------


@dataclass
class Expected:
    """What the body must carry, in order."""

    system: str = ""
    text: str = ""
    media: list[str] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    results: list[list[Any]] = field(default_factory=list)


@dataclass
class Case:
    messages: list[BaseMessage]
    expected: Expected


_FOREIGN_KEPT = (
    "text",
    "text-plain",
    "image",
    "image_url",
    "input_audio",
    "file",
    "video",
    "document",
)


def _foreign_kept(value: Any) -> bool:
    """What Gemini takes from another provider's reply: text, media by data or URL."""
    if not isinstance(value, dict):
        return True
    return value.get("type") in _FOREIGN_KEPT and "file_id" not in value


HOSTILE_KWARGS: list[dict[str, Any]] = [
    {"__gemini_text_thought_signatures__": [{"offset": "x", "signature": "QQ=="}]},
    {"__gemini_text_thought_signatures__": 5},
    {"__gemini_function_call_thought_signatures__": ["a"]},
    {"__gemini_function_call_thought_signatures__": {"call_1": "not base64!"}},
]
"""Signature records a caller damaged (a valid one Gemini did not issue would
be refused by the server, which no client can tell)."""


@st.composite
def ai_turn(draw: st.DrawFn, case: Case, counter: list[int]) -> None:
    provider = draw(st.sampled_from([None, MODEL_PROVIDER, "openai", "anthropic"]))
    items = draw(contents)
    foreign = provider in ("openai", "anthropic")
    calls = []
    for _ in range(draw(st.integers(0, 2))):
        counter[0] += 1
        calls.append(
            {
                "name": draw(names),
                "args": draw(args),
                "id": f"call_{counter[0]}",
                "type": "tool_call",
            }
        )
    metadata = {"model_provider": provider} if provider else {}
    kwargs = draw(rare(st.just({}), st.sampled_from(HOSTILE_KWARGS)))
    message = AIMessage(
        content=content_of(items),
        tool_calls=calls,
        response_metadata=metadata,
        additional_kwargs=kwargs,
    )
    case.messages.append(message)
    for item in items:
        if foreign and not _foreign_kept(item.value):
            continue  # another provider's reasoning, code, file ids: not for Gemini
        case.expected.text += item.text
        case.expected.media += list(item.media)
    case.expected.calls += [(c["name"], c["args"]) for c in calls]
    for call in calls:
        result, carried = draw(tool_results)
        status = draw(st.sampled_from(["success", "error"]))
        case.messages.append(
            ToolMessage(content=result, tool_call_id=call["id"], status=status)
        )
        case.expected.results.append(carried)


result_block = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, words),
    st.builds(lambda v: {"type": "json", "json": v}, json_value),
    st.builds(lambda v: {"type": "non_standard", "value": {"raw": v}}, json_value),
    st.builds(
        lambda t: {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": t},
        },
        plain,
    ),
)
tool_results = st.one_of(
    st.builds(lambda t: (t, [t]), words | st.sampled_from(["NaN", "1e400", "[[1]]"])),
    st.builds(lambda v: (json.dumps(v), [json.dumps(v)]), json_value),
    st.builds(
        lambda items: (items, items),
        st.lists(result_block, min_size=1, max_size=3),
    ),
    st.builds(lambda m: ([m.block], [m]), media),
)


@st.composite
def conversations(draw: st.DrawFn) -> Case:
    case = Case([], Expected())
    counter = [0]
    if draw(st.booleans()):
        system = draw(st.lists(text_blocks, max_size=2))
        case.messages.append(SystemMessage(content=content_of(system)))
        case.expected.system = "".join(b.text for b in system)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["human", "human", "ai", "chat", "function"]))
        if kind == "ai":
            draw(ai_turn(case, counter))
            continue
        if kind == "function":
            result, carried = draw(tool_results)
            name = draw(names)
            case.messages.append(FunctionMessage(content=result, name=name))
            case.expected.results.append(carried)
            continue
        items = draw(contents)
        if kind == "chat":
            role = draw(rare(st.sampled_from(["user", "assistant"]), st.just("tool")))
            case.messages.append(ChatMessage(role=role, content=content_of(items)))
        else:
            case.messages.append(HumanMessage(content=content_of(items)))
        case.expected.text += "".join(b.text for b in items)
        case.expected.media += [m for b in items for m in b.media]
    return case


# -- tools, structured output, fields ----------------------------------------------


class Node(BaseModel):
    """A tree node (a recursive schema)."""

    label: str
    children: list[Node] = []


class GetWeather(BaseModel):
    """Get the weather."""

    city: str = Field(description="City")


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def multiply(x: float, y: float) -> float:
    """Multiply two numbers."""
    return x * y


class Search(TypedDict):
    """Search the web."""

    query: Annotated[str, ..., "What to look for"]


LOOKUP: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Look up.",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
}
BAD_TOOLS: list[Any] = [
    {"title": "Get Weather Now", "type": "object", "properties": {}}
]
TOOLS: list[Any] = [
    GetWeather,
    Node,
    multiply,
    Search,
    add,
    LOOKUP,
    {"functionDeclarations": [{"name": "native", "description": "n"}]},
    {"name": "root_any", "parameters": {"anyOf": [{"type": "object"}]}},
    {"google_search": {}},
    {"code_execution": {}},
    {"google_maps": {"latitude": 48.8, "longitude": 2.3}},
    {"url_context": {}},
]
CHOICES: list[Any] = [
    None,
    "auto",
    "any",
    "none",
    "required",
    True,
    "validated",
    "GetWeather",
    ["add", "lookup"],
    {"type": "function", "function": {"name": "add"}},
    {"type": "function", "function": "add"},
    {"type": "tool", "name": "add"},
    {"type": "any"},
    {"function_calling_config": {"mode": "any"}},
]
BAD_CHOICES: list[Any] = [
    5,
    "missing",
    {"type": "nonsense"},
    {"function_calling_config": {"mode": "SOMETIMES"}},
]
FIELDS: dict[str, tuple[list[Any], list[Any]]] = {
    "temperature": ([0.2, "0.5"], ["hot", float("nan"), 2.5]),
    "top_k": ([3], [2.5, 2**40]),
    "top_p": ([0.9], [2, float("inf")]),
    "stop": ([["x"], "end"], [[5], 5, ["s"] * 6]),
    "seed": ([7, -(2**31)], [2**40]),
    "candidate_count": ([1, 2], ["two"]),
    "max_output_tokens": ([64], [-1.5, 2**40]),
    "logprobs": ([2], [21]),
    "response_logprobs": ([True], []),
    "presence_penalty": ([0.3], ["high"]),
    "thinking_level": (["low", "high"], ["minimal", "extreme"]),
    "thinking_budget": ([256, 0], ["abc"]),
    "reasoning_effort": (["low", "high"], ["minimal"]),
    "include_thoughts": ([True, False], []),
    "thinking_config": (
        [{"include_thoughts": True}, None, {"thinkingLevel": "low"}],
        [{"thinking_budget": 512}],
    ),
    "generation_config": (
        [{"thinking_config": None}, {"top_k": 4}, {"presencePenalty": 0.1}],
        [5, {"temperature": "hot"}, {"topK": 2.5}],
    ),
    "response_modalities": (["TEXT", ["TEXT", "IMAGE"]], [["SMELL"]]),
    "media_resolution": (["low", "high"], ["ultra_high", "foo"]),
    "response_mime_type": (["application/json", "text/plain"], []),
    "response_json_schema": ([{"type": "object"}, GetWeather], [5]),
    "response_schema": ([{"type": "object"}], ["x"]),
    "safety_settings": (
        [
            {"HARASSMENT": "OFF"},
            [{"category": "HATE_SPEECH", "threshold": "BLOCK_NONE"}],
        ],
        [[{"cat": "HARASSMENT", "threshold": "OFF"}]],
    ),
    "service_tier": (["flex", "standard"], ["cheap"]),
    "tool_schema_format": (["openapi", "json_schema"], ["yaml"]),
    "response_format": (
        [
            {"type": "json_object"},
            {
                "type": "json_schema",
                "json_schema": {
                    "schema": {
                        "type": "object",
                        "properties": {"a": {"type": "integer"}},
                    }
                },
            },
        ],
        [{"type": "xml"}],
    ),
}
CALL_ONLY = {"response_json_schema", "response_schema", "response_format"}
"""Not generated: ``stream_function_call_arguments`` (a Vertex AI field the
package sends only when asked; Google's discovery document does not list it)."""


Method = Literal["json_schema", "function_calling", "json_mode"]


@dataclass
class Setup:
    model: str
    fields: dict[str, Any]
    per_call: dict[str, Any]
    tools: list[Any]
    choice: Any
    structured: Method | None

    def runnable(
        self, emu: GeminiEmulator
    ) -> tuple[Runnable[Any, Any], dict[str, Any]]:
        llm: ChatCometGemini = make_model(
            emu, model=self.model, media_fetch="pass_through", **self.fields
        )
        kwargs = dict(self.per_call)
        if self.structured:
            schema: Any = GetWeather if self.tools else GetWeather.model_json_schema()
            chain = llm.with_structured_output(schema, method=self.structured)
            bound = chain.first  # type: ignore[attr-defined]
            return bound, kwargs
        if self.tools and self.choice == "per call":
            kwargs["tools"] = self.tools
            return llm, kwargs
        if self.tools:
            return llm.bind_tools(self.tools, tool_choice=self.choice), kwargs
        return llm, kwargs


@st.composite
def setups(draw: st.DrawFn) -> Setup:
    chosen = draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=3, unique=True))
    values = {}
    for name in chosen:
        good, bad = FIELDS[name]
        values[name] = draw(rare(st.sampled_from(good), st.sampled_from(bad or good)))
    per_call = {
        k: v for k, v in values.items() if k in CALL_ONLY or draw(st.booleans())
    }
    fields = {k: v for k, v in values.items() if k not in per_call}
    tool = rare(st.sampled_from(TOOLS), st.sampled_from(BAD_TOOLS))
    tools = draw(st.lists(tool, max_size=3, unique_by=id))
    choice = draw(
        rare(st.sampled_from([*CHOICES, "per call"]), st.sampled_from(BAD_CHOICES))
    )
    if isinstance(choice, (str, list, dict)) and choice != "per call":
        wanted = {"GetWeather": GetWeather, "add": add, "lookup": LOOKUP}
        for name, value in wanted.items():
            if name in json.dumps(choice) and value not in tools:
                tools.append(value)
    methods: list[Method | None] = [None, None, None, *get_args(Method)]
    structured = draw(st.sampled_from(methods))
    return Setup(
        draw(st.sampled_from(MODELS)), fields, per_call, tools, choice, structured
    )


# -- checks ------------------------------------------------------------------------


def _visible(part: dict[str, Any]) -> str:
    if "text" in part and not part.get("thought"):
        return str(part["text"])
    return ""


def _parts(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for content in body["contents"]:
        yield from content["parts"]


def _media(part: dict[str, Any]) -> Iterator[str]:
    if "inlineData" in part:
        yield part["inlineData"]["data"]
    if "fileData" in part:
        yield part["fileData"]["fileUri"]
    for inner in (part.get("functionResponse") or {}).get("parts", []):
        yield from _media(inner)


def _leaves(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)


def _carried(item: Any, response: Any) -> bool:
    if isinstance(item, Media):
        return True  # media are checked with the others
    leaves = list(_leaves(response))
    candidates = [item]
    if isinstance(item, dict) and item.get("type") == "text":
        candidates = [item["text"]]
    elif isinstance(item, dict) and item.get("type") == "json":
        candidates = [item["json"]]
    elif isinstance(item, dict) and item.get("type") == "non_standard":
        candidates = [item["value"]]
    elif isinstance(item, dict) and item.get("type") == "document":
        candidates = [item["source"]["data"]]
    if isinstance(candidates[0], str):
        try:
            candidates.append(loads(candidates[0]))
        except ValueError:
            pass
    text = json.dumps(response, ensure_ascii=False)
    for candidate in candidates:
        if candidate == "" or candidate in leaves:
            return True
        if (
            isinstance(candidate, str)
            and json.dumps(candidate, ensure_ascii=False)[1:-1] in text
        ):
            return True
    return False


def check_body(body: dict[str, Any], expected: Expected) -> None:
    found = violations(body)
    assert not found, f"the API would refuse: {found}\n{json.dumps(body)[:2000]}"
    system = "".join(
        _visible(p) for p in (body.get("systemInstruction") or {}).get("parts", [])
    )
    assert system == expected.system
    parts = list(_parts(body))
    assert "".join(_visible(p) for p in parts) == expected.text
    media_sent = [m for p in parts for m in _media(p)]
    assert sorted(media_sent) == sorted(expected.media + _result_media(expected))
    signatures = {p["thoughtSignature"] for p in parts if "thoughtSignature" in p}
    assert signatures <= {SKIP_SIGNATURE}, f"invented signatures: {signatures}"
    calls = [
        (p["functionCall"]["name"], p["functionCall"]["args"])
        for p in parts
        if "functionCall" in p
    ]
    assert calls == expected.calls
    responses = [
        p["functionResponse"]["response"] for p in parts if "functionResponse" in p
    ]
    assert len(responses) == len(expected.results)
    for response, items in zip(responses, expected.results, strict=True):
        for item in items:
            assert _carried(item, response), f"{item!r} not in {response!r}"


def _result_media(expected: Expected) -> list[str]:
    return [i.sent for items in expected.results for i in items if isinstance(i, Media)]


STYLES: dict[
    str, Callable[[Runnable[Any, Any], list[BaseMessage], dict[str, Any]], Any]
] = {
    "invoke": lambda r, m, k: r.invoke(m, **k),
    "stream": lambda r, m, k: list(r.stream(m, **k)),
    "ainvoke": lambda r, m, k: asyncio.run(r.ainvoke(m, **k)),
    "astream": lambda r, m, k: asyncio.run(_collect(r, m, k)),
}


async def _collect(
    r: Runnable[Any, Any], m: list[BaseMessage], k: dict[str, Any]
) -> list[Any]:
    return [chunk async for chunk in r.astream(m, **k)]


def attempt(emu: GeminiEmulator, setup: Setup, case: Case, style: str) -> Any:
    """The body sent by ``style``, or None when refused before sending."""
    before = len(emu.requests)
    try:
        runnable, kwargs = setup.runnable(emu)
        STYLES[style](runnable, case.messages, kwargs)
    except (ValueError, TypeError, CometGeminiError) as exc:
        assert len(emu.requests) == before, f"{style}: sent, then raised {exc!r}"
        assert len(str(exc)) > 10, f"unclear: {exc!r}"
        event(f"refused: {type(exc).__name__}: {str(exc)[:40]}")
        return None
    assert len(emu.requests) == before + 1, (
        f"{style}: {len(emu.requests) - before} sent"
    )
    return emu.requests[-1].body


@pytest.fixture(scope="module")
def emu() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emulator:
        yield emulator


@FUZZ
@given(conversations(), setups())
def test_every_input_is_sent_whole_or_refused_before_sending(
    emu: GeminiEmulator, case: Case, setup: Setup
) -> None:
    bodies = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for style in STYLES:
            body = attempt(emu, setup, case, style)
            if body is not None:
                check_body(body, case.expected)
                bodies.append(body)
    event(f"sent by {len(bodies)} of 4 styles")
    streamed = [b for b in bodies if b is not None]
    assert all(b == streamed[0] for b in streamed), "styles sent different bodies"


def test_invalid_base64_fails_before_sending(emu: GeminiEmulator) -> None:
    block = {"type": "image", "base64": "not base64!", "mime_type": "image/png"}
    llm = make_model(emu, model="gemini-3-flash-preview")
    before = len(emu.requests)
    with pytest.raises(ValueError, match="not valid base64"):
        llm.invoke([HumanMessage(content=[block])])
    assert len(emu.requests) == before
