"""LangChain -> Gemini: messages to ``systemInstruction`` and ``contents``.

Input flow::

    convert_messages(messages, model, partial=False)
      check_text                -> a lone surrogate anywhere: ValueError naming
                                   the message and block, before anything else
      SystemMessage (anywhere)  -> systemInstruction parts
      HumanMessage              -> role "user"  parts   (content_parts)
      AIMessage                 -> role "model" parts   (_ai_parts: content blocks,
                                   text signatures at their offsets (also on
                                   list content), then functionCall parts)
        of another provider     -> (_foreign_ai_parts: its text and media
                                   only; reasoning, signatures, citations,
                                   server tools and ids dropped)
      ToolMessage               -> role "user"  functionResponse part: name and
                                   Gemini id looked up from the answered call;
                                   its texts and JSON values in order
                                   (tool_output): one strict-JSON text decoded
                                   (else, or too deep, {"result": text}), one
                                   value as is, several as a list;
                                   status="error" -> {"error": ...}; on Gemini 3
                                   bare inline media go into
                                   functionResponse.parts, other media follow
                                   as ordinary parts
      tool calls and results    -> names checked (names.check_function_name),
                                   args and values: at most MAX_DEPTH deep, no
                                   NaN/Infinity (check_json)
      -> parallel results of one model turn: one Content, in call order
      -> consecutive same-role turns merged into one Content
      -> an empty opening HumanMessage (or only empty texts): one empty user
         text, which Gemini answers (as recorded real requests show); an empty
         turn inside the conversation (an empty answer) is one empty text too,
         not dropped (which would merge the turns around it)
      -> Gemini 3 and later (``_profiles.generation``: the -latest aliases and
         unknown future names too): a model turn whose calls lost their
         signature gets the documented placeholder
      partial=True (token counting of a trim_messages slice): [] -> nothing,
      system alone -> one user content, a result without its call -> sent
      under its ``name``

Content blocks (text, thinking, media, code...) are converted by
``_blocks.py``; this module handles whole messages, roles, tool calls and
thought signatures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_cometgemini._json import loads
from langchain_cometgemini._wire.blocks import (
    checked_signature,
    content_parts,
    foreign_parts,
    with_signature,
)
from langchain_cometgemini._wire.constants import (
    FC_SIGNATURES_KEY,
    GEMINI_FORMAT,
    GENERATED_ID_PREFIX,
    TEXT_SIGNATURES_KEY,
)
from langchain_cometgemini._wire.names import check_function_name
from langchain_cometgemini._wire.profiles import generation

SKIP_SIGNATURE = "skip_thought_signature_validator"
"""Google's documented placeholder for a function call whose signature is lost."""

GEMINI_PROVIDERS = frozenset({*GEMINI_FORMAT, "google_vertexai"})
"""``response_metadata["model_provider"]`` values whose messages hold Gemini's own
parts and thought signatures (this package, langchain-google-genai / -vertexai)."""

Part = dict[str, Any]
Content = dict[str, Any]


class _Calls:
    """Tool calls seen so far: id -> (name, Gemini id to echo, position)."""

    __slots__ = ("by_id",)

    def __init__(self) -> None:
        self.by_id: dict[str, tuple[str, str | None, int]] = {}

    def add(self, message: AIMessage) -> None:
        from_gemini = _provider(message) in GEMINI_FORMAT
        for position, call in enumerate(message.tool_calls):
            call_id = call.get("id") or ""
            echo = from_gemini and not call_id.startswith(GENERATED_ID_PREFIX)
            self.by_id[call_id] = (call["name"], call_id if echo else None, position)


# -- messages --------------------------------------------------------------------


def _provider(message: BaseMessage) -> str | None:
    provider = message.response_metadata.get("model_provider")
    return str(provider) if provider else None


def is_foreign(message: AIMessage) -> bool:
    """Whether ``message`` was produced by another provider (OpenAI, Anthropic...).

    Such a message carries that provider's reasoning, signatures and server-side
    tool blocks, none of which Gemini can take; a message without a
    ``model_provider`` (built by hand) is taken as Gemini's.
    """
    provider = _provider(message)
    return provider is not None and provider not in GEMINI_PROVIDERS


def _ai_parts(message: AIMessage) -> list[Part]:
    if is_foreign(message):
        return _foreign_ai_parts(message)
    slots: dict[str, int] = {}
    if isinstance(message.content, str):
        parts = _signed_text_parts(message)
    else:
        parts = _replay_text_signatures(content_parts(message.content), message)
        if not _text_signatures(message):  # parts as the blocks gave them
            slots = _call_slots(message.content)
    signatures = message.additional_kwargs.get(FC_SIGNATURES_KEY) or {}
    if not isinstance(signatures, dict):
        msg = (
            f"additional_kwargs[{FC_SIGNATURES_KEY!r}] must map tool call ids to "
            f"signatures, not {type(signatures).__name__}."
        )
        raise ValueError(msg)
    from_gemini = _provider(message) in GEMINI_FORMAT
    calls: list[tuple[str, Part]] = []
    for call in message.tool_calls:
        call_id = call.get("id") or ""
        function_call = _function_call(call)
        if from_gemini and call_id and not call_id.startswith(GENERATED_ID_PREFIX):
            function_call["id"] = call_id
        part = with_signature({"functionCall": function_call}, signatures.get(call_id))
        calls.append((call_id, part))
    return _place_calls(parts, calls, slots)


def _call_slots(content: list[Any]) -> dict[str, int]:
    """Where each ``tool_call`` block sits among the parts, by call id.

    Standard (v1) content keeps Gemini's order of parts, calls included; a
    call's part goes back there (a function call before a search Gemini ran
    in the same step stays before it).
    """
    slots: dict[str, int] = {}
    count = 0
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_call":
            slots.setdefault(str(block.get("id") or ""), count)
        else:
            count += len(content_parts([block]))
    return slots


def _place_calls(
    parts: list[Part], calls: list[tuple[str, Part]], slots: dict[str, int]
) -> list[Part]:
    """``parts`` with each call's part at its slot; calls without one at the end."""
    out: list[Part] = []
    for index in range(len(parts) + 1):
        out.extend(part for call_id, part in calls if slots.get(call_id) == index)
        if index < len(parts):
            out.append(parts[index])
    out.extend(part for call_id, part in calls if call_id not in slots)
    return out


def _foreign_ai_parts(message: AIMessage) -> list[Part]:
    """Another provider's reply: its visible text and media, then its tool calls.

    Read from the raw content (langchain-core's translators drop bare string
    blocks): reasoning (Anthropic ``thinking``/``redacted_thinking``, OpenAI
    ``reasoning`` items), signatures, citations and server-side tool blocks are
    dropped; the calls carry no signature of their own (Gemini 3 gets the
    placeholder).
    """
    content = message.content
    parts = foreign_parts([content] if isinstance(content, str) else list(content))
    for call in message.tool_calls:
        parts.append({"functionCall": _function_call(call)})
    return parts


def _function_call(call: Any) -> dict[str, Any]:
    """A LangChain tool call -> ``functionCall`` (name and args checked).

    Raises:
        ValueError: a name Gemini refuses, or args nested too deeply.
    """
    name = check_function_name(call["name"], "tool call")
    check_json(call["args"], f"tool call {name!r} args")
    return {"name": name, "args": call["args"]}


def _text_signatures(message: AIMessage) -> list[tuple[int, str]]:
    """``[(offset, signature)]`` recorded for the text, checked.

    Raises:
        ValueError: the entry is not a list of ``{"offset": int, "signature":
            base64}`` dicts.
    """
    entries = message.additional_kwargs.get(TEXT_SIGNATURES_KEY) or []
    found = []
    for entry in entries if isinstance(entries, list) else [entries]:
        offset = entry.get("offset") if isinstance(entry, dict) else None
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            msg = (
                f"additional_kwargs[{TEXT_SIGNATURES_KEY!r}] holds {entry!r:.80}; "
                "expected {'offset': int >= 0, 'signature': base64} entries."
            )
            raise ValueError(msg)
        found.append((offset, checked_signature(entry.get("signature"))))
    return sorted(found)


def _replay_text_signatures(parts: list[Part], message: AIMessage) -> list[Part]:
    """Signatures recorded at text offsets, put back on list content.

    A reply whose content switched from a string to blocks (a signed text part,
    then an image) keeps its text signatures in ``additional_kwargs`` as offsets
    into the visible text: each goes back on the text part starting there
    (split if it starts inside one), in order, unless that part is already signed.
    """
    cuts = _text_signatures(message)
    if not cuts:
        return parts
    out: list[Part] = []
    position = 0
    pending = list(cuts)
    last_text = -1
    for part in parts:
        if not _is_visible_text(part):
            out.append(part)
            continue
        for piece in _split_at(part, position, pending):
            out.append(piece)
        last_text = len(out) - 1
        position += len(part["text"])
    for _, signature in pending:  # at (or past) the end of the text
        out.insert(last_text + 1, {"text": "", "thoughtSignature": signature})
        last_text += 1
    return out


def _is_visible_text(part: Part) -> bool:
    return "text" in part and not part.get("thought")


def _split_at(part: Part, start: int, pending: list[tuple[int, str]]) -> Iterator[Part]:
    """``part`` (visible text at ``start``) cut at the pending offsets inside it."""
    text: str = part["text"]
    end = start + len(text)
    head = dict(part)
    cursor = start
    while pending and pending[0][0] < end:
        offset, signature = pending.pop(0)
        offset = max(offset, cursor)
        if offset > cursor:
            yield {**head, "text": text[cursor - start : offset - start]}
            head = {k: v for k, v in part.items() if k != "thoughtSignature"}
            cursor = offset
        if not head.get("thoughtSignature"):
            head["thoughtSignature"] = signature
    yield {**head, "text": text[cursor - start :]}


def _signed_text_parts(message: AIMessage) -> list[Part]:
    """String content, split at the recorded offsets so signatures stay in place."""
    text = str(message.content)
    cuts = _text_signatures(message)
    if not cuts:
        return [{"text": text}] if text else []
    parts: list[Part] = []
    if cuts[0][0] > 0:
        parts.append({"text": text[: cuts[0][0]]})
    for i, (offset, signature) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        parts.append({"text": text[offset:end], "thoughtSignature": signature})
    return parts


class _Result(NamedTuple):
    """One tool result: its call's position, functionResponse part, media parts."""

    position: int
    part: Part
    media: list[Part]


def _tool_response(
    message: ToolMessage | FunctionMessage,
    calls: _Calls,
    *,
    multimodal: bool,
    partial: bool = False,
) -> _Result:
    if isinstance(message, FunctionMessage):
        name, gemini_id, position = message.name, None, 0
    else:
        name, gemini_id, position = _lookup_call(message, calls, partial=partial)
    output = tool_output(message.content)
    error = getattr(message, "status", "success") == "error"
    response: dict[str, Any] = {
        "name": check_function_name(name, "tool result"),
        "response": _payload(output.items, error=error) if output.items else {},
    }
    if gemini_id:
        response["id"] = gemini_id
    inline = [p for p in output.media if _response_part(p)] if multimodal else []
    if inline:
        response["parts"] = inline
    others = [p for p in output.media if not any(p is q for q in inline)]
    return _Result(position, {"functionResponse": response}, others)


def _response_part(part: Part) -> bool:
    """Whether a media part fits ``functionResponse.parts``: inline data only.

    ``FunctionResponsePart`` has no ``mediaResolution``, ``videoMetadata``,
    ``fileData`` or signature; such parts follow as ordinary parts.
    """
    return part.keys() == {"inlineData"}


def _lookup_call(
    message: ToolMessage, calls: _Calls, *, partial: bool
) -> tuple[str, str | None, int]:
    found = calls.by_id.get(message.tool_call_id)
    if found is None and partial:  # a slice of a history (trim_messages)
        return message.name or "tool", None, len(calls.by_id)
    if found is None:
        msg = (
            f"ToolMessage with tool_call_id={message.tool_call_id!r} answers no tool "
            "call of an earlier AIMessage in this conversation."
        )
        raise ValueError(msg)
    return found


_MEDIA_BLOCKS = frozenset(
    {"image", "audio", "video", "file", "image_url", "media", "input_audio"}
)


class ToolOutput:
    """A tool result's content: texts and JSON values in order, then media."""

    __slots__ = ("items", "media")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.media: list[Part] = []

    def text(self, text: str) -> None:
        if self.items and isinstance(self.items[-1], _Text):
            self.items[-1] = _Text(self.items[-1] + text)
        else:
            self.items.append(_Text(text))


class _Text(str):
    """Text of a tool result (a JSON value may be a plain ``str`` too)."""


def tool_output(content: str | list[Any]) -> ToolOutput:
    """Tool output -> its texts and values (in order) and its media parts.

    Text blocks (``text``, ``text-plain`` with text, an Anthropic ``document``
    with a text source) are text; ``json`` blocks and ``non_standard`` values
    are JSON values; media become parts; any other block converts as in a
    user turn (an unknown type raises ``ValueError``).
    """
    output = ToolOutput()
    if isinstance(content, str):
        output.text(content)
        return output
    for block in content:
        _add_block(output, block)
    if not output.items and not output.media:
        output.text("")
    return output


def _add_block(output: ToolOutput, block: Any) -> None:
    if isinstance(block, str):
        output.text(block)
        return
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "non_standard" and isinstance(block, dict):
        value = block.get("value")
        if isinstance(value, dict) and "type" in value:
            _add_block(output, value)
        else:
            output.items.append(value)
    elif kind == "json" and isinstance(block, dict):
        output.items.append(block.get("json"))
    elif kind in _MEDIA_BLOCKS:
        output.media.extend(content_parts([block]))
    else:
        for part in content_parts([block]):
            if part.keys() == {"text"}:
                output.text(part["text"])
            else:
                output.media.append(part)


def _payload(items: list[Any], *, error: bool) -> dict[str, Any]:
    """The ``response`` struct: one JSON text decoded, one value as is, else a list.

    Text that is not strict JSON (``NaN``, ``Infinity``, prose) or is nested too
    deeply for Gemini travels as the string it is.

    Raises:
        ValueError: a JSON value (not text) nested too deeply for Gemini.
    """
    key = "error" if error else "result"
    values = [_decoded(item) if isinstance(item, _Text) else item for item in items]
    for value in values:
        check_json(value, "tool result")
    if len(values) > 1:
        return {key: values}
    value = values[0]
    if isinstance(value, dict) and not error:
        return value
    return {key: value}


def _decoded(text: str) -> Any:
    """A tool's text as JSON when it is strict JSON within the depth limit."""
    stripped = text.strip()
    if not stripped or stripped[0] not in '{["-0123456789tfn':
        return str(text)
    try:
        value = loads(text)
    except ValueError:
        return str(text)
    return value if within_depth(value) else str(text)


MAX_DEPTH = 90
"""Nesting Gemini's JSON parser takes under a part (its limit is 100 levels
for the whole request, of which the body around a part uses a few)."""


def within_depth(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests dicts and lists at most ``limit`` deep."""
    return _first_problem(value, limit) != "depth"


def _first_problem(value: Any, limit: int) -> str | None:
    """``"depth"`` (nested too deeply), ``"number"`` (NaN or infinite) or None."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return "number"
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return "depth"
        stack.extend((child, depth + 1) for child in children)
    return None


def check_json(value: Any, where: str) -> None:
    """Raise for a value Gemini's JSON cannot take.

    Raises:
        ValueError: ``value`` nests more than ``MAX_DEPTH`` levels, or holds a
            NaN or infinite number (not JSON).
    """
    problem = _first_problem(value, MAX_DEPTH)
    if problem == "depth":
        msg = (
            f"{where} nests dicts/lists more than {MAX_DEPTH} levels deep; "
            "Gemini's JSON parser refuses such requests (flatten it, or send it "
            "as a string)."
        )
        raise ValueError(msg)
    if problem == "number":
        msg = f"{where} holds NaN or an infinite number, which JSON cannot carry."
        raise ValueError(msg)


def _chat_message_role(message: ChatMessage) -> str:
    role = {"user": "user", "human": "user", "assistant": "model", "model": "model"}
    if message.role in role:
        return role[message.role]
    msg = f"ChatMessage role {message.role!r} is not supported (use user or assistant)."
    raise ValueError(msg)


def _turn(message: BaseMessage, calls: _Calls) -> tuple[str, list[Part]]:
    if isinstance(message, HumanMessage):
        return "user", content_parts(message.content)
    if isinstance(message, AIMessage):
        calls.add(message)
        return "model", _ai_parts(message)
    if isinstance(message, FunctionMessage):
        result = _tool_response(message, calls, multimodal=False)
        return "user", [result.part, *result.media]
    if isinstance(message, ChatMessage):
        return _chat_message_role(message), content_parts(message.content)
    msg = (
        f"Unsupported message type {type(message).__name__}: use SystemMessage, "
        "HumanMessage, AIMessage or ToolMessage."
    )
    raise ValueError(msg)


def convert_messages(
    messages: Sequence[BaseMessage], *, model: str, partial: bool = False
) -> tuple[Content | None, list[Content]]:
    """Return ``(systemInstruction, contents)`` for a generateContent request.

    Args:
        messages: The conversation.
        model: The model it is sent to (its generation decides the signature and
            tool-result rules).
        partial: Convert any slice of a history, as token counting gets it from
            ``trim_messages``: ``[]`` gives ``(None, [])``, system messages alone
            become one user content, and a tool result whose call is not in the
            list is sent under its ``name`` (or ``"tool"``).

    Raises:
        ValueError: the conversation is empty or only system messages (unless
            ``partial``), a text holds a lone surrogate, or a message or content
            block is one Gemini cannot take.
    """
    check_text(messages)
    if not messages and not partial:
        raise ValueError("Cannot call Gemini with an empty list of messages.")
    system: list[Part] = []
    contents: list[Content] = []
    calls = _Calls()
    multimodal = requires_signatures(model)  # Gemini 3: media in functionResponse
    results: list[_Result] = []  # parallel tool results of one model turn
    turns = 0
    for position, message in enumerate(messages):
        if isinstance(message, SystemMessage):
            system.extend(content_parts(message.content))
            continue
        turns += 1
        if isinstance(message, ToolMessage):
            result = _tool_response(
                message, calls, multimodal=multimodal, partial=partial
            )
            results.append(result)
        else:
            _flush_results(contents, results)
            role, parts = _turn(message, calls)
            if not parts and not contents and isinstance(message, HumanMessage):
                parts = [{"text": ""}]  # an empty opening turn is sent as Gemini
            elif isinstance(message, AIMessage) and not parts and contents:
                if position + 1 < len(messages):
                    parts = [{"text": ""}]  # an empty answer stays a turn
            _append(contents, role, parts)
    _flush_results(contents, results)
    if (
        contents
        and len(contents[0]["parts"]) > 1
        and contents[0]["parts"][0] == {"text": ""}
    ):
        del contents[0]["parts"][0]  # the opening turn has text after all
    if not contents and turns:
        # Only empty texts ([SystemMessage(...), HumanMessage("")]): Gemini
        # answers an empty user text, so send that rather than refuse.
        contents.append({"role": "user", "parts": [{"text": ""}]})
    if not contents and partial:
        return None, ([{"role": "user", "parts": system}] if system else [])
    if not contents:
        msg = "The conversation has no user or model message (only system messages)."
        raise ValueError(msg)
    if requires_signatures(model):
        _add_placeholder_signatures(contents)
    return ({"parts": system} if system else None), contents


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(messages: Sequence[BaseMessage]) -> None:
    """Refuse a lone surrogate anywhere in the messages' text, before sending.

    JSON cannot carry one as UTF-8; the error names the message, the block and
    the position instead of the encoder's byte offset.

    Raises:
        ValueError: a string holds a lone surrogate (U+D800..U+DFFF).
    """
    for index, message in enumerate(messages):
        content = message.content
        if isinstance(content, str):
            _check_string(content, index, message, "content")
        else:
            for number, block in enumerate(content):
                _check_value(block, index, message, f"content block {number}")
        for call in getattr(message, "tool_calls", None) or ():
            _check_value(call["args"], index, message, f"tool call {call['name']!r}")


def _check_value(value: Any, index: int, message: BaseMessage, where: str) -> None:
    """Every string inside ``value`` (iteratively: any depth is walked)."""
    stack = [(value, where)]
    while stack:
        item, place = stack.pop()
        if isinstance(item, str):
            _check_string(item, index, message, place)
        elif isinstance(item, dict):
            stack.extend((v, f"{place}, {k!r}") for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, place) for v in item)


def _check_string(text: str, index: int, message: BaseMessage, where: str) -> None:
    if text.isascii():
        return
    match = _SURROGATE.search(text)
    if match is None:
        return
    msg = (
        f"messages[{index}] ({type(message).__name__}), {where}: lone surrogate "
        f"U+{ord(match.group()):04X} at character {match.start()}; Gemini takes "
        "only valid Unicode text (decode the source with errors='replace', or "
        "join the surrogate pair)."
    )
    raise ValueError(msg)


def _append(contents: list[Content], role: str, parts: list[Part]) -> None:
    if not parts:
        return
    if contents and contents[-1]["role"] == role:
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _flush_results(contents: list[Content], results: list[_Result]) -> None:
    """Parallel results for one model turn go back in call order, in one Content.

    Media that cannot travel inside a functionResponse (older models, file
    URLs) follow the responses as ordinary parts of the same Content.
    """
    results.sort(key=lambda result: result.position)
    parts = [result.part for result in results]
    parts += [media for result in results for media in result.media]
    _append(contents, "user", parts)
    results.clear()


def requires_signatures(model: str) -> bool:
    """Gemini 3 and later reject replayed function calls without signatures.

    The family decides, not a list of names: ``gemini-flash-latest`` and an
    unknown future ``gemini-5-...`` follow the newest rules.
    """
    return generation(model) >= 3


def _add_placeholder_signatures(contents: list[Content]) -> None:
    for content in contents:
        if content["role"] != "model":
            continue
        calls = [p for p in content["parts"] if "functionCall" in p]
        if calls and not calls[0].get("thoughtSignature"):
            calls[0]["thoughtSignature"] = SKIP_SIGNATURE
