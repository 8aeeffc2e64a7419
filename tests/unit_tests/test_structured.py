"""Structured-output parsing and ``response_format`` mapping (``_structured``)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration
from pydantic import BaseModel

from langchain_cometgemini._wire.structured import (
    GeminiOutputParser,
    response_format_params,
)


class Person(BaseModel):
    name: str
    age: int


SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}
JSON = "application/json"


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        (
            {"type": "json_schema", "json_schema": {"name": "P", "schema": SCHEMA}},
            {"response_mime_type": JSON, "response_json_schema": SCHEMA},
        ),
        ({"type": "json_object"}, {"response_mime_type": JSON}),
        ({"type": "text"}, {}),
        (SCHEMA, {"response_mime_type": JSON, "response_json_schema": SCHEMA}),
        (
            Person,
            {
                "response_mime_type": JSON,
                "response_json_schema": Person.model_json_schema(),
            },
        ),
    ],
)
def test_response_format_params(response_format: Any, expected: Any) -> None:
    assert response_format_params(response_format) == expected


def test_unknown_response_format_raises() -> None:
    with pytest.raises(ValueError, match="xml"):
        response_format_params({"type": "xml"})


def _parse(parser: GeminiOutputParser, message: AIMessage) -> Any:
    return parser.parse_result([ChatGeneration(message=message)])


def test_thoughts_never_reach_the_parser() -> None:
    message = AIMessage(
        [
            {"type": "thinking", "thinking": '{"name": "WRONG", "age": 0}'},
            {"type": "text", "text": '{"name": "Ann", "age": 30}'},
        ]
    )
    assert _parse(GeminiOutputParser(pydantic_schema=Person), message) == Person(
        name="Ann", age=30
    )


def test_fenced_json_and_plain_dicts() -> None:
    message = AIMessage('```json\n{"name": "Bo"}\n```')
    assert _parse(GeminiOutputParser(), message) == {"name": "Bo"}


@pytest.mark.parametrize(
    ("content", "reason", "text"),
    [
        ("", "MAX_TOKENS", "no text"),
        ('{"name": "An', "MAX_TOKENS", "not valid JSON"),
        ('{"name": "Ann"}', "STOP", "age"),
    ],
)
def test_unparseable_replies_raise_with_finish_data(
    content: str, reason: str, text: str
) -> None:
    message = AIMessage(content, response_metadata={"finish_reason": reason})
    with pytest.raises(OutputParserException, match=text) as info:
        _parse(GeminiOutputParser(pydantic_schema=Person), message)
    assert vars(info.value)["finish_reason"] == reason
    assert f"finish_reason={reason}" in str(info.value)


def test_missing_tool_call_raises_with_finish_message() -> None:
    meta = {
        "finish_reason": "MALFORMED_FUNCTION_CALL",
        "finish_message": "Malformed function call: Person(",
    }
    message = AIMessage("", response_metadata=meta)
    with pytest.raises(OutputParserException) as info:
        _parse(GeminiOutputParser(tool_name="Person"), message)
    error = info.value
    assert vars(error)["finish_reason"] == "MALFORMED_FUNCTION_CALL"
    assert vars(error)["finish_message"] == meta["finish_message"]
    assert "Malformed function call" in str(error)


def test_tool_call_args_parse_into_the_schema() -> None:
    call = {"name": "Person", "args": {"name": "Cy", "age": 4}, "id": "1"}
    other = {"name": "other", "args": {}, "id": "2"}
    message = AIMessage("", tool_calls=[other, call])
    parser = GeminiOutputParser(pydantic_schema=Person, tool_name="Person")
    assert _parse(parser, message) == Person(name="Cy", age=4)


def test_stream_yields_partial_objects_then_the_final_one() -> None:
    pieces = ['{"name": "Da', 'n", "ag', 'e": 41}']
    chunks = [AIMessageChunk(content=p) for p in pieces]
    chunks[-1].response_metadata = {"finish_reason": "STOP"}
    assert list(GeminiOutputParser().transform(iter(chunks))) == [
        {"name": "Da"},
        {"name": "Dan"},
        {"name": "Dan", "age": 41},
    ]
    typed = list(GeminiOutputParser(pydantic_schema=Person).transform(iter(chunks)))
    assert typed == [Person(name="Dan", age=41)]


def test_stream_with_nothing_to_parse_raises() -> None:
    chunk = AIMessageChunk(content="", response_metadata={"finish_reason": "SAFETY"})
    with pytest.raises(OutputParserException, match="SAFETY"):
        list(GeminiOutputParser().transform(iter([chunk])))


def test_streamed_arguments_option_sets_the_tool_config() -> None:
    from langchain_cometgemini._wire.structured import with_streamed_arguments

    body = {"contents": [], "toolConfig": {"functionCallingConfig": {"mode": "ANY"}}}
    sent = with_streamed_arguments(body, True)
    assert sent["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "streamFunctionCallArguments": True}
    }
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    assert with_streamed_arguments(body, False) is body
    assert with_streamed_arguments({}, True) == {
        "toolConfig": {"functionCallingConfig": {"streamFunctionCallArguments": True}}
    }
