from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import body, url, user

PREFIX = "Invalid JSON payload received. Unknown name"


def error_of(
    client: httpx.Client, payload: Any, action: str = "generateContent"
) -> dict[str, Any]:
    r = client.post(url(action=action), json=payload)
    assert r.status_code == 400, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    return error


def test_unknown_field_in_generation_config(client: httpx.Client) -> None:
    error = error_of(client, body(generationConfig={"foo": 1}))
    assert error["message"] == (
        f"{PREFIX} \"foo\" at 'generation_config': Cannot find field."
    )
    violation = error["details"][0]["fieldViolations"][0]
    assert violation["field"] == "generation_config"


def test_unknown_top_level_field(client: httpx.Client) -> None:
    error = error_of(client, body(bogus=True))
    assert error["message"] == f'{PREFIX} "bogus": Cannot find field.'


def test_unknown_field_path_has_indices(client: httpx.Client) -> None:
    payload = {
        "contents": [
            user("a"),
            {"role": "user", "parts": [{"text": "b"}, {"txt": "c"}]},
        ]
    }
    error = error_of(client, payload)
    assert error["message"] == (
        f"{PREFIX} \"txt\" at 'contents[1].parts[1]': Cannot find field."
    )


def test_multiple_unknowns_joined_by_newline(client: httpx.Client) -> None:
    error = error_of(
        client, body(generation_config={"a": 1, "thinking_config": {"b": 2}})
    )
    assert error["message"].split("\n") == [
        f"{PREFIX} \"a\" at 'generation_config': Cannot find field.",
        f"{PREFIX} \"b\" at 'generation_config.thinking_config': Cannot find field.",
    ]


def test_snake_and_camel_case_accepted(client: httpx.Client) -> None:
    payload = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "system_instruction": {"parts": [{"text": "sys"}]},
        "generationConfig": {
            "max_output_tokens": 50,
            "topP": 0.5,
            "thinking_config": {"includeThoughts": False},
        },
        "safety_settings": [
            {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}
        ],
        "toolConfig": {"function_calling_config": {"mode": "AUTO"}},
    }
    assert client.post(url(), json=payload).status_code == 200


def test_bad_enum(client: httpx.Client) -> None:
    error = error_of(
        client, body(toolConfig={"functionCallingConfig": {"mode": "BAD"}})
    )
    assert error["message"] == (
        "Invalid value at 'tool_config.function_calling_config.mode' "
        "(type.googleapis.com/google.ai.generativelanguage.v1beta."
        'FunctionCallingConfig.Mode), "BAD"'
    )


def test_bad_enum_top_level_type(client: httpx.Client) -> None:
    payload = body(safetySettings=[{"category": "NOPE", "threshold": "BLOCK_NONE"}])
    error = error_of(client, payload)
    assert error["message"] == (
        "Invalid value at 'safety_settings[0].category' "
        '(type.googleapis.com/google.ai.generativelanguage.v1beta.HarmCategory), "NOPE"'
    )


def test_wrong_scalar_type(client: httpx.Client) -> None:
    error = error_of(client, body(generationConfig={"maxOutputTokens": "lots"}))
    assert error["message"] == (
        "Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), \"lots\""
    )


def test_bad_base64(client: httpx.Client) -> None:
    part = {"inlineData": {"mimeType": "image/png", "data": "not base64!"}}
    error = error_of(client, {"contents": [{"role": "user", "parts": [part]}]})
    assert error["message"].startswith(
        "Invalid value at 'contents[0].parts[0].inline_data.data' (TYPE_BYTES)"
    )


def declaration(**fields: Any) -> dict[str, Any]:
    return {"tools": [{"functionDeclarations": [{"name": "f", **fields}]}]}


def test_schema_typed_parameters_reject_json_schema_keywords(
    client: httpx.Client,
) -> None:
    params = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "additionalProperties": False,
        "$schema": "x",
    }
    error = error_of(client, {**body(), **declaration(parameters=params)})
    where = "'tools[0].function_declarations[0].parameters'"
    assert error["message"] == (
        f'{PREFIX} "additionalProperties" at {where}: Cannot find field.\n'
        f'{PREFIX} "$schema" at {where}: Cannot find field.'
    )


def test_nested_schema_properties_are_validated(client: httpx.Client) -> None:
    params = {"type": "OBJECT", "properties": {"a": {"type": "STRING", "$ref": "#/x"}}}
    error = error_of(client, {**body(), **declaration(parameters=params)})
    assert (
        "'tools[0].function_declarations[0].parameters.properties[0].value'"
        in error["message"]
    )


def test_schema_type_enum_checked(client: httpx.Client) -> None:
    params = {"type": "dict"}
    error = error_of(client, {**body(), **declaration(parameters=params)})
    assert 'v1beta.Type), "dict"' in error["message"]


def test_free_form_fields_not_validated(client: httpx.Client) -> None:
    params = {
        "type": "object",
        "additionalProperties": False,
        "$defs": {"x": {}},
        "properties": {"a": {"$ref": "#/$defs/x"}},
    }
    payload = {
        "contents": [
            user("q"),
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"name": "f", "args": {"any": {"thing": 1}}}}
                ],
            },
            {
                "role": "user",
                "parts": [
                    {
                        "functionResponse": {
                            "name": "f",
                            "response": {"x": [1, {"y": 2}]},
                        }
                    }
                ],
            },
        ],
        **declaration(parametersJsonSchema=params),
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseJsonSchema": params,
        },
    }
    r = client.post(url(), json=payload)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "* GenerateContentRequest.contents: contents is not specified"),
        (
            {"contents": []},
            "* GenerateContentRequest.contents: contents is not specified",
        ),
        (
            {"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]},
            "Please use a valid role: user, model.",
        ),
        (
            {"contents": [user("a"), {"role": "model", "parts": []}]},
            "* GenerateContentRequest.contents[1].parts: "
            "contents.parts must not be empty.",
        ),
    ],
)
def test_contents_rules(client: httpx.Client, payload: Any, message: str) -> None:
    assert error_of(client, payload)["message"] == message


def test_role_may_be_absent(client: httpx.Client) -> None:
    assert (
        client.post(url(), json={"contents": [{"parts": [{"text": "x"}]}]}).status_code
        == 200
    )


def test_not_json_body(client: httpx.Client) -> None:
    r = client.post(
        url(), content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("Invalid JSON payload received.")


def test_count_tokens_validated(client: httpx.Client) -> None:
    error = error_of(
        client, {"contents": [user("a")], "extra": 1}, action="countTokens"
    )
    assert error["message"] == f'{PREFIX} "extra": Cannot find field.'


def test_a_free_form_schema_default_may_be_a_list(client: httpx.Client) -> None:
    """``Schema.default`` is a ``google.protobuf.Value``: ``[]`` is valid JSON for it
    (pydantic writes ``"default": []`` for a list field)."""
    tags = {"type": "ARRAY", "items": {"type": "STRING"}, "default": []}
    schema = {"type": "OBJECT", "properties": {"tags": tags}}
    tools = [{"functionDeclarations": [{"name": "f", "parameters": schema}]}]
    response = client.post(url(), json=body(tools=tools))
    assert response.status_code == 200, response.text
