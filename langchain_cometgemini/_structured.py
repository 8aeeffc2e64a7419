"""Structured output: a schema -> a bound model plus a parser that never returns None.

Flow::

    structured_runnable(llm, schema, method)
      json_schema      -> bind(responseMimeType=application/json, responseJsonSchema)
      function_calling -> bind_tools([schema], tool_choice=<its name>)
      json_mode        -> bind(responseMimeType=application/json)
      -> parser: text (thoughts excluded) or the first tool call -> dict / pydantic
         a reply with nothing to parse raises OutputParserException that names
         Gemini's finish_reason and finish_message
      -> include_raw: {"raw", "parsed", "parsing_error"}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import BaseOutputParser
from langchain_core.runnables import (
    Runnable,
    RunnableLambda,
    RunnableMap,
    RunnablePassthrough,
)
from langchain_core.utils.function_calling import (
    convert_to_json_schema,
    convert_to_openai_tool,
)
from langchain_core.utils.json import parse_partial_json
from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput
    from langchain_core.language_models.chat_models import BaseChatModel


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and issubclass(schema, BaseModel)


def _finish_note(message: BaseMessage) -> str:
    meta = message.response_metadata
    reason = meta.get("finish_reason")
    note = f" (finish_reason={reason}"
    if meta.get("finish_message"):
        note += f", finish_message={meta['finish_message']!r}"
    return note + ")"


class GeminiOutputParser(BaseOutputParser[Any]):
    """Parse a Gemini reply (its JSON text, or its first tool call) into a schema."""

    schema: Any = None
    """The pydantic class to validate into, or None for a plain dict."""
    from_tool_call: bool = False
    """Read the first tool call's args instead of the text."""

    def parse(self, text: str) -> Any:
        """Parse JSON text (used when called outside a model chain)."""
        return self._validate(self._loads(text, None))

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        """Parse a message (preferred) or a string."""
        if isinstance(input, BaseMessage):
            return self.parse_message(input)
        return self.parse(str(input))

    def parse_message(self, message: BaseMessage) -> Any:
        """The parsed object; raises OutputParserException if there is none."""
        if self.from_tool_call:
            calls = getattr(message, "tool_calls", None) or []
            if not calls:
                msg = "The model made no tool call to parse" + _finish_note(message)
                raise OutputParserException(msg, llm_output=str(message.content))
            return self._validate(calls[0]["args"], message)
        return self._validate(self._loads(message.text, message), message)

    def _loads(self, text: str, message: BaseMessage | None) -> Any:
        note = _finish_note(message) if message is not None else ""
        if not text.strip():
            raise OutputParserException(
                "The model returned no text to parse" + note, llm_output=text
            )
        try:
            return json.loads(_strip_fence(text))
        except ValueError as exc:
            msg = f"The model's reply is not valid JSON: {exc}{note}"
            raise OutputParserException(msg, llm_output=text) from exc

    def _validate(self, data: Any, message: BaseMessage | None = None) -> Any:
        if not _is_pydantic(self.schema):
            return data
        try:
            return self.schema.model_validate(data)
        except ValidationError as exc:
            note = _finish_note(message) if message is not None else ""
            raise OutputParserException(
                f"{exc}{note}", llm_output=json.dumps(data)
            ) from exc

    @property
    def _type(self) -> str:
        return "gemini_structured_output"


def _strip_fence(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[-1].rsplit("```", 1)[0]
    return stripped


def partial_object(message: BaseMessage) -> Any:
    """Best-effort partial JSON of a (merged) streamed reply, for streaming."""
    return parse_partial_json(message.text) if message.text.strip() else None


def structured_runnable(
    llm: BaseChatModel,
    schema: Mapping[str, Any] | type,
    *,
    method: str,
    include_raw: bool,
    **kwargs: Any,
) -> Runnable[LanguageModelInput, Any]:
    """Build ``llm | parser`` for ``with_structured_output``."""
    bound, parser = _bind(llm, schema, method, kwargs)
    if not include_raw:
        return bound | RunnableLambda(parser.parse_message)
    return _with_raw(bound, parser)


def _bind(
    llm: BaseChatModel, schema: Any, method: str, kwargs: dict[str, Any]
) -> tuple[Runnable[Any, Any], GeminiOutputParser]:
    target = schema if _is_pydantic(schema) else None
    if method == "function_calling":
        name = convert_to_openai_tool(schema)["function"]["name"]
        bound = llm.bind_tools([schema], tool_choice=name, **kwargs)
        return bound, GeminiOutputParser(schema=target, from_tool_call=True)
    if method == "json_mode":
        return llm.bind(
            response_mime_type="application/json", **kwargs
        ), GeminiOutputParser(schema=target)
    if method != "json_schema":
        msg = f"Unknown method {method!r}: json_schema, function_calling, json_mode."
        raise ValueError(msg)
    bound = llm.bind(
        response_mime_type="application/json",
        response_json_schema=convert_to_json_schema(schema),
        **kwargs,
    )
    return bound, GeminiOutputParser(schema=target)


def _with_raw(
    bound: Runnable[Any, Any], parser: GeminiOutputParser
) -> Runnable[Any, Any]:
    def parse(raw: AIMessage) -> dict[str, Any]:
        try:
            return {
                "raw": raw,
                "parsed": parser.parse_message(raw),
                "parsing_error": None,
            }
        except OutputParserException as exc:
            return {"raw": raw, "parsed": None, "parsing_error": exc}

    return (
        RunnableMap(raw=bound)
        | RunnableLambda(lambda d: parse(d["raw"]))
        | RunnablePassthrough()
    )
