"""LangChain content blocks -> Gemini parts, one small converter per block type.

Input flow::

    content_parts(content)
      str                        -> [{"text": ...}]
      list of blocks             -> _block_parts(block) for each, by ``type``:
        text / text-plain        -> text part
        thinking | reasoning     -> {"text", "thought": true}
        executable_code | server_tool_call (code_interpreter)  -> executableCode
        code_execution_result | server_tool_result (with an outcome)
                                 -> codeExecutionResult
        server_tool_call / server_tool_result with ``extras.tool_type``
                                 -> toolCall / toolResponse (search, maps...)
        image|audio|video|file|image_url|media|input_audio -> _media.media_part
        non_standard             -> its ``value``: a raw Gemini part, or a
                                    wrapped LangChain block converted again
        tool_call & co, refusal  -> nothing (calls travel in ``tool_calls``)
      signatures found on a block (``extras.signature``, ``signature``) go back
      on the part as ``thoughtSignature``; a code / server-side tool block with
      ``extras.thought`` goes back with ``thought: true``. A ``toolCall``
      without arguments / a ``toolResponse`` without a response is sent
      without them (as Gemini sent it).

Both this package's own blocks and LangChain's standard (v1) blocks replay
losslessly: a message produced with ``output_version="v1"`` sends back the same
parts, signatures included. An unknown block type raises ``ValueError`` before
anything is sent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from langchain_cometgemini._wire.constants import OUTCOME_CODES
from langchain_cometgemini._wire.media import media_part
from langchain_cometgemini._wire.names import camel

Part = dict[str, Any]


def _string(block: dict[str, Any], *keys: str) -> str:
    """The block's text under the first of ``keys`` it has ("" when none).

    Raises:
        TypeError: the value is not a string (``None`` would be sent as "None").
    """
    for key in keys:
        if key in block:
            value = block[key]
            if isinstance(value, str):
                return value
            msg = (
                f"A {block.get('type')!r} content block needs a string {key!r}, "
                f"not {type(value).__name__}: {value!r:.60}."
            )
            raise TypeError(msg)
    return ""


def _text_block(block: dict[str, Any]) -> list[Part]:
    part: Part = {"text": _string(block, "text")}
    return [with_signature(part, _block_signature(block))]


def _thinking_block(block: dict[str, Any]) -> list[Part]:
    text = _string(block, "thinking", "reasoning")
    part: Part = {"text": text, "thought": True}
    return [with_signature(part, _block_signature(block))]


LANGUAGES = ("PYTHON",)
"""``ExecutableCode.language`` values Gemini runs (discovery document)."""


def _language(value: Any) -> str:
    language = str(getattr(value, "name", value) or "PYTHON").upper()
    if language not in LANGUAGES:
        msg = (
            f"executable_code language {value!r:.40} is not one Gemini runs: "
            f"{', '.join(LANGUAGES)} only."
        )
        raise ValueError(msg)
    return language


def _code_block(block: dict[str, Any]) -> list[Part]:
    code = {
        "language": _language(block.get("language")),
        "code": _string(block, "executable_code", "code"),
    }
    return [_code_part("executableCode", code, block, block.get("id"))]


def _code_result_block(block: dict[str, Any]) -> list[Part]:
    result = {
        "outcome": _known_outcome(block.get("outcome", "OUTCOME_OK")),
        "output": _string(block, "code_execution_result", "output"),
    }
    call_id = block.get("tool_call_id") or block.get("id")
    return [_code_part("codeExecutionResult", result, block, call_id)]


def _code_part(
    key: str, value: dict[str, Any], block: dict[str, Any], id_: Any
) -> Part:
    if id_:
        value["id"] = str(id_)
    return _server_part({key: value}, block)


def _server_part(part: Part, block: dict[str, Any]) -> Part:
    """A code / server-side tool part, with its signature and thought flag.

    What the block kept of the original part: ``thoughtSignature`` and
    ``thought: true`` (``extras.thought``).
    """
    extras = block.get("extras")
    if isinstance(extras, dict) and extras.get("thought"):
        part["thought"] = True
    return with_signature(part, _block_signature(block))


_OUTCOME_NAMES = {code: name for name, code in OUTCOME_CODES.items()}


def _outcome_name(outcome: Any) -> str:
    """Gemini's outcome name from a name or its enum number."""
    if isinstance(outcome, int):
        return _OUTCOME_NAMES.get(outcome, "OUTCOME_FAILED")
    text = str(getattr(outcome, "name", outcome)).upper()
    return text if text.startswith("OUTCOME_") else f"OUTCOME_{text}"


def _known_outcome(outcome: Any) -> str:
    """A block's own outcome, as one of the outcomes Gemini's enum holds.

    (A newer outcome Gemini sent is kept in ``extras`` and replayed from there.)

    Raises:
        ValueError: an outcome the enum does not hold.
    """
    name = _outcome_name(outcome)
    if name not in OUTCOME_CODES or isinstance(outcome, float):
        msg = (
            f"code_execution_result outcome {outcome!r:.40} is not one Gemini "
            f"knows: {', '.join(OUTCOME_CODES)} (or its number)."
        )
        raise ValueError(msg)
    return name


_CODE_TOOLS = frozenset({"code_interpreter", "code_execution", "codeExecution"})


def _tool_type(block: dict[str, Any]) -> str | None:
    """Gemini's ``toolType`` of a server-side tool block (kept in ``extras``)."""
    extras = block.get("extras") or {}
    kind = (
        extras.get("tool_type") or extras.get("toolType")
        if isinstance(extras, dict)
        else None
    )
    return str(kind) if kind else None


def _server_tool_call(block: dict[str, Any]) -> list[Part]:
    """v1 ``server_tool_call`` of Gemini -> ``executableCode`` or ``toolCall``.

    Code execution replays as code; Gemini's other server-side calls (they keep
    ``extras.tool_type``) as the ``toolCall`` part they came from.
    """
    tool_type = _tool_type(block)
    if block.get("name") not in _CODE_TOOLS and tool_type:
        call: dict[str, Any] = {"toolType": tool_type}
        if block.get("args"):
            call["args"] = block["args"]
        if block.get("id"):
            call["id"] = str(block["id"])
        return [_server_part({"toolCall": call}, block)]
    if block.get("name") not in _CODE_TOOLS:
        return []  # other providers' server tools cannot be replayed to Gemini
    args = block.get("args") or {}
    code = {
        "language": _language(args.get("language")),
        "code": _string(args, "code"),
    }
    return [_code_part("executableCode", code, block, block.get("id"))]


def _server_tool_result(block: dict[str, Any]) -> list[Part]:
    """v1 ``server_tool_result`` -> ``codeExecutionResult`` or ``toolResponse``.

    Code execution records an outcome; Gemini's other server-side tools keep
    ``extras.tool_type``.
    """
    extras = block.get("extras") or {}
    tool_type = _tool_type(block)
    if "outcome" not in extras and tool_type:
        output = block.get("output")
        result: dict[str, Any] = {"toolType": tool_type}
        if output is not None:
            result["response"] = (
                output if isinstance(output, dict) else {"output": output}
            )
        if block.get("tool_call_id"):
            result["id"] = str(block["tool_call_id"])
        return [_server_part({"toolResponse": result}, block)]
    if "outcome" not in extras:
        return []
    result = {
        "outcome": _outcome_name(extras["outcome"]),
        "output": str(block.get("output") or ""),
    }
    return [_code_part("codeExecutionResult", result, block, block.get("tool_call_id"))]


def _plain_text_block(block: dict[str, Any]) -> list[Part]:
    if block.get("text") is not None:
        return _text_block(block)
    return _media_block({**block, "mime_type": block.get("mime_type") or "text/plain"})


def _media_block(block: dict[str, Any]) -> list[Part]:
    return [with_signature(media_part(block), _block_signature(block))]


def _document_block(block: dict[str, Any]) -> list[Part]:
    """Anthropic ``document``: a text or content source is text; others media."""
    source = block.get("source")
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "text" and isinstance(source, dict):
        return _text_block({"type": "text", "text": source.get("data")})
    if kind == "content" and isinstance(source, dict):
        inner = source.get("content")
        return content_parts(inner if isinstance(inner, (str, list)) else [inner])
    return _media_block(block)


def _non_standard_block(block: dict[str, Any]) -> list[Part]:
    value = block.get("value")
    if not isinstance(value, dict):
        msg = "A 'non_standard' content block needs a dict 'value' (a Gemini part)."
        raise ValueError(msg)
    if "type" in value:  # a block LangChain's translator did not know: unwrap it
        return _block_parts(value)
    return [_raw_part(value)]


PART_FIELDS = frozenset(
    {
        "text",
        "inlineData",
        "fileData",
        "functionCall",
        "functionResponse",
        "executableCode",
        "codeExecutionResult",
        "toolCall",
        "toolResponse",
        "thought",
        "thoughtSignature",
        "videoMetadata",
        "mediaResolution",
        "partMetadata",
    }
)
"""``Part``'s fields in Google's discovery document."""


def _raw_part(value: dict[str, Any]) -> Part:
    """A Gemini part given as is (either spelling of its keys) -> camelCase.

    Raises:
        ValueError: a key that is no field of Gemini's ``Part``.
    """
    part = {camel(str(k)): v for k, v in value.items()}
    unknown = sorted(set(part) - PART_FIELDS)
    if unknown:
        msg = (
            f"A 'non_standard' block's value is sent as a Gemini part, which has "
            f"no field {unknown}: {value!r:.80}."
        )
        raise ValueError(msg)
    return part


def _skip_block(block: dict[str, Any]) -> list[Part]:
    return []


_BLOCK_CONVERTERS: dict[str, Callable[[dict[str, Any]], list[Part]]] = {
    "text": _text_block,
    "thinking": _thinking_block,
    "reasoning": _thinking_block,
    "executable_code": _code_block,
    "code_execution_result": _code_result_block,
    "image": _media_block,
    "audio": _media_block,
    "video": _media_block,
    "file": _media_block,
    "document": _document_block,
    "image_url": _media_block,
    "media": _media_block,
    "input_audio": _media_block,
    "non_standard": _non_standard_block,
    "text-plain": _plain_text_block,
    "server_tool_call": _server_tool_call,
    "server_tool_result": _server_tool_result,
    # calls live in tool_calls; these blocks only mirror them
    "tool_call": _skip_block,
    "tool_call_chunk": _skip_block,
    "server_tool_call_chunk": _skip_block,
    "invalid_tool_call": _skip_block,
    "function_call": _skip_block,
    "function_call_signature": _skip_block,
    "tool_use": _skip_block,
    "refusal": _skip_block,  # derived from finish data, not content Gemini sent
}


_FOREIGN_MEDIA = frozenset(
    {"image", "audio", "video", "file", "image_url", "input_audio", "document"}
)


def foreign_parts(blocks: list[Any]) -> list[Part]:
    """Another provider's reply content -> parts.

    Only what Gemini can take from a model turn is kept: visible text (``text``,
    ``output_text``, ``text-plain``; without citations) and media given as data
    or a URL, never a signature; media langchain-core wraps as ``non_standard``
    (OpenAI ``image_url`` / ``input_audio`` / ``file``, Anthropic ``image`` /
    ``document`` sources) are unwrapped. Reasoning, server-side tool calls and
    results, tool calls (they travel in ``tool_calls``), another provider's
    file ids and its other blocks (that provider's raw items) are dropped.
    """
    parts: list[Part] = []
    for block in blocks:
        if isinstance(block, dict) and block.get("type") == "non_standard":
            value = block.get("value")
            block = value if isinstance(value, dict) else {}
        if isinstance(block, str):
            parts.extend([{"text": block}] if block else [])
        elif isinstance(block, dict) and block.get("type") in _FOREIGN_TEXT:
            parts.extend(_foreign_text(block))
        elif isinstance(block, dict) and _foreign_media(block):
            parts.extend(_block_parts(_unsigned(block)))
    return parts


_FOREIGN_TEXT = frozenset({"text", "output_text", "text-plain"})


def _foreign_text(block: dict[str, Any]) -> list[Part]:
    if block.get("type") == "text-plain" and "text" not in block:
        return _block_parts(_unsigned(block))  # a plain-text file
    text = _string(block, "text")
    return [{"text": text}] if text else []


def _foreign_media(block: dict[str, Any]) -> bool:
    """Media another provider sent as data or a URL.

    Its file ids mean nothing to Gemini.
    """
    if block.get("type") not in _FOREIGN_MEDIA:
        return False
    source = block.get("source")
    file = block.get("file")
    by_id = (
        block.get("file_id")
        or block.get("source_type") == "id"
        or (isinstance(source, dict) and source.get("type") == "file")
        or (isinstance(file, dict) and not file.get("file_data"))
    )
    return not by_id


def _unsigned(block: dict[str, Any]) -> dict[str, Any]:
    extras = {k: v for k, v in (block.get("extras") or {}).items() if k != "signature"}
    clean = {k: v for k, v in block.items() if k not in ("signature", "extras", "id")}
    return {**clean, "extras": extras} if extras else clean


def _block_signature(block: dict[str, Any]) -> Any:
    extras = block.get("extras")
    sig = block.get("signature") or block.get("thought_signature")
    if not sig and isinstance(extras, dict):
        sig = extras.get("signature")
    return sig if sig else None


def checked_signature(value: Any) -> str:
    """A thought signature as given, once it is known to be base64.

    Standard and URL-safe alphabets, with or without padding, are accepted
    (google-genai sends URL-safe); Gemini's field is bytes, so anything else
    is answered 400.

    Raises:
        ValueError: not a base64 string.
    """
    text = value if isinstance(value, str) else None
    if text is not None and _is_base64(text):
        return text
    msg = (
        f"thought signature {value!r:.40} is not base64: replay the signature "
        "Gemini sent (or drop it)."
    )
    raise ValueError(msg)


def _is_base64(text: str) -> bool:
    padded = text + "=" * (-len(text) % 4)
    for alphabet in (None, b"-_"):
        try:
            base64.b64decode(padded, altchars=alphabet, validate=True)
        except (binascii.Error, ValueError):
            continue
        return True
    return False


def with_signature(part: Part, signature: str | None) -> Part:
    """Put ``signature`` on ``part`` as ``thoughtSignature`` (if there is one)."""
    if signature:
        part["thoughtSignature"] = checked_signature(signature)
    return part


def content_parts(content: str | list[Any]) -> list[Part]:
    """Message content (a string or a list of blocks) -> Gemini parts."""
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[Part] = []
    for block in content:
        parts.extend(_block_parts(block))
    return parts


def _block_parts(block: Any) -> list[Part]:
    if isinstance(block, str):
        return [{"text": block}] if block else []
    if not isinstance(block, dict):
        msg = f"Unsupported content block {block!r}: expected a string or a dict."
        raise TypeError(msg)
    block_type = block.get("type")
    converter = _BLOCK_CONVERTERS.get(str(block_type))
    if converter is None:
        known = ", ".join(sorted(_BLOCK_CONVERTERS))
        msg = f"Unsupported content block type {block_type!r}. Supported: {known}."
        raise ValueError(msg)
    return [p for p in converter(block) if p.get("text", True) != "" or _signed(p)]


def _signed(part: Part) -> bool:
    return "thoughtSignature" in part
