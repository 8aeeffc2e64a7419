"""Gemini -> LangChain: the render half of the answer path.

``decode.py`` checks and reads Gemini's JSON (shapes, candidate, usage counts,
partial calls, gathered metadata: no LangChain types); this module turns what
it reads into ``AIMessageChunk`` / ``AIMessage`` (parts to content blocks, the
content rule, v0/v1, signatures, usage deltas, finish metadata once).

Output flow::

    GenerateContentResponse (one JSON body, or one SSE event), decoded by _http
      -> StreamState.read(event)             the event's chunks (0, 1 or 2),
                                             state across events; end() gives
                                             what waited and the finish data
           -> _render(event)
                decode.check_event           shapes: wrong JSON types are an
                                             InvalidResponseError naming the field
                decode.pick_candidate        the candidate followed
                _PartReader.read(part)       dispatch per part kind (text,
                                             thought, functionCall, inlineData,
                                             fileData, code, code result,
                                             Gemini 3's server-side toolCall /
                                             toolResponse)
                  functionCall + partialArgs -> decode.PartialCall
                _usage_delta                 decode.usage_counts -> usage_delta
                decode.Collected             gathered lists, unknown fields
                decode.finish_metadata       the whole answer's (invoke); in a
                                             stream kept, final values, for end()
                v1: to_v1 + citations        default: _v0_media (image_url)
      -> chunks.chunk                        the one constructor (fast when safe)
    result_from_response(body) = the same _render over the one body
      (``whole=True``), built by chunks.generation (the AIMessage of that
      chunk, filled in directly when safe), so merged stream chunks equal the
      non-streamed message (tests/unit_tests/test_decode_property.py proves it
      over generated answers cut into events in every way Gemini cuts them).

Finish data: LangChain merges chunks by concatenating strings and lists, so a
stream reports it once, in the chunk ``end()`` gives after the last event, with
its final values (no ``"STOPSTOP"`` when several events carry
``finishReason``); what arrives after the finishing event (grounding, usage)
still belongs to the answer. Grounding, citation, URL-context and logprobs
lists are gathered over the events. ``createTime``, ``modelVersion`` and
``responseId`` become ``create_time``, ``model_name`` and ``response_id``.
output_version="v1": the same blocks, mapped by ``to_v1`` to LangChain's
standard blocks (reasoning, server_tool_call/result, tool_call, citations
as text ``annotations``), with ``response_metadata["output_version"]``.

The content rule (one rule, for stream and non-stream alike): ``content`` is a
plain ``str`` while every part of the reply is visible text; as soon as any other
kind of part appears (a thought, an image, code, ...) ``content`` is a list: the
visible text that came before that part (if any) as its first item, a plain
string, then blocks, one per run of parts, in order. That is what LangChain
makes of merged stream chunks (a string, then lists), so a stream reads the
same whatever its event boundaries: before any text was shown, what an event
carried waits for the next chunk (an empty string chunk would lead the merged
list); after text was shown, an event switching to blocks gives its leading
text as a string chunk, then a list. Function calls never go into v0
``content``: they become ``tool_calls`` (in v1 also ``tool_call`` blocks, in
the order of the parts). Generated media are ``image`` /
``audio`` blocks (``base64`` + ``mime_type``; an audio sample rate found in the
MIME type goes to ``extras.sample_rate``), each with its own ``index`` so that
streamed pieces never merge into one (invalid) base64 string. In the default
output a generated image is an ``image_url`` data-URI block, the form
langchain-core's Gemini translator shows as ``image`` in ``.content_blocks``.
Server-side tool parts are LangChain's standard blocks in both output
versions: ``toolCall`` -> ``server_tool_call`` (``name`` from the
``toolType``, e.g. ``google_search``), ``toolResponse`` -> ``server_tool_result``
(``output`` = Gemini's ``response``), Gemini's ``toolType`` in
``extras.tool_type``; code execution is ``executable_code`` /
``code_execution_result`` in the default output (langchain-core's Gemini
translator shows them as ``server_tool_call`` / ``server_tool_result``) and
the standard blocks in v1. A code or tool part sent while thinking
(``thought: true``) keeps ``extras.thought``, so the replay is exact.
An image the model shows while thinking (``thought: true``) is a reasoning
block (``thinking``, the image in ``extras.image``), not part of the answer.
Thought signatures are kept JSON-clean: on list blocks (``extras.signature`` /
``signature``), for string content in
``additional_kwargs["__gemini_text_thought_signatures__"]`` (offset into the
visible string text + signature, also for the string leading a list), and for
function calls in
``additional_kwargs["__gemini_function_call_thought_signatures__"]`` keyed by
tool call id (the same key ``langchain-google-genai`` uses).
"""

from __future__ import annotations

import json
import operator
import re
import uuid
from collections.abc import Callable
from typing import Any

from langchain_core.messages.ai import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)
from langchain_core.messages.block_translators.google_genai import (
    translate_grounding_metadata_to_citations,
)
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_cometgemini._wire.chunks import chunk as build_chunk
from langchain_cometgemini._wire.chunks import generation as build_generation
from langchain_cometgemini._wire.constants import (
    FC_SIGNATURES_KEY,
    GENERATED_ID_PREFIX,
    OUTCOME_CODES,
    PROVIDER,
    TEXT_SIGNATURES_KEY,
)
from langchain_cometgemini._wire.decode import (
    NO_USAGE,
    Collected,
    PartialCall,
    UsageCounts,
    as_object,
    candidate_index,
    check_end,
    check_event,
    finish_metadata,
    is_final,
    is_partial,
    pick_candidate,
    shape_error,
    snake,
    snake_keys,
    usage_counts,
)
from langchain_cometgemini._wire.v1 import to_v1
from langchain_cometgemini.errors import InvalidResponseError


def usage_delta(now: UsageCounts, before: UsageCounts) -> UsageMetadata:
    """LangChain usage of the counts since ``before``.

    Input = prompt + tool-use prompt, output = candidates + thoughts; token
    details only when there are any.
    """
    prompt, tool_use, candidates, thoughts, cached, total, audio_in, audio_out = map(
        operator.sub, now, before
    )
    input_tokens = prompt + tool_use
    output_tokens = candidates + thoughts
    usage: UsageMetadata = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": total or input_tokens + output_tokens,
    }
    if cached or audio_in:  # details only when there are any (usually none)
        inputs = InputTokenDetails()
        if cached:
            inputs["cache_read"] = cached
        if audio_in:
            inputs["audio"] = audio_in
        usage["input_token_details"] = inputs
    if thoughts or audio_out:
        outputs = OutputTokenDetails()
        if thoughts:
            outputs["reasoning"] = thoughts
        if audio_out:
            outputs["audio"] = audio_out
        usage["output_token_details"] = outputs
    return usage


# -- parts -------------------------------------------------------------------


class _PartReader:
    """Turns the parts of one event into content, tool call chunks and signatures.

    Consecutive parts of the same kind (visible text, thought) continue one block
    (same ``index``), so stream chunks merge back into the blocks Gemini sent.
    """

    __slots__ = (
        "state",
        "text",
        "lead",
        "blocks",
        "tool_call_chunks",
        "additional_kwargs",
    )

    def __init__(self, state: StreamState) -> None:
        self.state = state
        self.text: list[str] = []
        self.lead: str | None = None  # text before the switch to blocks
        self.blocks: list[dict[str, Any]] = []
        self.tool_call_chunks: list[Any] = []
        self.additional_kwargs: dict[str, Any] = {}

    def read(self, part: dict[str, Any]) -> None:
        text = part.get("text")
        if type(text) is str and len(part) == 1 and not self.state.as_blocks:
            self.text.append(text)  # bare visible text: the usual part, first
            self.state.text_length += len(text)
            return
        signature = part.get("thoughtSignature")
        if signature is not None and not isinstance(signature, str):
            raise shape_error("thoughtSignature", signature)
        for key, handler in _PART_HANDLERS.items():
            if key in part:
                handler(self, part, signature)
                return
        self._block({"type": "non_standard", "value": part}, None, kind=None)

    # -- per kind ------------------------------------------------------------

    def text_part(self, part: dict[str, Any], signature: str | None) -> None:
        text = part["text"]
        if text is None:  # proxies sometimes send "text": null
            text = ""
        elif not isinstance(text, str):
            raise shape_error("text", text)
        if part.get("thought"):
            block = {"type": "thinking", "thinking": text}
            self._block(block, signature, kind="thinking", sig_key="signature")
        elif self.state.as_blocks:
            self._block({"type": "text", "text": text}, signature, kind="text")
        else:
            if signature:
                entry = {"offset": self.state.text_length, "signature": signature}
                self.additional_kwargs.setdefault(TEXT_SIGNATURES_KEY, []).append(entry)
            self.text.append(text)
            self.state.text_length += len(text)

    def function_call(self, part: dict[str, Any], signature: str | None) -> None:
        call = as_object(part["functionCall"], "functionCall")
        if self.state.partial.active or is_partial(call):
            done = self.state.partial.feed(call, signature)
            if done is None:
                return
            call, signature = done
        name = call.get("name")
        if not isinstance(name, str):
            raise shape_error("functionCall.name", name)
        args = as_object(call.get("args", {}), "functionCall.args")
        call_id = call.get("id")
        if call_id is not None and not isinstance(call_id, str):
            raise shape_error("functionCall.id", call_id)
        call_id = call_id or f"{GENERATED_ID_PREFIX}{uuid.uuid4().hex[:24]}"
        chunk = tool_call_chunk(
            name=name, args=json.dumps(args), id=call_id, index=self.state.calls
        )
        self.tool_call_chunks.append(chunk)
        self.state.calls += 1
        if self.state.v1:  # a standard block, in the order of the parts
            block = {"type": "tool_call", "id": call_id, "name": name, "args": args}
            self._block(block, None, kind=None)
        if signature:
            sigs = self.additional_kwargs.setdefault(FC_SIGNATURES_KEY, {})
            sigs[call_id] = signature

    def inline_data(self, part: dict[str, Any], signature: str | None) -> None:
        blob = as_object(part["inlineData"], "inlineData")
        mime = str(blob.get("mimeType") or "application/octet-stream")
        data = blob.get("data", "")
        if not isinstance(data, str):
            raise shape_error("inlineData.data", data)
        if part.get("thought"):  # an interim image of the model's thinking
            image = {"base64": data, "mime_type": mime}
            thought = {"type": "thinking", "thinking": "", "extras": {"image": image}}
            self._block(thought, signature, kind=None, sig_key="signature")
            return
        block: dict[str, Any] = {
            "type": _media_type(mime),
            "base64": data,
            "mime_type": mime,
        }
        extras = _media_extras(part, "inlineData")
        rate = sample_rate(mime)
        if rate:
            extras["sample_rate"] = rate
        if extras:
            block["extras"] = extras
        self._block(block, signature, kind=None)

    def file_data(self, part: dict[str, Any], signature: str | None) -> None:
        data = as_object(part["fileData"], "fileData")
        block: dict[str, Any] = {"type": "file", "url": data.get("fileUri", "")}
        if data.get("mimeType"):
            block["mime_type"] = data["mimeType"]
        extras = _media_extras(part, "fileData")
        if extras:
            block["extras"] = extras
        self._block(block, signature, kind=None)

    def executable_code(self, part: dict[str, Any], signature: str | None) -> None:
        code = as_object(part["executableCode"], "executableCode")
        block = {
            "type": "executable_code",
            "executable_code": code.get("code", ""),
            "language": code.get("language", "PYTHON"),
        }
        if code.get("id"):
            block["id"] = code["id"]
        if part.get("thought"):
            block["extras"] = {"thought": True}
        self._block(block, signature, kind=None)

    def code_result(self, part: dict[str, Any], signature: str | None) -> None:
        result = as_object(part["codeExecutionResult"], "codeExecutionResult")
        outcome = str(result.get("outcome") or "OUTCOME_OK")
        block = {
            "type": "code_execution_result",
            "code_execution_result": result.get("output", ""),
            "outcome": OUTCOME_CODES.get(outcome, 0),
        }
        if result.get("id"):
            block["id"] = block["tool_call_id"] = result["id"]
        extras: dict[str, Any] = {"thought": True} if part.get("thought") else {}
        if outcome not in OUTCOME_CODES:  # a newer outcome: kept by name
            extras["outcome"] = outcome
        if extras:
            block["extras"] = extras
        self._block(block, signature, kind=None)

    def tool_call(self, part: dict[str, Any], signature: str | None) -> None:
        """Gemini 3's server-side ``toolCall`` -> a standard ``server_tool_call``."""
        call = as_object(part["toolCall"], "toolCall")
        kind = _tool_type(call, "toolCall")
        block = {
            "type": "server_tool_call",
            "id": _optional_str(call, "id", "toolCall"),
            "name": server_tool_name(kind),
            "args": as_object(call.get("args"), "toolCall.args"),
            "extras": _server_extras(part, kind),
        }
        self._block(block, signature, kind=None)

    def tool_response(self, part: dict[str, Any], signature: str | None) -> None:
        """``toolResponse`` -> a standard ``server_tool_result`` (``success``)."""
        result = as_object(part["toolResponse"], "toolResponse")
        kind = _tool_type(result, "toolResponse")
        block: dict[str, Any] = {
            "type": "server_tool_result",
            "tool_call_id": _optional_str(result, "id", "toolResponse"),
            "status": "success",
            "extras": _server_extras(part, kind),
        }
        if result.get("response") is not None:
            block["output"] = as_object(result["response"], "toolResponse.response")
        self._block(block, signature, kind=None)

    # -- blocks --------------------------------------------------------------

    def _block(
        self,
        block: dict[str, Any],
        signature: str | None,
        *,
        kind: str | None,
        sig_key: str = "extras",
    ) -> None:
        self.state.switch_to_blocks(self)
        block["index"] = self.state.block_index(kind, signed=bool(signature))
        if block["type"] == "text" and self.state.first_text is None:
            self.state.first_text = block["index"]
        if signature:
            if sig_key == "extras":
                block["extras"] = {**block.get("extras", {}), "signature": signature}
            else:
                block[sig_key] = signature
        self.blocks.append(block)

    def content(self) -> str | list[Any]:
        if not self.state.as_blocks:
            return "".join(self.text)
        return _merge_same_index(self.blocks)


_PART_HANDLERS: dict[str, Callable[[_PartReader, dict[str, Any], str | None], None]] = {
    "text": _PartReader.text_part,
    "functionCall": _PartReader.function_call,
    "inlineData": _PartReader.inline_data,
    "fileData": _PartReader.file_data,
    "executableCode": _PartReader.executable_code,
    "codeExecutionResult": _PartReader.code_result,
    "toolCall": _PartReader.tool_call,
    "toolResponse": _PartReader.tool_response,
}


_SERVER_TOOL_NAMES = {
    "GOOGLE_SEARCH_WEB": "google_search",
    "GOOGLE_SEARCH_IMAGE": "google_search",
    "URL_CONTEXT": "url_context",
    "GOOGLE_MAPS": "google_maps",
    "FILE_SEARCH": "file_search",
}
"""Gemini ``toolType`` -> the built-in tool's name (as in ``bind_tools``)."""


def server_tool_name(tool_type: str) -> str:
    """The tool name shown on a ``server_tool_call`` block for a ``toolType``."""
    return _SERVER_TOOL_NAMES.get(tool_type, tool_type.lower())


def _tool_type(value: dict[str, Any], where: str) -> str:
    kind = value.get("toolType")
    if not isinstance(kind, str) or not kind:
        raise shape_error(f"{where}.toolType", kind)
    return kind


def _optional_str(value: dict[str, Any], key: str, where: str) -> str:
    """A string field that may be absent (then ``""``, as LangChain's blocks)."""
    item = value.get(key)
    if item is None:
        return ""
    if not isinstance(item, str):
        raise shape_error(f"{where}.{key}", item)
    return item


def _server_extras(part: dict[str, Any], kind: str) -> dict[str, Any]:
    """``extras`` of a server-side tool block: ``tool_type`` and ``thought``.

    Gemini's ``toolType`` (the replay needs it), and ``thought`` when the part
    belonged to the model's thinking.
    """
    extras: dict[str, Any] = {"tool_type": kind}
    if part.get("thought"):
        extras["thought"] = True
    return extras


_PART_OWN = frozenset({"thought", "thoughtSignature"})


def _media_extras(part: dict[str, Any], kind: str) -> dict[str, Any]:
    """A media part's other fields, snake_cased, for the block's ``extras``.

    ``mediaResolution`` becomes ``media_resolution`` (its level, the form a
    block sent back carries, so the next turn repeats it) and ``num_tokens``;
    ``videoMetadata``, ``partMetadata`` and any field a newer API adds keep
    their value.
    """
    extras: dict[str, Any] = {}
    for key, value in part.items():
        if key == kind or key in _PART_OWN or value is None:
            continue
        if key == "mediaResolution" and isinstance(value, dict):
            extras.update(_resolution(value))
        else:
            extras[snake(key)] = snake_keys(value)
    return extras


def _resolution(value: dict[str, Any]) -> dict[str, Any]:
    out = {}
    if isinstance(value.get("level"), str):
        out["media_resolution"] = value["level"]
    if value.get("numTokens") is not None:
        out["num_tokens"] = value["numTokens"]
    return out


_RATE = re.compile(r"(?:^|;)\s*rate=(\d+)", re.I)


def sample_rate(mime: str) -> int | None:
    """Sample rate from a MIME type like ``audio/L16;codec=pcm;rate=24000``."""
    match = _RATE.search(mime)
    return int(match.group(1)) if match else None


def _media_type(mime: str) -> str:
    head = mime.split("/", 1)[0]
    return head if head in ("image", "audio", "video") else "file"


def _merge_same_index(blocks: list[dict[str, Any]]) -> list[Any]:
    """Join consecutive blocks of one event that continue the same block."""
    merged: list[dict[str, Any]] = []
    for block in blocks:
        if merged and merged[-1]["index"] == block["index"]:
            _extend_block(merged[-1], block)
        else:
            merged.append(block)
    return list(merged)


def _extend_block(into: dict[str, Any], block: dict[str, Any]) -> None:
    for key in ("text", "thinking"):
        if key in block:
            into[key] = into.get(key, "") + block[key]
    for key in ("signature", "extras"):
        if key in block:
            into[key] = block[key]


# -- output_version="v1" ---------------------------------------------------------


def _attach_citations(
    content: list[Any], metadata: dict[str, Any], state: StreamState
) -> None:
    """v1: grounding citations go on the first text block (as LangChain does)."""
    grounding = metadata.get("grounding_metadata")
    if not grounding:
        return
    citations = translate_grounding_metadata_to_citations(grounding)
    if not citations:
        return
    for block in content:
        if block.get("type") == "text" and block.get("index") == state.first_text:
            block["annotations"] = citations
            return
    if state.first_text is None:
        state.first_text = state.block_index("text", signed=True)
    content.append(
        {
            "type": "text",
            "text": "",
            "index": state.first_text,
            "annotations": citations,
        }
    )


# -- events ------------------------------------------------------------------


class StreamState:
    """What must be remembered between the events of one stream (one candidate).

    Holds the previous cumulative usage (chunks carry deltas), the running
    tool-call index, the text length (for signature offsets) and whether content
    has switched from a string to blocks. ``candidate_index``: the candidate
    followed; ``None`` follows the first candidate the stream shows, whatever
    its ``index`` (a stream that asked for one candidate reads that one).
    """

    def __init__(
        self,
        candidate_index: int | None = None,
        *,
        output_version: str | None = None,
    ) -> None:
        self.candidate_index = candidate_index
        self._latest: dict[str, Any] = {}
        self.v1 = output_version == "v1"
        self.usage = NO_USAGE
        self._raw_usage: Any = None
        self.calls = 0
        self.text_length = 0
        self.as_blocks = self.v1
        self.shown_text = False  # a chunk showed content (a string if not blocks)
        self._held: ChatGenerationChunk | None = None
        self.first_text: int | None = None
        self.collected = Collected()
        self.partial = PartialCall()
        self.finished = False
        self.events = 0
        self._blocks = 0
        self._open: tuple[str | None, bool] | None = None

    def switch_to_blocks(self, reader: _PartReader) -> None:
        """From now on content is a list; the text so far stays its lead string.

        The visible text read before the first other part (in this event)
        becomes ``reader.lead``; its thought signatures stay where they are,
        at offsets in ``additional_kwargs``.
        """
        if self.as_blocks:
            return
        self.as_blocks = True
        reader.lead = "".join(reader.text)
        reader.text.clear()

    def block_index(self, kind: str | None, *, signed: bool) -> int:
        """Index for a new part: continue the open block or start another."""
        if kind is not None and self._open is not None:
            open_kind, open_signed = self._open
            if open_kind == kind and not open_signed:
                self._open = (kind, signed)
                return self._blocks - 1
        self._open = (kind, signed)
        return self._next()

    def _next(self) -> int:
        self._blocks += 1
        return self._blocks - 1

    def read(self, event: dict[str, Any]) -> list[ChatGenerationChunk]:
        """The chunks of one stream event, each carrying only what is new.

        Usually one. None while nothing visible has come (a string-content
        answer that has shown no text yet: what the event carried waits for
        the next chunk, so that merged chunks never start with an empty
        string before a list). Two when the answer switches to blocks after
        text was shown: the event's text before the switch as a string chunk,
        then the blocks (merged: the text, then the blocks, as ``invoke``).
        """
        self.events += 1
        lead, chunk = self._render(event)
        held, self._held = self._held, None
        if not self.as_blocks and not self.shown_text:
            self._held = chunk if held is None else held + chunk
            return []
        out = [_lead_chunk(lead, chunk.message.id)] if lead else []
        out.append(chunk if held is None else _joined(held, chunk))
        return out

    def _usage_delta(self, raw: Any) -> UsageMetadata:
        """Usage since the previous event (Gemini repeats cumulative totals).

        An unchanged or missing ``usageMetadata`` means a zero delta (the
        totals so far stand): nothing to recount, never a negative count.
        """
        if raw == self._raw_usage or not raw:
            return {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
        counts = usage_counts(raw)
        delta = usage_delta(counts, self.usage)
        self.usage, self._raw_usage = counts, raw
        return delta

    def whole(self, body: dict[str, Any]) -> ChatGeneration:
        """The generation of a complete answer (a unary body).

        The body was checked by :func:`result_from_response`; its metadata is
        reported even without a ``finishReason``.
        """
        built: ChatGeneration = self._render(body, whole=True, build=build_generation)[
            1
        ]
        return built

    def _render(
        self,
        event: dict[str, Any],
        *,
        whole: bool = False,
        build: Callable[..., Any] = build_chunk,
    ) -> tuple[str, Any]:
        """The event's chunk, and the text to show before it as its own chunk.

        That text is the event's visible text before the switch to blocks
        when earlier chunks already showed text as a string (a list cannot
        extend a string when LangChain merges chunks); otherwise it leads the
        chunk's list content.
        """
        if not whole:
            event = check_event(event)
        if self.candidate_index is None and event.get("candidates"):
            self.candidate_index = candidate_index(event["candidates"][0], 0)
        candidate = pick_candidate(event, self.candidate_index or 0)
        reader = _PartReader(self)
        content = candidate.get("content")
        if content:
            read = reader.read
            for part in content.get("parts") or ():
                read(part)
        usage = self._usage_delta(event.get("usageMetadata"))
        self.collected.add(event, candidate)
        final = is_final(event, candidate)
        if final or whole:  # Gemini says it finished: no call may be open
            check_end(
                events=self.events,
                finished=True,
                candidate=self.candidate_index,
                in_call=self.partial.active,
            )
        self.finished = self.finished or final or whole
        metadata: dict[str, Any] = {"model_provider": PROVIDER}
        if whole:
            metadata.update(finish_metadata(event, candidate, self.collected))
        elif self.finished:  # reported once, with its final values, by end()
            self._latest.update(finish_metadata(event, candidate, self.collected))
        content = reader.content()
        lead = ""
        if reader.lead is not None and self.shown_text:
            lead = reader.lead
        elif reader.lead:
            content = [reader.lead, *content]
        self.shown_text = self.shown_text or bool(content)
        if self.v1:
            content = to_v1(content)
            _attach_citations(content, metadata, self)
            metadata["output_version"] = "v1"
        elif type(content) is not str:  # only blocks may carry media
            content = _v0_media(content)
        info = None
        if "finish_reason" in metadata:
            info = {"finish_reason": metadata["finish_reason"]}
        return lead, build(
            content,
            additional_kwargs=reader.additional_kwargs,
            tool_call_chunks=reader.tool_call_chunks,
            response_metadata=metadata,
            usage=usage,
            response_id=event.get("responseId"),
            generation_info=info,
        )

    def end(self) -> list[ChatGenerationChunk]:
        """The last chunks of a stream, after its last event.

        First what waited for a chunk to show (an answer that never showed
        text: its usage, calls and signatures), then the answer's finish
        metadata with the final values (each key as the last event that sent
        it had it; gathered lists whole), so nothing is
        concatenated and nothing sent after ``finishReason`` is lost. The two
        stay apart: a caller may set the finish chunk aside (a retried empty
        answer) and still count the usage.

        Raises:
            InvalidResponseError, StreamInterruptedError: the stream broke
                the end-of-stream rule (:func:`decode.check_end`).
        """
        check_end(
            events=self.events,
            finished=self.finished,
            candidate=self.candidate_index,
            in_call=self.partial.active,
        )
        held, self._held = self._held, None
        return [c for c in (held, self._finish_chunk()) if c is not None]

    def _finish_chunk(self) -> ChatGenerationChunk | None:
        """The deferred finish metadata as a chunk (None if nothing deferred)."""
        if not self._latest:
            return None
        metadata = {"model_provider": PROVIDER, **self._latest}
        # empty content of the kind the stream has ("" would turn blocks into
        # a list holding a string, [] a string into a list)
        content: str | list[Any] = [] if self.as_blocks else ""
        if self.v1:
            blocks: list[Any] = []
            _attach_citations(blocks, metadata, self)
            metadata["output_version"] = "v1"
            content = blocks
        info = None
        if "finish_reason" in metadata:
            info = {"finish_reason": metadata["finish_reason"]}
        return build_chunk(
            content,
            additional_kwargs={},
            tool_call_chunks=[],
            response_metadata=metadata,
            usage=None,
            response_id=None,
            generation_info=info,
        )


def _lead_chunk(text: str, response_id: Any) -> ChatGenerationChunk:
    """The text shown before an event's switch to blocks, as its own chunk."""
    return build_chunk(
        text,
        additional_kwargs={},
        tool_call_chunks=[],
        response_metadata={"model_provider": PROVIDER},
        usage={"input_tokens": 0, "output_tokens": 0, "total_tokens": 0},
        response_id=response_id,
        generation_info=None,
    )


def _joined(
    held: ChatGenerationChunk, chunk: ChatGenerationChunk
) -> ChatGenerationChunk:
    """``held`` (string content, still empty) merged into the next ``chunk``."""
    if isinstance(chunk.message.content, list):
        held.message.content = []  # "" + a list would lead the list with ""
    return held + chunk


def _v0_media(content: str | list[Any]) -> str | list[Any]:
    """Default output: generated images as ``image_url`` data-URI blocks.

    That is the form langchain-core's Gemini translator shows as ``image`` in
    ``.content_blocks`` (an ``image`` block would be ``non_standard`` there);
    ``index`` and ``extras`` (the thought signature) stay on the block.
    """
    if isinstance(content, str):
        return content
    out = []
    for block in content:
        if (
            isinstance(block, dict)
            and block.get("type") == "image"
            and "base64" in block
        ):
            url = f"data:{block['mime_type']};base64,{block['base64']}"
            image: dict[str, Any] = {"type": "image_url", "image_url": {"url": url}}
            image.update({k: block[k] for k in ("index", "extras") if k in block})
            out.append(image)
        else:
            out.append(block)
    return out


def result_from_response(
    body: dict[str, Any], *, output_version: str | None = None
) -> ChatResult:
    """A non-streamed ``generateContent`` answer -> ``ChatResult``.

    Each candidate is read exactly as a one-event stream would be (the same
    ``StreamState._render``, built as a ``ChatGeneration``), so
    ``invoke`` and merged ``stream`` chunks agree by construction. A body
    with neither candidates nor a prompt block reason is not an answer.
    """
    body = check_event(body)
    candidates = body.get("candidates") or []
    if not candidates and not is_final(body, {}):
        msg = (
            "malformed Gemini response: no candidates and no promptFeedback "
            f"blockReason (keys: {sorted(body)})"
        )
        raise InvalidResponseError(msg)
    indices = [candidate_index(c, i) for i, c in enumerate(candidates)]
    return ChatResult(
        generations=[
            _generation(body, index, output_version) for index in indices or [0]
        ]
    )


def _generation(
    body: dict[str, Any], index: int, output_version: str | None
) -> ChatGeneration:
    return StreamState(index, output_version=output_version).whole(body)
