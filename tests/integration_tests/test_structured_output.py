"""``with_structured_output`` through the emulator: wire, results, failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator, Reply

Make = Callable[..., ChatCometGemini]


class Address(BaseModel):
    city: str


class Person(BaseModel):
    """A person."""

    name: str = Field(min_length=1)
    age: int = Field(ge=0)
    address: Address | None = None


class PersonDict(TypedDict):
    name: str
    age: int


ANN = {"name": "Ann", "age": 30, "address": {"city": "Oslo"}}
MALFORMED = {
    "candidates": [
        {
            "content": {"role": "model", "parts": []},
            "finishReason": "MALFORMED_FUNCTION_CALL",
            "finishMessage": "Malformed function call: Person(name=",
            "index": 0,
        }
    ]
}


def test_json_schema_is_the_default_and_lossless(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    scripted_emulator.enqueue(Reply.text(json.dumps(ANN), thought='{"name": "X"}'))
    result = scripted_model().with_structured_output(Person).invoke("Who?")
    config = scripted_emulator.last_request.body["generationConfig"]
    assert config == {
        "responseMimeType": "application/json",
        "responseJsonSchema": Person.model_json_schema(),
    }
    assert "$defs" in config["responseJsonSchema"]
    assert "tools" not in scripted_emulator.last_request.body
    assert result == Person(name="Ann", age=30, address=Address(city="Oslo"))


def test_function_calling_forces_the_schema_tool(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    result = scripted_model().with_structured_output(Person, method="function_calling")
    parsed = result.invoke("Who?")
    body = scripted_emulator.last_request.body
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["Person"]}
    }
    (declaration,) = body["tools"][0]["functionDeclarations"]
    assert declaration["name"] == "Person"
    assert declaration["description"] == "A person."
    assert isinstance(parsed, Person)


@pytest.mark.parametrize(
    "schema", [PersonDict, {"title": "P", **Person.model_json_schema()}]
)
def test_json_mode_and_dict_schemas_give_dicts(
    scripted_model: Make, scripted_emulator: GeminiEmulator, schema: Any
) -> None:
    scripted_emulator.enqueue(Reply.text('{"name": "Bo", "age": 5}'))
    result = (
        scripted_model().with_structured_output(schema, method="json_mode").invoke("x")
    )
    assert scripted_emulator.last_request.body["generationConfig"] == {
        "responseMimeType": "application/json"
    }
    assert result == {"name": "Bo", "age": 5}
    typed = scripted_model().with_structured_output(schema).invoke("x")
    assert set(typed) >= {"name", "age"}


def test_max_tokens_raises_with_finish_reason(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    scripted_emulator.enqueue(Reply.text('{"name": "An', finish_reason="MAX_TOKENS"))
    with pytest.raises(OutputParserException) as info:
        scripted_model().with_structured_output(Person).invoke("x")
    assert vars(info.value)["finish_reason"] == "MAX_TOKENS"


def test_malformed_function_call_goes_into_parsing_error(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    scripted_emulator.enqueue(Reply(body=MALFORMED))
    runnable = scripted_model().with_structured_output(
        Person, method="function_calling", include_raw=True
    )
    out = runnable.invoke("x")
    assert out["parsed"] is None
    error = out["parsing_error"]
    assert isinstance(error, OutputParserException)
    assert vars(error)["finish_reason"] == "MALFORMED_FUNCTION_CALL"
    assert vars(error)["finish_message"] == "Malformed function call: Person(name="
    assert out["raw"].response_metadata["finish_reason"] == "MALFORMED_FUNCTION_CALL"


def test_include_raw_success(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    out = scripted_model().with_structured_output(Person, include_raw=True).invoke("x")
    assert out["parsing_error"] is None
    assert isinstance(out["parsed"], Person)
    assert json.loads(out["raw"].text) == out["parsed"].model_dump()


def test_stream_yields_growing_partial_objects(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    scripted_emulator.enqueue(Reply.text(json.dumps(ANN), n_chunks=6))
    schema = {"title": "P", **Person.model_json_schema()}
    parts = list(scripted_model().with_structured_output(schema).stream("x"))
    assert len(parts) >= 3
    assert parts[-1] == ANN
    assert all(isinstance(p, dict) for p in parts)
    assert len({json.dumps(p) for p in parts}) == len(parts)


async def test_async_stream_of_pydantic_objects(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    scripted_emulator.enqueue(Reply.text(json.dumps(ANN), n_chunks=4))
    runnable = scripted_model().with_structured_output(Person)
    parts = [p async for p in runnable.astream("x")]
    assert parts[-1] == Person(**ANN)
    assert all(isinstance(p, Person) for p in parts)
    assert scripted_emulator.last_request.stream


def test_openapi_format_sends_response_schema(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    llm = scripted_model(tool_schema_format="openapi")
    result = llm.with_structured_output(Address).invoke("x")
    config = scripted_emulator.last_request.body["generationConfig"]
    assert config == {
        "responseMimeType": "application/json",
        "responseSchema": {
            "type": "OBJECT",
            "title": "Address",
            "properties": {"city": {"type": "STRING", "title": "City"}},
            "required": ["city"],
        },
    }
    assert isinstance(result, Address)
    fmt = {"type": "json_schema", "json_schema": {"name": "A", "schema": SCHEMA}}
    with pytest.warns(UserWarning, match=r"properties\.age\.exclusiveMinimum"):
        llm.invoke("x", response_format=fmt)
    sent = scripted_emulator.last_request.body["generationConfig"]
    assert sent["responseSchema"]["properties"]["age"] == {"type": "INTEGER"}
    assert "responseJsonSchema" not in sent


SCHEMA = {
    "type": "object",
    "properties": {"age": {"type": "integer", "exclusiveMinimum": 0}},
}


class Node(BaseModel):
    name: str
    children: list[Node] = []


def test_ref_root_dict_schema_is_sent_faithfully(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    """``{"$defs": ..., "$ref": ...}`` reaches the wire whole."""
    schema = Node.model_json_schema()
    assert "$ref" in schema and "properties" not in schema  # a $ref root
    tree = {"name": "root", "children": [{"name": "leaf", "children": []}]}
    scripted_emulator.enqueue(Reply.text(json.dumps(tree)))
    result = scripted_model().with_structured_output(schema).invoke("A tree")
    config = scripted_emulator.last_request.body["generationConfig"]
    assert config["responseJsonSchema"] == schema
    assert result == tree


def test_titled_ref_root_is_not_reduced_to_its_title(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    schema = {"title": "Node", **Node.model_json_schema()}
    scripted_emulator.enqueue(Reply.text(json.dumps({"name": "n"})))
    scripted_model().with_structured_output(schema).invoke("A node")
    sent = scripted_emulator.last_request.body["generationConfig"]
    assert sent["responseJsonSchema"] == schema


@pytest.mark.parametrize("schema", [{"title": "Only a title"}, {"foo": 1}])
def test_schema_that_constrains_nothing_is_refused(
    scripted_model: Make, scripted_emulator: GeminiEmulator, schema: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="response schema"):
        scripted_model().with_structured_output(schema).invoke("x")
    assert scripted_emulator.requests == []
