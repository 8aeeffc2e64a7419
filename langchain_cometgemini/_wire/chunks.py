"""Plain-text stream chunks, built without re-validating values we made.

Most events of a streamed answer are plain text. For each one, langchain-core's
validated constructors (``AIMessageChunk`` + ``ChatGenerationChunk``) cost about
as much as everything else the package does per event. The values are ours and
already of the right type (a ``str``, fresh dicts, a ``str`` id), so
:func:`text_chunk` fills the instances the way pydantic's
``BaseModel.model_construct`` does (its documented instance attributes:
``__dict__``, ``__pydantic_fields_set__``, ``__pydantic_extra__``,
``__pydantic_private__``), without its per-field default lookups.

Safety net: on first use, a probe built this way is compared with the same chunk
built by the validated constructors (every field value, which fields count as
set, extras, private state). If langchain-core's models ever differ (a new
field, a validator that changes a value), :func:`text_chunk` uses the validated
constructors instead. ``tests/unit_tests/test_fast_paths.py`` checks that the
fast construction is active and equal, chunk by chunk, over every capture.
"""

from __future__ import annotations

import copy
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk

from langchain_cometgemini._wire.constants import PROVIDER

_MESSAGE_SET = frozenset({"content", "response_metadata", "usage_metadata", "id"})
"""The fields a validated plain-text chunk reports as explicitly set."""

_GENERATION_SET = frozenset({"message", "text"})
"""``ChatGenerationChunk``: ``message`` given, ``text`` set by its validator."""

_new = object.__new__
_set = object.__setattr__


def validated_text_chunk(
    text: str, usage: UsageMetadata, response_id: str | None
) -> ChatGenerationChunk:
    """The reference: the chunk as langchain-core's constructors build it."""
    message = AIMessageChunk(
        content=text,
        response_metadata={"model_provider": PROVIDER},
        usage_metadata=usage,
        id=response_id,
    )
    return ChatGenerationChunk(message=message)


def constructed_text_chunk(
    text: str, usage: UsageMetadata, response_id: str | None
) -> ChatGenerationChunk:
    """The same chunk, filled in directly (see the module docstring)."""
    message = _new(AIMessageChunk)
    _set(
        message,
        "__dict__",
        {
            "content": text,
            "additional_kwargs": {},
            "response_metadata": {"model_provider": PROVIDER},
            "type": "AIMessageChunk",
            "name": None,
            "id": response_id,
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": usage,
            "tool_call_chunks": [],
            "chunk_position": None,
        },
    )
    _set(message, "__pydantic_fields_set__", set(_MESSAGE_SET))
    _set(message, "__pydantic_extra__", {})
    _set(message, "__pydantic_private__", None)
    generation = _new(ChatGenerationChunk)
    _set(
        generation,
        "__dict__",
        {
            "text": text,
            "generation_info": None,
            "type": "ChatGenerationChunk",
            "message": message,
        },
    )
    _set(generation, "__pydantic_fields_set__", set(_GENERATION_SET))
    _set(generation, "__pydantic_extra__", None)
    _set(generation, "__pydantic_private__", None)
    return generation


def _state(model: Any) -> tuple[Any, ...]:
    return (
        type(model),
        list(model.__dict__.items()),
        model.__pydantic_fields_set__,
        model.__pydantic_extra__,
        model.__pydantic_private__,
    )


_PROBE_USAGE: tuple[UsageMetadata, ...] = (
    {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
    {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0},
    {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "input_token_details": {"cache_read": 2, "audio": 1},
        "output_token_details": {"reasoning": 3, "audio": 1},
    },
)
"""Every usage shape a plain-text chunk carries: counts, a zero delta, details."""

_PROBE_TEXTS = ("probe", "")
_PROBE_IDS = ("id", None)


def _construction_matches() -> bool:
    """Whether :func:`constructed_text_chunk` equals the validated chunk.

    Checked for every combination :func:`text_chunk` can produce: text or
    empty text, a response id or none, each usage shape.
    """
    for text in _PROBE_TEXTS:
        for response_id in _PROBE_IDS:
            for usage in _PROBE_USAGE:
                if not _one_matches(text, usage, response_id):
                    return False
    return True


def _one_matches(text: str, usage: UsageMetadata, response_id: str | None) -> bool:
    try:
        built = constructed_text_chunk(text, copy.deepcopy(usage), response_id)
    except (AttributeError, TypeError):
        return False
    reference = validated_text_chunk(text, copy.deepcopy(usage), response_id)
    return _state(built) == _state(reference) and _state(built.message) == _state(
        reference.message
    )


_FAST: list[bool] = []
"""Holds the result of :func:`_construction_matches` once it has run."""


def fast_construction() -> bool:
    """Whether plain-text chunks are filled in directly (checked once)."""
    if not _FAST:
        _FAST.append(_construction_matches())
    return _FAST[0]


def text_chunk(
    text: str, usage: UsageMetadata, response_id: Any
) -> ChatGenerationChunk:
    """A plain-text chunk: ``content`` text, its usage delta and response id."""
    if (response_id is None or type(response_id) is str) and fast_construction():
        return constructed_text_chunk(text, usage, response_id)
    return validated_text_chunk(text, usage, response_id)
