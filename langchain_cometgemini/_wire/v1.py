"""This package's content blocks -> LangChain's standard (v1) blocks.

Used when ``output_version="v1"``: ``thinking`` -> ``reasoning``, code execution
-> ``server_tool_call`` / ``server_tool_result`` (``code_interpreter``), function
calls are ``tool_call`` blocks already; text, media and Gemini 3's server-side
tool blocks (``server_tool_call`` / ``server_tool_result`` with
``extras.tool_type``) are already standard. Signatures travel in ``extras``,
so v1 messages replay losslessly (``_blocks.py`` reads them back).

``.content_blocks`` of the default (v0) output: langchain-core picks its
translator by ``response_metadata["model_provider"]``, which is this package's
own name (``"cometgemini"``). :func:`register_translator` (run on import)
registers, under that name only, a thin wrapper around langchain-core's Gemini
translator: that translator wraps every block it does not know in
``non_standard``, already-standard ones included (generated ``audio`` and
``video``, ``file``, server-side tool blocks); the wrapper gives those back
unwrapped. Every other block is exactly what langchain-core's translator
returns, and langchain-core's ``google_genai`` translator itself (used for
langchain-google-genai's messages) is left untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, block_translators
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import google_genai

from langchain_cometgemini._wire.constants import OUTCOME_CODES, PROVIDER


def _v1_thinking(block: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "reasoning", "reasoning": block.get("thinking", "")}
    if block.get("signature"):
        out["extras"] = {"signature": block["signature"]}
    return out


def _v1_code(block: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "server_tool_call",
        "name": "code_interpreter",
        "id": block.get("id", ""),
        "args": {
            "code": block.get("executable_code", ""),
            "language": block.get("language", "PYTHON"),
        },
    }


def _v1_code_result(block: dict[str, Any]) -> dict[str, Any]:
    outcome = block.get("outcome", 1)
    names = {code: name for name, code in OUTCOME_CODES.items()}
    return {
        "type": "server_tool_result",
        "tool_call_id": block.get("tool_call_id", ""),
        "status": "success" if outcome == 1 else "error",
        "output": block.get("code_execution_result", ""),
        "extras": {"outcome": names.get(outcome, outcome)},
    }


_V1_CONVERTERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "thinking": _v1_thinking,
    "executable_code": _v1_code,
    "code_execution_result": _v1_code_result,
}


def _v1_block(block: dict[str, Any]) -> dict[str, Any]:
    converter = _V1_CONVERTERS.get(block["type"])
    if converter is None:  # text, image, audio, video, file, non_standard
        return dict(block)
    out = converter(block)
    out["index"] = block["index"]
    extras = {**out.get("extras", {}), **block.get("extras", {})}
    if extras:
        out["extras"] = extras
    return out


def to_v1(content: str | list[Any]) -> list[Any]:
    """This package's blocks -> LangChain standard (v1) blocks, signatures kept.

    ``thinking`` -> ``reasoning`` (``extras.signature``), code execution ->
    ``server_tool_call`` / ``server_tool_result`` (named ``code_interpreter``,
    signature and Gemini outcome in ``extras``); text, media and ``tool_call``
    blocks (placed by the reader in the order of the parts) are already
    standard.
    """
    items = [{"type": "text", "text": content}] if isinstance(content, str) else content
    return [_v1_block(b) if isinstance(b, dict) else b for b in items if b]


# -- .content_blocks of the default output -------------------------------------

_STANDARD_BLOCKS = frozenset(
    {"server_tool_call", "server_tool_result", "image", "audio", "video", "file"}
)
"""Standard block types this package's v0 output already holds."""


def _unwrapped(block: types.ContentBlock) -> types.ContentBlock:
    """A ``non_standard`` block wrapping a standard block -> that block."""
    if block.get("type") != "non_standard":
        return block
    value = block.get("value")
    if isinstance(value, dict) and value.get("type") in _STANDARD_BLOCKS:
        return dict(value)  # type: ignore[return-value]
    return block


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """langchain-core's Gemini translator, standard blocks kept standard."""
    blocks = google_genai.translate_content(message)
    return [_unwrapped(b) for b in blocks]


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """:func:`translate_content` for a chunk."""
    blocks = google_genai.translate_content_chunk(message)
    return [_unwrapped(b) for b in blocks]


def register_translator() -> None:
    """Use :func:`translate_content` for this package's messages only.

    Registered under :data:`PROVIDER`, the ``model_provider`` of its messages.
    """
    block_translators.register_translator(
        PROVIDER, translate_content, translate_content_chunk
    )


register_translator()
