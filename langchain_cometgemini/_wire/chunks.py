"""The one constructor of rendered stream chunks (``ChatGenerationChunk``).

Every chunk ``response.py`` renders (an event's chunk, the text shown before a
switch to blocks, the finish chunk ``end()`` gives) is built by :func:`chunk`.
Most events of a streamed answer are plain text, and for each one
langchain-core's validated constructors (``AIMessageChunk`` +
``ChatGenerationChunk``) cost about as much as everything else the package does
per event. The values are ours and already of the right type (a ``str``
content, fresh dicts, a ``str`` id), so for string content without tool call
chunks :func:`chunk` fills the instances the way pydantic's
``BaseModel.model_construct`` does (its documented instance attributes:
``__dict__``, ``__pydantic_fields_set__``, ``__pydantic_extra__``,
``__pydantic_private__``), without its per-field default lookups. List content
(whose ``text`` langchain-core derives from the blocks) and tool call chunks
(from which it derives ``tool_calls``) always take the validated constructors.

Safety net: on first use, chunks built this way are compared with the same
chunks built by the validated constructors (every field value, which fields
count as set, extras, private state), for every combination the renderer
produces on the fast branch: text or empty text, signatures in
``additional_kwargs`` or none, finish metadata or only the provider, each usage
shape or none, a response id or none, a finish reason or none. If
langchain-core's models ever differ (a new field, a validator that changes a
value), :func:`chunk` uses the validated constructors for everything.
``tests/unit_tests/test_fast_paths.py`` checks the probe and its fallback.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk
from pydantic import BaseModel

_MESSAGE_SET = frozenset(
    {
        "content",
        "additional_kwargs",
        "tool_call_chunks",
        "response_metadata",
        "usage_metadata",
        "id",
    }
)
"""The fields a validated chunk reports as explicitly set (all are passed)."""

_GENERATION_SET = frozenset({"message", "generation_info", "text"})
"""``ChatGenerationChunk``: both given, ``text`` set by its validator."""

_new = object.__new__


def _slot_setter(name: str) -> Callable[[Any, Any], None]:
    """The setter ``object.__setattr__`` finds for ``name``, looked up once.

    pydantic's ``BaseModel`` keeps ``__dict__`` and its three instance
    attributes in slots; when neither chunk class redefines one, its slot's
    own ``__set__`` is what ``object.__setattr__`` calls, without the lookup
    (a third of the construction's cost). Otherwise ``object.__setattr__``.
    """
    found = BaseModel.__dict__.get(name)
    owners = {
        owner
        for cls in (AIMessageChunk, ChatGenerationChunk)
        for owner in cls.__mro__
        if name in owner.__dict__
    }
    if owners == {BaseModel} and callable(getattr(found, "__set__", None)):
        return found.__set__  # type: ignore[no-any-return, union-attr]
    return lambda instance, value: object.__setattr__(instance, name, value)


_set_dict = _slot_setter("__dict__")
_set_fields = _slot_setter("__pydantic_fields_set__")
_set_extra = _slot_setter("__pydantic_extra__")
_set_private = _slot_setter("__pydantic_private__")


def validated_chunk(
    content: str | list[Any],
    additional_kwargs: dict[str, Any],
    tool_call_chunks: list[Any],
    response_metadata: dict[str, Any],
    usage: UsageMetadata | None,
    response_id: str | None,
    generation_info: dict[str, Any] | None,
) -> ChatGenerationChunk:
    """The reference: the chunk as langchain-core's constructors build it."""
    message = AIMessageChunk(
        content=content,
        additional_kwargs=additional_kwargs,
        tool_call_chunks=tool_call_chunks,
        response_metadata=response_metadata,
        usage_metadata=usage,
        id=response_id,
    )
    return ChatGenerationChunk(message=message, generation_info=generation_info)


def constructed_chunk(
    content: str,
    additional_kwargs: dict[str, Any],
    response_metadata: dict[str, Any],
    usage: UsageMetadata | None,
    response_id: str | None,
    generation_info: dict[str, Any] | None,
) -> ChatGenerationChunk:
    """The same chunk (string content, no calls), filled in directly."""
    message = _new(AIMessageChunk)
    _set_dict(
        message,
        {
            "content": content,
            "additional_kwargs": additional_kwargs,
            "response_metadata": response_metadata,
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
    _set_fields(message, set(_MESSAGE_SET))
    _set_extra(message, {})
    _set_private(message, None)
    generation = _new(ChatGenerationChunk)
    _set_dict(
        generation,
        {
            "text": content,
            "generation_info": generation_info,
            "type": "ChatGenerationChunk",
            "message": message,
        },
    )
    _set_fields(generation, set(_GENERATION_SET))
    _set_extra(generation, None)
    _set_private(generation, None)
    return generation


def _state(model: Any) -> tuple[Any, ...]:
    return (
        type(model),
        list(model.__dict__.items()),
        model.__pydantic_fields_set__,
        model.__pydantic_extra__,
        model.__pydantic_private__,
    )


_PROBE_USAGE: tuple[UsageMetadata | None, ...] = (
    {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
    {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0},
    {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "input_token_details": {"cache_read": 2, "audio": 1},
        "output_token_details": {"reasoning": 3, "audio": 1},
    },
    None,
)
"""Every usage shape a chunk carries: counts, a zero delta, details, none."""

_PROBE_TEXTS = ("probe", "")
_PROBE_KWARGS: tuple[dict[str, Any], ...] = (
    {},
    {"__gemini_text_thought_signatures__": [{"offset": 0, "signature": "c2ln"}]},
)
_PROBE_METADATA: tuple[dict[str, Any], ...] = (
    {"model_provider": "probe"},
    {"model_provider": "probe", "finish_reason": "STOP", "output_version": "v1"},
)
_PROBE_IDS = ("id", None)
_PROBE_INFO: tuple[dict[str, Any] | None, ...] = (None, {"finish_reason": "STOP"})


def _construction_matches() -> bool:
    """Whether :func:`constructed_chunk` equals the validated chunk.

    Checked for every combination the fast branch of :func:`chunk` receives.
    """
    return all(
        _one_matches(*combination)
        for combination in itertools.product(
            _PROBE_TEXTS,
            _PROBE_KWARGS,
            _PROBE_METADATA,
            _PROBE_USAGE,
            _PROBE_IDS,
            _PROBE_INFO,
        )
    )


def _one_matches(
    text: str,
    kwargs: dict[str, Any],
    metadata: dict[str, Any],
    usage: UsageMetadata | None,
    response_id: str | None,
    info: dict[str, Any] | None,
) -> bool:
    values = (text, kwargs, metadata, usage, response_id, info)
    try:
        built = constructed_chunk(*copy.deepcopy(values))
    except (AttributeError, TypeError):
        return False
    reference = validated_chunk(
        text,
        copy.deepcopy(kwargs),
        [],
        copy.deepcopy(metadata),
        copy.deepcopy(usage),
        response_id,
        copy.deepcopy(info),
    )
    return _state(built) == _state(reference) and _state(built.message) == _state(
        reference.message
    )


_FAST: list[bool] = []
"""Holds the result of :func:`_construction_matches` once it has run."""


def fast_construction() -> bool:
    """Whether string-content chunks are filled in directly (checked once)."""
    if not _FAST:
        _FAST.append(_construction_matches())
    return _FAST[0]


def chunk(
    content: str | list[Any],
    *,
    additional_kwargs: dict[str, Any],
    tool_call_chunks: list[Any],
    response_metadata: dict[str, Any],
    usage: UsageMetadata | None,
    response_id: Any,
    generation_info: dict[str, Any] | None,
) -> ChatGenerationChunk:
    """A rendered chunk: filled in directly when safe, else validated."""
    if (
        type(content) is str
        and not tool_call_chunks
        and (response_id is None or type(response_id) is str)
        and (_FAST[0] if _FAST else fast_construction())
    ):
        return constructed_chunk(
            content,
            additional_kwargs,
            response_metadata,
            usage,
            response_id,
            generation_info,
        )
    return validated_chunk(
        content,
        additional_kwargs,
        tool_call_chunks,
        response_metadata,
        usage,
        response_id,
        generation_info,
    )
