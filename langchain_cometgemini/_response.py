"""Gemini -> LangChain: responses and stream events to messages and chunks.

Output flow::

    GenerateContentResponse (one JSON body, or one SSE event)
      -> StreamState.chunk(event)            one per event, state across events
           (plain-text events: straight to _chunks.text_chunk)
           -> _PartReader.read(part)         dispatch per part kind (text, thought,
                                             functionCall, inlineData, code, ...)
           -> usage delta, response_metadata (finish data on the final event only)
      -> ChatGenerationChunk
    result_from_response(body) = the same StreamState over a single event, so
    merged stream chunks equal the non-streamed message by construction.
    Grounding, citation, URL-context and logprobs metadata are gathered over
    the events and reported (snake_cased) on the final chunk.
    output_version="v1": the same blocks, mapped by ``to_v1`` to LangChain's
    standard blocks (reasoning, server_tool_call/result, tool_call, citations
    as text ``annotations``), with ``response_metadata["output_version"]``.

The content rule (one rule, for stream and non-stream alike): ``content`` is a
plain ``str`` while every part of the reply is visible text; as soon as any other
kind of part appears (a thought, an image, code, ...) ``content`` is a list of
blocks, one per run of parts, in order. Function calls never go into
``content``: they become ``tool_calls``. Generated media are ``image`` /
``audio`` blocks (``base64`` + ``mime_type``; an audio sample rate found in the
MIME type goes to ``extras.sample_rate``), each with its own ``index`` so that
streamed pieces never merge into one (invalid) base64 string. Thought
signatures are kept JSON-clean: on list blocks (``extras.signature`` /
``signature``), for string content in
``additional_kwargs["__gemini_text_thought_signatures__"]`` (offset into the
text + signature), and for function calls in
``additional_kwargs["__gemini_function_call_thought_signatures__"]`` keyed by
tool call id (the same key ``langchain-google-genai`` uses).
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)
from langchain_core.messages.block_translators.google_genai import (
    translate_grounding_metadata_to_citations,
)
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_cometgemini._chunks import text_chunk
from langchain_cometgemini._constants import (
    FC_SIGNATURES_KEY,
    GENERATED_ID_PREFIX,
    MODEL_PROVIDER,
    OUTCOME_CODES,
    TEXT_SIGNATURES_KEY,
)
from langchain_cometgemini._v1 import to_v1

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake_keys(value: Any) -> Any:
    """Copy of a JSON value with camelCase dict keys turned into snake_case."""
    if isinstance(value, dict):
        return {_snake(k): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


@functools.lru_cache(maxsize=1024)
def _snake(key: str) -> str:
    """``promptTokenCount`` -> ``prompt_token_count`` (the same few keys recur)."""
    return _CAMEL.sub("_", key).lower()


# -- usage -----------------------------------------------------------------

_USAGE_FIELDS = (
    "promptTokenCount",
    "toolUsePromptTokenCount",
    "candidatesTokenCount",
    "thoughtsTokenCount",
    "cachedContentTokenCount",
    "totalTokenCount",
)


_AUDIO_DETAILS = {
    "audioInput": "promptTokensDetails",
    "audioOutput": "candidatesTokensDetails",
}
"""Audio token counts, read from the per-modality details lists."""

_NO_USAGE = dict.fromkeys((*_USAGE_FIELDS, *_AUDIO_DETAILS), 0)
_COUNT_FIELDS = frozenset(_USAGE_FIELDS)


def _modality_count(details: Any, modality: str) -> int:
    total = 0
    for d in details or ():
        if isinstance(d, dict) and d.get("modality") == modality:
            total += int(d.get("tokenCount") or 0)
    return total


def _usage_counts(meta: dict[str, Any] | None) -> dict[str, int]:
    if not meta:
        return dict(_NO_USAGE)
    get = meta.get
    counts = {f: int(get(f) or 0) for f in _USAGE_FIELDS}
    for name, details in _AUDIO_DETAILS.items():
        listed = get(details)
        counts[name] = _modality_count(listed, "AUDIO") if listed else 0
    return counts


def usage_from_counts(counts: dict[str, int]) -> UsageMetadata:
    """Gemini's counts -> LangChain usage (input = prompt + tool-use prompt, ...)."""
    input_tokens = counts["promptTokenCount"] + counts["toolUsePromptTokenCount"]
    output_tokens = counts["candidatesTokenCount"] + counts["thoughtsTokenCount"]
    usage = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=counts["totalTokenCount"] or input_tokens + output_tokens,
    )
    inputs = InputTokenDetails()
    if counts["cachedContentTokenCount"]:
        inputs["cache_read"] = counts["cachedContentTokenCount"]
    if counts.get("audioInput"):
        inputs["audio"] = counts["audioInput"]
    outputs = OutputTokenDetails()
    if counts["thoughtsTokenCount"]:
        outputs["reasoning"] = counts["thoughtsTokenCount"]
    if counts.get("audioOutput"):
        outputs["audio"] = counts["audioOutput"]
    if inputs:
        usage["input_token_details"] = inputs
    if outputs:
        usage["output_token_details"] = outputs
    return usage


def _subtract(now: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: now[k] - before[k] for k in now}


# -- parts -------------------------------------------------------------------


class _PartReader:
    """Turns the parts of one event into content, tool call chunks and signatures.

    Consecutive parts of the same kind (visible text, thought) continue one block
    (same ``index``), so stream chunks merge back into the blocks Gemini sent.
    """

    def __init__(self, state: StreamState) -> None:
        self.state = state
        self.text: list[str] = []
        self.blocks: list[dict[str, Any]] = []
        self.tool_call_chunks: list[Any] = []
        self.calls: list[tuple[Any, Any, str]] = []  # (name, raw args, id)
        self.additional_kwargs: dict[str, Any] = {}

    def read(self, part: dict[str, Any]) -> None:
        signature = part.get("thoughtSignature")
        for key, handler in _PART_HANDLERS.items():
            if key in part:
                handler(self, part, signature)
                return
        self._block({"type": "non_standard", "value": part}, None, kind=None)

    # -- per kind ------------------------------------------------------------

    def text_part(self, part: dict[str, Any], signature: str | None) -> None:
        text = str(part["text"] or "")  # proxies sometimes send "text": null
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
        call = part["functionCall"] or {}
        call_id = str(call.get("id") or f"{GENERATED_ID_PREFIX}{uuid.uuid4().hex[:24]}")
        # Non-object args stay a JSON string, which LangChain reports as an
        # invalid tool call instead of silently parsing it to ``{}``.
        args = call.get("args", {})
        chunk = tool_call_chunk(
            name=call.get("name"),
            args=json.dumps(args),
            id=call_id,
            index=self.state.calls,
        )
        self.tool_call_chunks.append(chunk)
        self.calls.append((call.get("name"), args, call_id))
        self.state.calls += 1
        if signature:
            sigs = self.additional_kwargs.setdefault(FC_SIGNATURES_KEY, {})
            sigs[call_id] = signature

    def inline_data(self, part: dict[str, Any], signature: str | None) -> None:
        blob = part["inlineData"] or {}
        mime = str(blob.get("mimeType") or "application/octet-stream")
        block: dict[str, Any] = {
            "type": _media_type(mime),
            "base64": blob.get("data", ""),
            "mime_type": mime,
        }
        rate = sample_rate(mime)
        if rate:
            block["extras"] = {"sample_rate": rate}
        self._block(block, signature, kind=None)

    def file_data(self, part: dict[str, Any], signature: str | None) -> None:
        data = part["fileData"] or {}
        block = {"type": "file", "url": data.get("fileUri", "")}
        if data.get("mimeType"):
            block["mime_type"] = data["mimeType"]
        self._block(block, signature, kind=None)

    def executable_code(self, part: dict[str, Any], signature: str | None) -> None:
        code = part["executableCode"] or {}
        block = {
            "type": "executable_code",
            "executable_code": code.get("code", ""),
            "language": code.get("language", "PYTHON"),
        }
        if code.get("id"):
            block["id"] = code["id"]
        self._block(block, signature, kind=None)

    def code_result(self, part: dict[str, Any], signature: str | None) -> None:
        result = part["codeExecutionResult"] or {}
        outcome = str(result.get("outcome") or "OUTCOME_OK")
        block = {
            "type": "code_execution_result",
            "code_execution_result": result.get("output", ""),
            "outcome": OUTCOME_CODES.get(outcome, 0),
        }
        if result.get("id"):
            block["id"] = block["tool_call_id"] = result["id"]
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
}


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
    has switched from a string to blocks.
    """

    def __init__(
        self, candidate_index: int = 0, *, output_version: str | None = None
    ) -> None:
        self.candidate_index = candidate_index
        self.v1 = output_version == "v1"
        self.usage = _usage_counts(None)
        self._raw_usage: Any = None
        self.calls = 0
        self.text_length = 0
        self.as_blocks = self.v1
        self.first_text: int | None = None
        self.collected = _Collected()
        self._blocks = 0
        self._open: tuple[str | None, bool] | None = None

    def switch_to_blocks(self, reader: _PartReader) -> None:
        """From now on content is a list; text read so far becomes a block."""
        if self.as_blocks:
            return
        self.as_blocks = True
        if reader.text:
            text = "".join(reader.text)
            reader.text.clear()
            reader.blocks.append({"type": "text", "text": text, "index": self._next()})
            self.first_text = self._blocks - 1
            self._open = ("text", False)

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

    def chunk(self, event: dict[str, Any]) -> ChatGenerationChunk:
        """Convert one response/event into a chunk carrying only what is new."""
        text = None if self.as_blocks else self._plain_text(event)
        if text is not None:
            return self._text_chunk(event, text)
        return self.general_chunk(event)

    def _plain_text(self, event: dict[str, Any]) -> str | None:
        """The text of an event that is only visible text, else None.

        Fast-path test: one candidate (ours), holding nothing but ``content``
        (and ``index``) whose parts are all ``{"text": str}``; no finish
        data, no signature, no thought, no prompt feedback.
        """
        candidates = event.get("candidates")
        if (
            type(candidates) is not list
            or len(candidates) != 1
            or "promptFeedback" in event
        ):
            return None
        candidate = candidates[0]
        if type(candidate) is not dict or not candidate.keys() <= _PLAIN_KEYS:
            return None
        if candidate.get("index", 0) != self.candidate_index:
            return None
        content = candidate.get("content")
        parts = content.get("parts") if type(content) is dict else None
        if type(parts) is not list:
            return None
        texts = []
        for part in parts:
            if type(part) is not dict or len(part) != 1:
                return None
            text = part.get("text")
            if type(text) is not str:
                return None
            texts.append(text)
        return texts[0] if len(texts) == 1 else "".join(texts)

    def _text_chunk(self, event: dict[str, Any], text: str) -> ChatGenerationChunk:
        """The chunk of a plain-text event, built directly (same fields)."""
        self.text_length += len(text)
        usage = self._usage_delta(event.get("usageMetadata"))
        return text_chunk(text, usage, event.get("responseId"))

    def _usage_delta(self, raw: Any) -> UsageMetadata:
        """Usage since the previous event (Gemini repeats cumulative totals).

        An unchanged or missing ``usageMetadata`` means a zero delta (the
        totals so far stand): nothing to recount, never a negative count.
        """
        previous = self._raw_usage
        if raw == previous or not raw:
            return {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
        if (
            type(raw) is dict
            and type(previous) is dict
            and raw.keys() == previous.keys()
        ):
            changed = [k for k, v in raw.items() if v != previous[k]]
            if _COUNT_FIELDS.issuperset(changed):  # only plain counts moved
                return self._counts_delta(raw, changed)
        counts = _usage_counts(raw)
        delta, self.usage = _subtract(counts, self.usage), counts
        self._raw_usage = raw
        return usage_from_counts(delta)

    def _counts_delta(self, raw: dict[str, Any], changed: list[str]) -> UsageMetadata:
        """:meth:`_usage_delta` when only top-level counts changed (the usual)."""
        counts = dict(self.usage)
        delta = dict(_NO_USAGE)
        for key in changed:
            counts[key] = int(raw[key] or 0)
            delta[key] = counts[key] - self.usage[key]
        self.usage, self._raw_usage = counts, raw
        return usage_from_counts(delta)

    def general_chunk(self, event: dict[str, Any]) -> ChatGenerationChunk:
        """:meth:`chunk` for any event (the fast path's reference)."""
        read = self.read(event)
        message = AIMessageChunk(
            content=read.content,
            additional_kwargs=read.parts.additional_kwargs,
            tool_call_chunks=read.parts.tool_call_chunks,
            response_metadata=read.metadata,
            usage_metadata=read.usage,
            id=event.get("responseId"),
        )
        return ChatGenerationChunk(message=message, generation_info=read.info)

    def read(self, event: dict[str, Any]) -> _Event:
        """Everything one event adds, before it becomes a message or chunk."""
        candidate = _candidate(event, self.candidate_index)
        reader = _PartReader(self)
        for part in ((candidate or {}).get("content") or {}).get("parts") or ():
            if isinstance(part, dict):
                reader.read(part)
        usage = self._usage_delta(event.get("usageMetadata"))
        self.collected.add(candidate)
        metadata = _metadata(event, candidate, self.collected)
        content = reader.content()
        if self.v1:
            content = to_v1(content, reader.tool_call_chunks)
            _attach_citations(content, metadata, self)
            metadata["output_version"] = "v1"
        return _Event(reader, content, metadata, usage, _generation_info(candidate))


class _Event:
    """What :meth:`StreamState.read` found in one event."""

    __slots__ = ("content", "info", "metadata", "parts", "usage")

    def __init__(
        self,
        parts: _PartReader,
        content: str | list[Any],
        metadata: dict[str, Any],
        usage: UsageMetadata,
        info: dict[str, Any] | None,
    ) -> None:
        self.parts = parts
        self.content = content
        self.metadata = metadata
        self.usage = usage
        self.info = info

    def message(self, message_id: str | None) -> AIMessage:
        """The ``AIMessage`` a merged stream of this one event gives.

        Same rules as ``AIMessageChunk`` + :func:`message_from_chunk`, without
        the JSON round trip of the arguments: object arguments make a tool
        call (or an invalid one when the name is missing), anything else is
        an invalid call carrying the JSON text.
        """
        calls, not_objects, nameless = [], [], []
        for name, args, call_id in self.parts.calls:
            if not isinstance(args, dict):
                not_objects.append(
                    invalid_tool_call(
                        name=name, args=json.dumps(args), id=call_id, error=None
                    )
                )
            elif not name:
                nameless.append(
                    invalid_tool_call(
                        name=None,
                        args=json.dumps(args),
                        id=call_id,
                        error="Gemini sent a functionCall without a name",
                    )
                )
            else:
                calls.append(tool_call(name=name, args=args, id=call_id))
        return AIMessage(
            content=self.content,
            additional_kwargs=self.parts.additional_kwargs,
            response_metadata=self.metadata,
            tool_calls=calls,
            invalid_tool_calls=not_objects + nameless,
            usage_metadata=self.usage,
            id=message_id,
        )


_PLAIN_KEYS = frozenset({"content", "index"})
"""Candidate keys a plain-text event may carry (anything else: general path)."""


_COLLECTED_LISTS: dict[str, tuple[str, ...]] = {
    "groundingMetadata": (
        "groundingChunks",
        "groundingSupports",
        "webSearchQueries",
        "imageSearchQueries",
    ),
    "citationMetadata": ("citationSources",),
    "urlContextMetadata": ("urlMetadata",),
    "logprobsResult": ("chosenCandidates", "topCandidates"),
}
"""Candidate metadata whose lists a stream spreads over several events."""

_REPEATABLE = frozenset({"logprobsResult"})
"""Lists whose equal items are distinct (two decoding steps may look the same);
the others may be re-sent by the API and are de-duplicated."""


class _Collected:
    """Grounding, citation, URL-context and logprobs data gathered over a stream.

    Streamed events carry only what is new (e.g. grounding chunks not sent
    before); the final chunk reports the union, so merged chunks equal the
    non-streamed message and nothing is concatenated twice.
    """

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}

    def add(self, candidate: dict[str, Any] | None) -> None:
        for key, list_fields in _COLLECTED_LISTS.items():
            value = (candidate or {}).get(key)
            if isinstance(value, dict):
                into = self.values.setdefault(key, {})
                self._merge(into, value, list_fields, unique=key not in _REPEATABLE)

    @staticmethod
    def _merge(
        into: dict[str, Any],
        value: dict[str, Any],
        lists: tuple[str, ...],
        *,
        unique: bool,
    ) -> None:
        for field_name, item in value.items():
            if field_name in lists and isinstance(item, list):
                seen = into.setdefault(field_name, [])
                seen.extend(v for v in item if not unique or v not in seen)
            elif field_name == "logProbabilitySum" and field_name in into:
                into[field_name] += item
            else:
                into[field_name] = item

    def get(self, key: str) -> Any:
        """The gathered value of ``key``, snake_cased (None if never seen)."""
        value = self.values.get(key)
        return snake_keys(value) if value is not None else None


def _candidate(event: dict[str, Any], index: int) -> dict[str, Any] | None:
    for position, candidate in enumerate(event.get("candidates") or ()):
        if candidate.get("index", position) == index:
            return dict(candidate)
    return None


def _is_final(event: dict[str, Any], candidate: dict[str, Any] | None) -> bool:
    if candidate is not None and candidate.get("finishReason"):
        return True
    return bool((event.get("promptFeedback") or {}).get("blockReason"))


def _metadata(
    event: dict[str, Any], candidate: dict[str, Any] | None, collected: _Collected
) -> dict[str, Any]:
    meta: dict[str, Any] = {"model_provider": MODEL_PROVIDER}
    if not _is_final(event, candidate):
        return meta
    candidate = candidate or {}
    feedback = event.get("promptFeedback")
    block_reason = (feedback or {}).get("blockReason")
    meta["finish_reason"] = candidate.get("finishReason") or block_reason
    meta["model_name"] = event.get("modelVersion")
    meta["response_id"] = event.get("responseId")
    optional = {
        "finish_message": candidate.get("finishMessage"),
        "safety_ratings": snake_keys(candidate.get("safetyRatings")),
        "prompt_feedback": snake_keys(feedback),
        "citation_metadata": collected.get("citationMetadata"),
        "grounding_metadata": collected.get("groundingMetadata"),
        "url_context_metadata": collected.get("urlContextMetadata"),
        "logprobs_result": collected.get("logprobsResult"),
        "avg_logprobs": candidate.get("avgLogprobs"),
        "usage_details": _modality_details(event.get("usageMetadata")),
    }
    meta.update({k: v for k, v in optional.items() if v is not None})
    return meta


def _modality_details(usage: dict[str, Any] | None) -> dict[str, Any] | None:
    """Per-modality token counts and service tier, snake_cased, when present."""
    if not usage:
        return None
    keep = {
        k: v for k, v in usage.items() if k.endswith("Details") or k == "serviceTier"
    }
    return snake_keys(keep) or None


def _generation_info(candidate: dict[str, Any] | None) -> dict[str, Any] | None:
    if candidate and candidate.get("finishReason"):
        return {"finish_reason": candidate["finishReason"]}
    return None


def message_from_chunk(chunk: AIMessageChunk) -> AIMessage:
    """An ``AIMessage`` with the same fields as a (merged) chunk.

    A call without a function name cannot be run: it is reported in
    ``invalid_tool_calls``.
    """
    nameless = [c for c in chunk.tool_calls if not c["name"]]
    invalid = list(chunk.invalid_tool_calls) + [
        invalid_tool_call(
            name=None,
            args=json.dumps(c["args"]),
            id=c["id"],
            error="Gemini sent a functionCall without a name",
        )
        for c in nameless
    ]
    return AIMessage(
        content=chunk.content,
        additional_kwargs=chunk.additional_kwargs,
        response_metadata=chunk.response_metadata,
        tool_calls=[c for c in chunk.tool_calls if c["name"]],
        invalid_tool_calls=invalid,
        usage_metadata=chunk.usage_metadata,
        id=chunk.id,
    )


def result_from_response(
    body: dict[str, Any], *, output_version: str | None = None
) -> ChatResult:
    """A non-streamed ``generateContent`` answer -> ``ChatResult``.

    Each candidate is read exactly as a one-event stream would be, so
    ``invoke`` and merged ``stream`` chunks agree.
    """
    indices = [c.get("index", i) for i, c in enumerate(body.get("candidates") or ())]
    return ChatResult(
        generations=[
            _generation(body, index, output_version) for index in indices or [0]
        ]
    )


def _generation(
    body: dict[str, Any], index: int, output_version: str | None
) -> ChatGeneration:
    state = StreamState(index, output_version=output_version)
    if state.v1:  # v1 blocks carry tool calls too: LangChain's own merge rules
        chunk = state.chunk(body)
        message = message_from_chunk(chunk.message)  # type: ignore[arg-type]
        return ChatGeneration(message=message, generation_info=chunk.generation_info)
    read = state.read(body)
    message = read.message(body.get("responseId"))
    return ChatGeneration(message=message, generation_info=read.info)
