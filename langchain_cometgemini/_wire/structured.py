"""Structured output: a schema -> a bound model plus a parser that never returns None.

Flow::

    structured_runnable(llm, schema, method)
      json_schema      -> bind(responseMimeType=application/json, responseJsonSchema)
      function_calling -> bind_tools([schema], tool_choice=<its name>)
      json_mode        -> bind(responseMimeType=application/json)
      -> GeminiOutputParser: the visible text (thoughts excluded) or the tool
         call -> dict / pydantic object
           stream: a partial object per chunk that changes it, then the final
                   strictly parsed object
           a reply with nothing to parse raises OutputParserException naming
           Gemini's finish_reason and finish_message
      -> include_raw: {"raw", "parsed", "parsing_error"}

    response_format_params(response_format)   (``create_agent``'s provider
      strategy binds ``response_format={"type": "json_schema", ...}``)
      -> response_mime_type + response_json_schema call parameters

    With ``tool_schema_format="openapi"`` the schema travels as the
    OpenAPI-subset ``responseSchema`` instead (``openapi_response_schema``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, BaseMessage, BaseMessageChunk
from langchain_core.output_parsers import BaseCumulativeTransformOutputParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, Generation
from langchain_core.runnables import Runnable, RunnableLambda, RunnableMap
from langchain_core.utils.function_calling import (
    convert_to_json_schema,
    convert_to_openai_tool,
)
from langchain_core.utils.json import parse_partial_json
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import BaseModel, ValidationError
from pydantic.v1 import ValidationError as ValidationErrorV1

from langchain_cometgemini._wire.schema import to_openapi

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput
    from langchain_core.language_models.chat_models import BaseChatModel

JSON_MIME = "application/json"
METHODS = ("json_schema", "function_calling", "json_mode")


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and is_basemodel_subclass(schema)


_SCHEMA_ROOT_KEYS = frozenset(
    {"properties", "type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const", "items"}
)
"""Keys that make a dict a JSON schema that constrains something."""


def json_schema_of(schema: Any) -> dict[str, Any]:
    """A pydantic class, TypedDict or JSON-schema dict -> JSON Schema (lossless).

    A dict that already is a JSON schema (including a ``$ref`` root, what
    ``model_json_schema()`` gives for a recursive root model) is sent as it
    is; anything else is converted by langchain-core, and refused with a
    ``ValueError`` when the result would constrain nothing.

    Raises:
        ValueError: ``schema`` is not a schema this package can send faithfully.
    """
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema.model_json_schema()
    if isinstance(schema, Mapping) and _SCHEMA_ROOT_KEYS & schema.keys():
        return dict(schema)
    try:
        converted = convert_to_json_schema(schema)
    except ValueError as exc:
        msg = f"Cannot send {_describe(schema)} as a response schema: {exc}"
        raise ValueError(msg) from exc
    if not _SCHEMA_ROOT_KEYS & converted.keys():
        msg = (
            f"Cannot send {_describe(schema)} as a response schema: it converts "
            f"to {converted!r}, which constrains nothing (expected one of "
            f"{', '.join(sorted(_SCHEMA_ROOT_KEYS))} at the root)."
        )
        raise ValueError(msg)
    return converted


def _describe(schema: Any) -> str:
    if isinstance(schema, Mapping):
        return f"a dict with keys {sorted(map(str, schema))}"
    return repr(schema)


def response_format_params(response_format: Any) -> dict[str, Any]:
    """An OpenAI-style ``response_format`` -> Gemini call parameters.

    Accepts ``{"type": "json_schema", "json_schema": {"schema": ...}}`` (what
    ``create_agent``'s ``ProviderStrategy`` binds), ``{"type": "json_object"}``,
    a pydantic class, a TypedDict or a JSON-schema dict.

    Raises:
        ValueError: an unknown ``response_format`` type.
    """
    if isinstance(response_format, Mapping) and "type" in response_format:
        kind = response_format["type"]
        if kind == "json_object":
            return {"response_mime_type": JSON_MIME}
        if kind == "json_schema":
            spec = response_format.get("json_schema") or {}
            schema = spec.get("schema", spec)
            return {"response_mime_type": JSON_MIME, "response_json_schema": schema}
        if kind == "text":
            return {}
        if kind != "object":
            msg = f"Unsupported response_format type {kind!r}."
            raise ValueError(msg)
    return {
        "response_mime_type": JSON_MIME,
        "response_json_schema": json_schema_of(response_format),
    }


def openapi_response_schema(params: dict[str, Any]) -> dict[str, Any]:
    """Swap ``response_json_schema`` for the OpenAPI-subset ``response_schema``."""
    if params.get("response_json_schema") is None:
        return params
    params = dict(params)
    schema = params.pop("response_json_schema")
    params["response_schema"] = to_openapi(schema, "response schema")
    return params


def _finish_note(message: BaseMessage | None) -> str:
    if message is None:
        return ""
    meta = message.response_metadata
    note = f" (finish_reason={meta.get('finish_reason')}"
    if meta.get("finish_message"):
        note += f", finish_message={meta['finish_message']!r}"
    return note + ")"


def _error(text: str, message: BaseMessage | None, output: str) -> Exception:
    exc = OutputParserException(text + _finish_note(message), llm_output=output)
    meta = message.response_metadata if message is not None else {}
    exc.finish_reason = meta.get("finish_reason")  # type: ignore[attr-defined]
    exc.finish_message = meta.get("finish_message")  # type: ignore[attr-defined]
    return exc


class GeminiOutputParser(BaseCumulativeTransformOutputParser[Any]):
    """Parse a Gemini reply (its JSON text, or its tool call) into a schema.

    The raised ``OutputParserException`` has ``finish_reason`` and
    ``finish_message`` attributes (``MAX_TOKENS``, ``MALFORMED_FUNCTION_CALL``...).
    """

    pydantic_schema: Any = None
    """The pydantic class to validate into, or None for a plain dict."""
    tool_name: str | None = None
    """Read this tool call's args (function_calling) instead of the text."""

    @property
    def _type(self) -> str:
        return "gemini_structured_output"

    def parse(self, text: str) -> Any:
        """Parse JSON text (used when called outside a model chain)."""
        return self._validate(self._loads(text, None), None, partial=False)

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Parse the first generation; ``partial`` for streamed prefixes."""
        generation = result[0]
        message = generation.message if isinstance(generation, ChatGeneration) else None
        if message is None:
            return self._parse_text(generation.text, None, partial)
        if self.tool_name is not None:
            return self._parse_call(message, partial)
        return self._parse_text(message.text, message, partial)

    def _parse_text(self, text: str, message: BaseMessage | None, partial: bool) -> Any:
        if partial:
            data = parse_partial_json(_strip_fence(text)) if text.strip() else None
            return self._validate(data, message, partial=True)
        return self._validate(self._loads(text, message), message, partial=False)

    def _parse_call(self, message: BaseMessage, partial: bool) -> Any:
        calls = getattr(message, "tool_calls", None) or []
        chosen = [c for c in calls if c.get("name") == self.tool_name] or calls
        if not chosen:
            if partial:
                return None
            raise _error("The model made no tool call to parse", message, message.text)
        return self._validate(chosen[0]["args"], message, partial=partial)

    def _loads(self, text: str, message: BaseMessage | None) -> Any:
        if not text.strip():
            raise _error("The model returned no text to parse", message, text)
        try:
            return json.loads(_strip_fence(text))
        except ValueError as exc:
            raise _error(f"The reply is not valid JSON: {exc}", message, text) from exc

    def _validate(
        self, data: Any, message: BaseMessage | None, *, partial: bool
    ) -> Any:
        if data is None and partial:
            return None
        if not _is_pydantic(self.pydantic_schema):
            return data
        try:
            if issubclass(self.pydantic_schema, BaseModel):
                return self.pydantic_schema.model_validate(data)
            return self.pydantic_schema.parse_obj(data)  # pydantic.v1
        except (ValidationError, ValidationErrorV1) as exc:
            if partial:
                return None
            raise _error(str(exc), message, json.dumps(data)) from exc

    def _transform(self, input: Iterator[str | BaseMessage]) -> Iterator[Any]:  # noqa: A002
        acc: list[Any] = [None]
        final = _Final()
        yield from final.track(super()._transform(_accumulate(input, acc)))
        yield from final.finish(self.parse_result([_generation(acc[0])]))

    async def _atransform(  # noqa: D102
        self,
        input: AsyncIterator[str | BaseMessage],  # noqa: A002
    ) -> AsyncIterator[Any]:
        acc: list[Any] = [None]
        final = _Final()
        async for parsed in super()._atransform(_aaccumulate(input, acc)):
            yield final.seen(parsed)
        for parsed in final.finish(self.parse_result([_generation(acc[0])])):
            yield parsed


class _Final:
    """Remembers the last streamed object so the final one is not repeated."""

    def __init__(self) -> None:
        self.last: Any = None

    def seen(self, parsed: Any) -> Any:
        self.last = parsed
        return parsed

    def track(self, stream: Iterator[Any]) -> Iterator[Any]:
        for parsed in stream:
            yield self.seen(parsed)

    def finish(self, parsed: Any) -> Iterator[Any]:
        if parsed != self.last:
            yield parsed


def _accumulate(chunks: Iterator[Any], acc: list[Any]) -> Iterator[Any]:
    for chunk in chunks:
        acc[0] = _add(acc[0], chunk)
        yield chunk


async def _aaccumulate(
    chunks: AsyncIterator[Any], acc: list[Any]
) -> AsyncIterator[Any]:
    async for chunk in chunks:
        acc[0] = _add(acc[0], chunk)
        yield chunk


def _add(total: Any, chunk: Any) -> Any:
    if isinstance(chunk, BaseMessage) and not isinstance(chunk, BaseMessageChunk):
        return chunk
    return chunk if total is None else total + chunk


def _generation(total: Any) -> Generation:
    if total is None:
        return Generation(text="")
    if isinstance(total, BaseMessage):
        return ChatGenerationChunk(message=total)
    return Generation(text=str(total))


def _strip_fence(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[-1].rsplit("```", 1)[0]
    return stripped


def structured_runnable(
    llm: BaseChatModel,
    schema: Mapping[str, Any] | type,
    *,
    method: str,
    include_raw: bool,
    strict: bool | None = None,
    **kwargs: Any,
) -> Runnable[LanguageModelInput, Any]:
    """Build ``llm | parser`` for ``with_structured_output``.

    Raises:
        ValueError: an unknown ``method``.
    """
    kwargs["ls_structured_output_format"] = {
        "kwargs": {"method": method, "strict": strict},
        "schema": schema,
    }
    bound, parser = _bind(llm, schema, method, kwargs)
    if not include_raw:
        return bound | parser
    return _with_raw(bound, parser)


def _bind(
    llm: BaseChatModel, schema: Any, method: str, kwargs: dict[str, Any]
) -> tuple[Runnable[Any, Any], GeminiOutputParser]:
    if method not in METHODS:
        msg = f"Unknown method {method!r}: use one of {', '.join(METHODS)}."
        raise ValueError(msg)
    target = schema if _is_pydantic(schema) else None
    if method == "function_calling":
        name = convert_to_openai_tool(schema)["function"]["name"]
        # a forced call cannot come with a JSON answer (Gemini answers 400)
        kwargs = {"response_mime_type": None, **kwargs}
        bound = llm.bind_tools([schema], tool_choice=name, **kwargs)
        return bound, GeminiOutputParser(pydantic_schema=target, tool_name=name)
    params: dict[str, Any] = {"response_mime_type": JSON_MIME}
    if method == "json_schema":
        params["response_json_schema"] = json_schema_of(schema)
        if getattr(llm, "tool_schema_format", None) == "openapi":
            params = openapi_response_schema(params)
    return llm.bind(**params, **kwargs), GeminiOutputParser(pydantic_schema=target)


def _with_raw(
    bound: Runnable[Any, Any], parser: GeminiOutputParser
) -> Runnable[Any, Any]:
    def parse(raw: AIMessage) -> dict[str, Any]:
        try:
            parsed = parser.invoke(raw)
        except OutputParserException as exc:
            return {"raw": raw, "parsed": None, "parsing_error": exc}
        return {"raw": raw, "parsed": parsed, "parsing_error": None}

    return RunnableMap(raw=bound) | RunnableLambda(lambda d: parse(d["raw"]))


# -- request options ----------------------------------------------------------


def with_streamed_arguments(body: dict[str, Any], enabled: bool) -> dict[str, Any]:
    """``stream_function_call_arguments=True``: ask for ``partialArgs`` pieces.

    Sets ``toolConfig.functionCallingConfig.streamFunctionCallArguments`` (a
    Vertex AI field: Google's Gemini API discovery document does not list it,
    so only send it when asked). Streamed pieces are assembled back into whole
    calls by ``_response`` (``_PartialCall``). Returns a new body; the given
    one is not changed.
    """
    if not enabled:
        return body
    tool_config = dict(body.get("toolConfig") or {})
    calling = dict(tool_config.get("functionCallingConfig") or {})
    calling["streamFunctionCallArguments"] = True
    tool_config["functionCallingConfig"] = calling
    return {**body, "toolConfig": tool_config}
