"""Every real recorded exchange in tests/data/recordings, replayed byte for byte.

One case per recording (a new file is a new case). A plain ``http.server``
on 127.0.0.1 sends the recorded body; the model is called as the recording
was made (unary, stream, countTokens); what the caller gets is compared with
expectations computed from the raw JSON by :mod:`tests.replay.expect`. Later
turns of a conversation are rebuilt from the LangChain messages of the earlier
turns, and the request sent is compared with the recorded one.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.tool import ToolCall

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import (
    BadRequestError,
    CometGeminiError,
    NotFoundError,
    StreamInterruptedError,
)
from tests.replay.expect import (
    Expected,
    Recording,
    all_recordings,
    expected,
    part_kind,
)
from tests.replay.server import Answer, ReplayServer
from tests.support import MODEL, as_dicts, make_model

RECORDINGS = all_recordings()
BY_NAME = {r.name: r for r in RECORDINGS}


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    srv = ReplayServer()
    yield srv
    srv.close()


def _model(server: ReplayServer, rec: Recording, **kwargs: Any) -> ChatCometGemini:
    model = rec.meta.get("model") or MODEL
    if _sent_web_urls(rec):  # the recording client let Gemini fetch them
        kwargs.setdefault("media_fetch", "pass_through")
    return make_model(server.base_url, api_key="replay-key", model=model, **kwargs)


def _sent_web_urls(rec: Recording) -> bool:
    return any(
        str(p.get("fileData", {}).get("fileUri", "")).startswith(("http:", "https:"))
        for content in _contents(rec.meta.get("request") or {})
        for p in content["parts"]
    )


def _serve(server: ReplayServer, rec: Recording) -> None:
    server.queue(Answer(int(rec.meta["status"]), rec.content_type, rec.raw))


def _as_one_event(rec: Recording) -> Answer:
    """A unary body as the one event of a stream (same JSON, SSE framing)."""
    event = json.dumps(json.loads(rec.raw), separators=(",", ":")).encode()
    return Answer(200, "text/event-stream", b"data: " + event + b"\n\n")


def _merge(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    return merged


# -- conversations -------------------------------------------------------------

_CAMEL = re.compile(r"_([a-z])")
_OPAQUE = ("args", "response", "parts")  # user data inside a part: left as sent


def _camel(value: Any, depth: int = 0) -> Any:
    """A recorded part with snake_case field names (the API takes both) in camelCase.

    Only the proto field names are renamed: function arguments and responses
    are the caller's data and stay as recorded.
    """
    if not isinstance(value, dict) or depth > 1:
        return value
    out = {}
    for key, item in value.items():
        name = _CAMEL.sub(lambda m: m.group(1).upper(), key)
        out[name] = item if name in _OPAQUE else _camel(item, depth + 1)
    return out


def _contents(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The recorded ``contents``, parts in camelCase."""
    return [
        {**content, "parts": [_camel(p) for p in content.get("parts") or []]}
        for content in request.get("contents") or []
    ]


def _turns(rec: Recording) -> list[Recording]:
    """The earlier turns of ``rec``'s conversation, in order."""
    conversation, turn = rec.meta.get("conversation"), rec.meta.get("turn")
    if not conversation or not turn:
        return []
    return [BY_NAME[f"{conversation}_t{t}"] for t in range(turn)]


def _system(request: dict[str, Any]) -> list[BaseMessage]:
    system = request.get("systemInstruction") or request.get("system_instruction")
    if not system:
        return []
    return [SystemMessage("".join(p.get("text", "") for p in system["parts"]))]


@dataclass
class History:
    """The model turns of a recorded request, as ``AIMessage`` s we got back.

    A model turn that says what an earlier turn of the conversation answered
    is that turn's answer (replayed); any other was written by the recording
    client (a history it was given, maybe from another provider): it is
    served as an answer once and what the model made of it is the
    ``AIMessage``. ``answered`` holds, per model
    turn, the parts that answer held (what must go back).
    """

    replies: list[AIMessage] = field(default_factory=list)
    answered: list[list[dict[str, Any]]] = field(default_factory=list)


@dataclass
class Earlier:
    """Earlier turns' answers by name, all replayed with one output version."""

    version: str | None = None
    answers: dict[str, AIMessage] = field(default_factory=dict)


def _history(server: ReplayServer, rec: Recording, earlier: Earlier) -> History:
    turns = _turns(rec)
    history = History()
    for content in _contents(rec.meta["request"]):
        if content.get("role") != "model":
            continue
        turn = next((t for t in turns if _answers(t, content)), None)
        if turn is None:
            history.replies.append(_written_reply(server, rec, content, earlier))
            history.answered.append(content["parts"])
        else:
            turns = turns[turns.index(turn) + 1 :]
            history.replies.append(_reply(server, turn, earlier))
            history.answered.append(expected(turn.events()).parts)
    return history


def _said(parts: list[dict[str, Any]]) -> tuple[str, list[tuple[str, Any]]]:
    text = "".join(p.get("text", "") for p in parts if not p.get("thought"))
    return text.strip(), _calls({"parts": parts})


def _answers(turn: Recording, content: dict[str, Any]) -> bool:
    """Whether ``content`` is what ``turn`` answered (same text and calls)."""
    return _said(expected(turn.events()).parts) == _said(content["parts"])


def _written_reply(
    server: ReplayServer, rec: Recording, content: dict[str, Any], earlier: Earlier
) -> AIMessage:
    """A model turn the recording client wrote, as the answer it would be."""
    answer = {"candidates": [{"content": content, "finishReason": "STOP"}]}
    server.queue(Answer(200, "application/json", json.dumps(answer).encode()))
    return _model(server, rec, output_version=earlier.version).invoke("history")


def _reply(server: ReplayServer, turn: Recording, earlier: Earlier) -> AIMessage:
    """The answer of an earlier turn, replayed in its own conversation."""
    answers = earlier.answers
    if turn.name not in answers:
        messages = _conversation(server, turn, earlier)[0]
        model = _model(server, turn, output_version=earlier.version)
        _serve(server, turn)
        if turn.is_stream:
            reply = _merge(list(model.stream(messages)))
            answers[turn.name] = AIMessage(**reply.model_dump(exclude={"type"}))
        else:
            answers[turn.name] = model.invoke(messages)
    return answers[turn.name]


def _conversation(
    server: ReplayServer, rec: Recording, earlier: Earlier
) -> tuple[list[BaseMessage], History]:
    """The recorded ``contents`` as LangChain messages; model turns are ours."""
    request = rec.meta["request"]
    history = _history(server, rec, earlier)
    messages = _system(request)
    answers = iter(history.replies)
    pending: list[ToolCall] = []  # calls of the model turns, not answered yet
    for content in _contents(request):
        parts = content["parts"]
        if content.get("role") == "model":
            reply = next(answers)
            pending.extend(reply.tool_calls)
            messages.append(reply)
            continue
        responses = [p for p in parts if "functionResponse" in p]
        if responses:  # one ToolMessage each, then what else the turn held
            messages.extend(_tool_messages(pending, responses))
        rest = [p for p in parts if "functionResponse" not in p]
        if rest or not responses:
            messages.append(HumanMessage(content=[_user_block(p) for p in rest]))
    return messages, history


def _tool_messages(
    pending: list[ToolCall], parts: list[dict[str, Any]]
) -> list[ToolMessage]:
    """A result answers the call with its id, else the first with its name."""
    messages = []
    for part in parts:
        response = part["functionResponse"]
        call = next(
            (c for c in pending if response.get("id") and c["id"] == response["id"]),
            None,
        ) or next(c for c in pending if c["name"] == response["name"])
        pending.remove(call)
        messages.append(
            ToolMessage(
                json.dumps(response.get("response", {})),
                tool_call_id=call["id"],
                name=response["name"],
            )
        )
    return messages


def _user_block(part: dict[str, Any]) -> dict[str, Any]:
    if "inlineData" in part:
        blob = part["inlineData"]
        kind = blob["mimeType"].split("/")[0]
        kind = kind if kind in ("image", "audio", "video") else "file"
        return {"type": kind, "base64": blob["data"], "mime_type": blob["mimeType"]}
    if "fileData" in part:
        data = part["fileData"]
        return {
            "type": "file",
            "url": data["fileUri"],
            "mime_type": data.get("mimeType"),
        }
    return {"type": "text", "text": part.get("text", "")}


def _signature_bytes(signature: str) -> bytes:
    """Signatures are proto ``bytes``: either base64 alphabet, same value."""
    normal = signature.replace("-", "+").replace("_", "/")
    return base64.b64decode(normal + "=" * (-len(normal) % 4))


# Google's documented placeholders for a signature the client does not have
# (sent as is, or base64-encoded as the bytes field it is).
_NO_SIGNATURE = {
    "skip_thought_signature_validator",
    "context_engineering_is_the_way_to_go",
}


def _real_signature(signature: str) -> bool:
    if signature in _NO_SIGNATURE:
        return False
    return _signature_bytes(signature).decode("latin-1") not in _NO_SIGNATURE


def _signed(parts: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    return [
        (part_kind(p), _signature_bytes(p["thoughtSignature"]))
        for p in parts
        if "thoughtSignature" in p and _real_signature(p["thoughtSignature"])
    ]


def _joined(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adjacent contents of one role as one (the API reads them the same)."""
    out: list[dict[str, Any]] = []
    for content in contents:
        if out and out[-1].get("role") == content.get("role"):
            out[-1] = {**out[-1], "parts": out[-1]["parts"] + content["parts"]}
        else:
            out.append(content)
    return out


def _check_request(rec: Recording, sent: dict[str, Any], history: History) -> None:
    recorded = _joined(_contents(rec.meta["request"]))
    contents = _joined(sent["contents"])
    if len(contents) < len(recorded) and recorded[0]["parts"] == [{"text": ""}]:
        pytest.fail("an empty HumanMessage was not sent (issue 12 defect 7)")
    assert _shape(contents) == _shape(recorded)
    # every signature answered goes back, in order (adjacent model turns
    # may travel as one content)
    sent_model = [c for c in sent["contents"] if c.get("role") == "model"]
    assert [s for c in sent_model for s in _signed(c["parts"])] == [
        s for answered in history.answered for s in _signed(answered)
    ]
    for ours, theirs in zip(contents, recorded, strict=True):
        theirs_signed = _signed(theirs["parts"])
        assert [
            s for s in _signed(ours["parts"]) if s in theirs_signed
        ] == theirs_signed
        for a, b in zip(_calls(ours), _calls(theirs), strict=True):
            assert a == b


def _shape(contents: list[dict[str, Any]]) -> list[tuple[Any, list[str]]]:
    """Role and part kinds of each content, thoughts left out.

    The recording client drops thought text it got; we may send it back.
    Adjacent unsigned answer text counts once (Gemini splits text freely).
    """
    shape = []
    for content in contents:
        kinds: list[str] = []
        loose_text = False
        for part in content["parts"]:
            if part.get("thought"):
                continue
            text = part_kind(part) == "text" and "thoughtSignature" not in part
            if not (text and loose_text):
                kinds.append(part_kind(part))
            loose_text = text
        shape.append((content.get("role"), kinds))
    return shape


def _calls(content: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (p["functionCall"]["name"], p["functionCall"].get("args", {}))
        for p in content["parts"]
        if "functionCall" in p
    ]


# -- what the caller gets ------------------------------------------------------


def _blocks(message: BaseMessage, kind: str) -> list[dict[str, Any]]:
    return [b for b in as_dicts(message.content_blocks) if b.get("type") == kind]


def _check_message(message: AIMessage, exp: Expected) -> None:
    meta = message.response_metadata
    assert message.text == exp.text
    assert "".join(b["text"] for b in _blocks(message, "text")) == exp.text
    reasoning = _blocks(message, "reasoning")
    assert "".join(b.get("reasoning", "") for b in reasoning) == exp.reasoning
    thought_images = [
        b["extras"]["image"]
        for b in message.content
        if isinstance(b, dict) and "image" in b.get("extras", {})
    ]
    assert [(i["mime_type"], i["base64"]) for i in thought_images] == exp.thought_images
    images = [(b.get("mime_type"), b.get("base64")) for b in _blocks(message, "image")]
    assert images == exp.images
    calls = [
        {"name": c["name"], "args": c["args"], "id": c["id"]}
        for c in message.tool_calls
    ]
    assert [c["name"] for c in calls] == [c["name"] for c in exp.tool_calls]
    assert [c["args"] for c in calls] == [c["args"] for c in exp.tool_calls]
    for got, want in zip(calls, exp.tool_calls, strict=True):
        if want["id"]:
            assert got["id"] == want["id"]
        assert got["id"]
    assert message.invalid_tool_calls == []
    shown = [(b["name"], b["args"]) for b in _blocks(message, "tool_call")]
    assert shown == [(c["name"], c["args"]) for c in exp.tool_calls]
    # Gemini 3's server-side toolCall / toolResponse parts are standard
    # server_tool_call / server_tool_result blocks, in order, with their ids
    assert _blocks(message, "non_standard") == []
    server = [p for p in exp.parts if part_kind(p) in ("toolCall", "toolResponse")]
    kinds = {"toolCall": "server_tool_call", "toolResponse": "server_tool_result"}
    expected = [
        (kinds[part_kind(p)], p[part_kind(p)]["toolType"], p[part_kind(p)].get("id"))
        for p in server
    ]
    typed = [
        b
        for b in as_dicts(message.content_blocks)
        if "tool_type" in b.get("extras", {})
    ]
    seen = [
        (b["type"], b["extras"]["tool_type"], b.get("id") or b.get("tool_call_id"))
        for b in typed
    ]
    assert seen == expected
    server_calls = _blocks(message, "server_tool_call")
    code = [b["args"]["code"] for b in server_calls if b["name"] == "code_interpreter"]
    assert code == exp.code
    results = _blocks(message, "server_tool_result")
    outputs = [b["output"] for b in results if "tool_type" not in b.get("extras", {})]
    assert outputs == exp.code_outputs
    _check_usage(message, exp)
    assert meta.get("finish_reason") == exp.finish_reason
    assert meta.get("model_name") == exp.model_name
    assert meta.get("response_id") == exp.response_id
    assert meta.get("create_time") == exp.create_time
    _check_grounding(meta, exp)


def _check_usage(message: AIMessage, exp: Expected) -> None:
    usage = message.usage_metadata
    assert usage is not None
    assert usage["input_tokens"] == exp.usage["input"]
    assert usage["output_tokens"] == exp.usage["output"]
    assert usage["total_tokens"] == exp.usage["total"]
    reasoning = usage.get("output_token_details", {}).get("reasoning", 0)
    assert reasoning == exp.usage["reasoning"]
    cache_read = usage.get("input_token_details", {}).get("cache_read", 0)
    assert cache_read == exp.usage["cache_read"]


def _check_grounding(meta: dict[str, Any], exp: Expected) -> None:
    grounding = meta.get("grounding_metadata") or {}
    assert len(grounding.get("grounding_chunks") or []) == len(exp.grounding_chunks)
    assert (grounding.get("web_search_queries") or []) == exp.web_search_queries
    url = meta.get("url_context_metadata") or {}
    assert len(url.get("url_metadata") or []) == len(exp.url_metadata)
    cites = meta.get("citation_metadata") or {}
    assert len(cites.get("citation_sources") or []) == len(exp.citation_sources)
    logprobs = meta.get("logprobs_result") or {}
    assert len(logprobs.get("chosen_candidates") or []) == exp.chosen_logprobs
    assert meta.get("avg_logprobs") == exp.avg_logprobs


_GENERATED_ID = re.compile(r"lc_(run--)?[0-9a-f][0-9a-f-]{15,}")


def _comparable(message: BaseMessage) -> dict[str, Any]:
    """Message fields with generated ids (tool calls, citations) numbered."""
    dumped = json.dumps(
        message.model_dump(exclude={"type", "tool_call_chunks", "chunk_position"})
    )
    numbers: dict[str, str] = {}
    dumped = _GENERATED_ID.sub(
        lambda m: numbers.setdefault(m.group(0), f"generated-{len(numbers)}"), dumped
    )
    comparable: dict[str, Any] = json.loads(dumped)
    return comparable


# -- the cases -------------------------------------------------------------------


def _messages_for(
    server: ReplayServer, rec: Recording, version: str | None = None
) -> tuple[list[BaseMessage], History]:
    """``rec``'s conversation, earlier answers read with ``version``."""
    conversation = _conversation(server, rec, Earlier(version))
    server.seen.clear()
    return conversation


def _answer_recording(
    server: ReplayServer, rec: Recording, version: str | None
) -> None:
    messages, history = _messages_for(server, rec, version)
    exp = expected(rec.events())
    model = _model(server, rec, output_version=version)
    _serve(server, rec)
    if rec.is_stream:
        chunks = list(model.stream(messages))
        streamed = _merge(chunks)
        reply = AIMessage(**streamed.model_dump(exclude={"type", "tool_call_chunks"}))
        _serve(server, rec)
        again = _model(server, rec, output_version=version, streaming=True)
        assert _comparable(again.invoke(messages)) == _comparable(reply)
    else:
        reply = model.invoke(messages)
        server.queue(_as_one_event(rec))
        if exp.finish_reason is None:  # a stream without one is cut short
            with pytest.raises(StreamInterruptedError):
                list(model.stream(messages))
        else:
            streamed = _merge(list(model.stream(messages)))
            merged = AIMessage(**streamed.model_dump(exclude={"type"}))
            assert _comparable(merged) == _comparable(reply)
    _check_message(reply, exp)
    if version == "v1":
        assert reply.response_metadata["output_version"] == "v1"
        assert reply.content_blocks == reply.content
    first = server.seen[0]
    action = "streamGenerateContent" if rec.is_stream else "generateContent"
    assert first.path.split("?")[0].endswith(f"/models/{rec.meta['model']}:{action}")
    if any(c.get("role") == "model" for c in _contents(rec.meta["request"])):
        _check_request(rec, first.body, history)


ANSWERS = [r for r in RECORDINGS if r.kind in ("generate", "structured", "stream")]


@pytest.mark.parametrize("version", [None, "v1"])
@pytest.mark.parametrize("rec", ANSWERS, ids=lambda r: r.name)
def test_recorded_answer(
    server: ReplayServer, rec: Recording, version: str | None
) -> None:
    _answer_recording(server, rec, version)


COUNTS = [r for r in RECORDINGS if r.kind == "count"]


@pytest.mark.parametrize("rec", COUNTS, ids=lambda r: r.name)
def test_recorded_count_tokens(server: ReplayServer, rec: Recording) -> None:
    _serve(server, rec)
    model = _model(server, rec)
    total = model.get_num_tokens_from_messages([HumanMessage("How many tokens?")])
    assert total == json.loads(rec.raw)["totalTokens"]
    assert [s.path.split(":")[-1] for s in server.seen] == ["countTokens"]
    assert server.seen[0].body["generateContentRequest"]["contents"]


ERRORS = [r for r in RECORDINGS if r.kind in ("error", "count_error")]
_ERROR_CLASSES: dict[int, type[CometGeminiError]] = {
    400: BadRequestError,
    404: NotFoundError,
}


@pytest.mark.parametrize("rec", ERRORS, ids=lambda r: r.name)
def test_recorded_error(server: ReplayServer, rec: Recording) -> None:
    _serve(server, rec)
    model = _model(server, rec)
    error = json.loads(rec.raw)["error"]
    with pytest.raises(_ERROR_CLASSES[int(rec.meta["status"])]) as caught:
        if rec.kind == "count_error":
            model.get_num_tokens_from_messages([HumanMessage("hi")])
        else:
            model.invoke("hi")
    assert error["message"][:40] in str(caught.value)
    assert len(server.seen) == 1


def test_every_recording_is_a_case() -> None:
    """No recording is left out of the cases above."""
    covered = {r.name for r in ANSWERS + COUNTS + ERRORS}
    assert covered == {r.name for r in RECORDINGS}
    assert len(RECORDINGS) >= 66


STREAMS = [r for r in ANSWERS if r.is_stream]


@pytest.mark.parametrize("rec", STREAMS, ids=lambda r: r.name)
async def test_recorded_stream_async_equals_sync(
    server: ReplayServer, rec: Recording
) -> None:
    """``astream`` / ``ainvoke`` give what ``stream`` gives, on the same bytes."""
    messages = _messages_for(server, rec)[0]
    model = _model(server, rec)
    _serve(server, rec)
    sync = _merge(list(model.stream(messages)))
    _serve(server, rec)
    chunks = [chunk async for chunk in model.astream(messages)]
    assert _comparable(_merge(chunks)) == _comparable(sync)
    _serve(server, rec)
    streaming = _model(server, rec, streaming=True)
    reply = await streaming.ainvoke(messages)
    _check_message(reply, expected(rec.events()))
