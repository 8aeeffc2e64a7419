"""The constructors of what the renderer gives: stream chunks and whole answers.

Every chunk ``response.py`` renders (an event's chunk, the text shown before a
switch to blocks, the finish chunk ``end()`` gives) is built by :func:`chunk`
(``ChatGenerationChunk``); every whole answer (``invoke``) by
:func:`generation` (a ``ChatGeneration`` holding the ``AIMessage`` of the same
values: :func:`message_from_chunk` when validated). Most answers and most
events of a streamed answer are plain text, and for each one langchain-core's
validated constructors cost about as much as everything else the package does
with it. The values are ours and already of the right type (a ``str`` content,
fresh dicts, a ``str`` id), so for string content without tool call chunks
:func:`chunk` and :func:`generation` fill the instances the way pydantic's
``BaseModel.model_construct`` does (its documented instance attributes:
``__dict__``, ``__pydantic_fields_set__``, ``__pydantic_extra__``,
``__pydantic_private__``), without its per-field default lookups. List content
(whose ``text`` langchain-core derives from the blocks) and tool call chunks
(from which it derives ``tool_calls``) always take the validated constructors.

Safety net: on first use, chunks and generations built this way are compared
with the same values built by the validated constructors (every field value,
which fields count as set, extras, private state), for every combination the
renderer produces on the fast branch: text or empty text, signatures in
``additional_kwargs`` or none, finish metadata or only the provider, each usage
shape or none, a response id or none, a finish reason or none. If
langchain-core's models ever differ (a new field, a validator that changes a
value), both use the validated constructors for everything.
``tests/unit_tests/test_fast_paths.py`` checks the probe and its fallback.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
from collections.abc import Callable
from typing import Any, NamedTuple

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk
from pydantic import BaseModel

_CHUNK_SET = frozenset(
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

_MESSAGE_SET = frozenset(
    {
        "content",
        "additional_kwargs",
        "response_metadata",
        "tool_calls",
        "invalid_tool_calls",
        "usage_metadata",
        "id",
    }
)
"""The same for the ``AIMessage`` of a whole answer (built from its chunk)."""

_GENERATION_SET = frozenset({"message", "generation_info", "text"})
"""``ChatGenerationChunk`` / ``ChatGeneration``: both given, ``text`` set by
their validator."""

_new = object.__new__
_CLASSES = (AIMessageChunk, ChatGenerationChunk, AIMessage, ChatGeneration)
"""The models filled in directly."""


def _slot_setter(name: str) -> Callable[[Any, Any], None]:
    """The setter ``object.__setattr__`` finds for ``name``, looked up once.

    pydantic's ``BaseModel`` keeps ``__dict__`` and its three instance
    attributes in slots; when neither chunk class redefines one, its slot's
    own ``__set__`` is what ``object.__setattr__`` calls, without the lookup
    (a third of the construction's cost). Otherwise ``object.__setattr__``.
    """
    found = BaseModel.__dict__.get(name)
    owners = {
        owner for cls in _CLASSES for owner in cls.__mro__ if name in owner.__dict__
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


def validated_generation(*values: Any) -> ChatGeneration:
    """The reference for a whole answer: the ``AIMessage`` of its validated chunk.

    ``values``: those of :func:`validated_chunk`.
    """
    chunk = validated_chunk(*values)
    message = message_from_chunk(chunk.message)  # type: ignore[arg-type]
    return ChatGeneration(message=message, generation_info=chunk.generation_info)


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


def _fill(
    cls: type[Any], values: dict[str, Any], fields_set: frozenset[str], extra: Any
) -> Any:
    """An instance of a pydantic model, its state set as ``model_construct`` sets it."""
    instance = _new(cls)
    _set_dict(instance, values)
    _set_fields(instance, set(fields_set))
    _set_extra(instance, extra)
    _set_private(instance, None)
    return instance


class _Kind(NamedTuple):
    """One kind of answer object: how it is filled in, and how validated."""

    validated: Callable[..., Any]
    """Its reference constructor (the arguments of :func:`validated_chunk`)."""
    message: type[Any]
    message_type: str
    message_set: frozenset[str]
    generation: type[Any]
    generation_type: str
    chunk_fields: bool
    """``AIMessageChunk``'s own fields (``tool_call_chunks``, ``chunk_position``)."""


STREAM = _Kind(
    validated_chunk,
    AIMessageChunk,
    "AIMessageChunk",
    _CHUNK_SET,
    ChatGenerationChunk,
    "ChatGenerationChunk",
    chunk_fields=True,
)
WHOLE = _Kind(
    validated_generation,
    AIMessage,
    "ai",
    _MESSAGE_SET,
    ChatGeneration,
    "ChatGeneration",
    chunk_fields=False,
)


def _constructed(
    kind: _Kind,
    content: str,
    additional_kwargs: dict[str, Any],
    response_metadata: dict[str, Any],
    usage: UsageMetadata | None,
    response_id: str | None,
    generation_info: dict[str, Any] | None,
) -> Any:
    """String content without calls, filled in as ``kind``'s constructors would."""
    values: dict[str, Any] = {
        "content": content,
        "additional_kwargs": additional_kwargs,
        "response_metadata": response_metadata,
        "type": kind.message_type,
        "name": None,
        "id": response_id,
        "tool_calls": [],
        "invalid_tool_calls": [],
        "usage_metadata": usage,
        "tool_call_chunks": [],
        "chunk_position": None,
    }  # one literal, sized for all: a chunk's dict is never resized
    if not kind.chunk_fields:
        del values["tool_call_chunks"], values["chunk_position"]
    message = _fill(kind.message, values, kind.message_set, {})
    generation = {
        "text": content,
        "generation_info": generation_info,
        "type": kind.generation_type,
        "message": message,
    }
    return _fill(kind.generation, generation, _GENERATION_SET, None)


def constructed_chunk(*values: Any) -> ChatGenerationChunk:
    """A stream chunk (string content, no calls), filled in directly.

    ``values``: those of :func:`validated_chunk` but ``tool_call_chunks``.
    """
    built: ChatGenerationChunk = _constructed(STREAM, *values)
    return built


def constructed_generation(*values: Any) -> ChatGeneration:
    """A whole answer's generation (string content, no calls), filled in directly.

    ``values``: those of :func:`validated_chunk` but ``tool_call_chunks``.
    """
    built: ChatGeneration = _constructed(WHOLE, *values)
    return built


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
    """Whether the direct constructions equal their validated references.

    :func:`constructed_chunk` and :func:`constructed_generation`, checked for
    every combination the fast branch of :func:`chunk` and :func:`generation`
    receives.
    """
    pairs = (
        (constructed_chunk, validated_chunk),
        (constructed_generation, validated_generation),
    )
    return all(
        _one_matches(direct, reference, *combination)
        for direct, reference in pairs
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
    direct: Callable[..., Any],
    reference: Callable[..., Any],
    text: str,
    kwargs: dict[str, Any],
    metadata: dict[str, Any],
    usage: UsageMetadata | None,
    response_id: str | None,
    info: dict[str, Any] | None,
) -> bool:
    values = (text, kwargs, metadata, usage, response_id, info)
    try:
        built = direct(*copy.deepcopy(values))
    except (AttributeError, TypeError):
        return False
    want = reference(
        text,
        copy.deepcopy(kwargs),
        [],
        copy.deepcopy(metadata),
        copy.deepcopy(usage),
        response_id,
        copy.deepcopy(info),
    )
    return _state(built) == _state(want) and _state(built.message) == _state(
        want.message
    )


_FAST: list[bool] = []
"""Holds the result of :func:`_construction_matches` once it has run."""


def fast_construction() -> bool:
    """Whether string-content answers are filled in directly (checked once)."""
    if not _FAST:
        _FAST.append(_construction_matches())
    return _FAST[0]


def build(
    kind: _Kind,
    content: str | list[Any],
    *,
    additional_kwargs: dict[str, Any],
    tool_call_chunks: list[Any],
    response_metadata: dict[str, Any],
    usage: UsageMetadata | None,
    response_id: Any,
    generation_info: dict[str, Any] | None,
) -> Any:
    """An object of ``kind``: filled in directly when safe, else validated."""
    if (
        type(content) is str
        and not tool_call_chunks
        and (response_id is None or type(response_id) is str)
        and (_FAST[0] if _FAST else fast_construction())
    ):
        return _constructed(
            kind,
            content,
            additional_kwargs,
            response_metadata,
            usage,
            response_id,
            generation_info,
        )
    return kind.validated(
        content,
        additional_kwargs,
        tool_call_chunks,
        response_metadata,
        usage,
        response_id,
        generation_info,
    )


chunk: Callable[..., ChatGenerationChunk] = functools.partial(build, STREAM)
"""A rendered stream chunk (the keyword arguments of :func:`build`)."""

generation: Callable[..., ChatGeneration] = functools.partial(build, WHOLE)
"""A whole answer's generation (the keyword arguments of :func:`build`)."""
