"""Tools and ``tool_choice`` -> Gemini ``tools`` / ``toolConfig`` (``_tools.py``)."""

from __future__ import annotations

from typing import Annotated, Any, Optional, cast

import pytest
from langchain_core.runnables import RunnableBinding
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._wire.tools import convert_tools, function_names, tool_config

ADD_SCHEMA = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
}


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(x: float, y: float) -> float:
    """Multiply two numbers."""
    return x * y


class Node(BaseModel):
    """A tree node."""

    label: str = Field(description="The label")
    children: list[Node] = []
    parent: Optional[Node] = None  # noqa: UP045


class Weather(TypedDict):
    """Get the weather."""

    city: Annotated[str, ..., "City name"]


def _only(tools: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(tools) == 1
    declaration: dict[str, Any]
    (declaration,) = tools[0]["functionDeclarations"]
    return declaration


def test_every_tool_form_lands_in_one_tools_entry() -> None:
    native = {"functionDeclarations": [{"name": "native_fn", "description": "N"}]}
    openai = {
        "type": "function",
        "function": {"name": "oa", "description": "OA", "parameters": ADD_SCHEMA},
    }
    bare = {"name": "bare", "description": "Bare", "parameters": ADD_SCHEMA}
    tools = convert_tools(
        [add, multiply, Node, Weather, openai, bare, native, {"google_search": {}}]
    )
    assert len(tools) == 2
    names = [d["name"] for d in tools[0]["functionDeclarations"]]
    assert names == ["add", "multiply", "Node", "Weather", "oa", "bare", "native_fn"]
    assert tools[1] == {"googleSearch": {}}
    assert function_names(tools) == names


def test_tool_declaration_is_exact() -> None:
    declaration = _only(convert_tools([add]))
    schema = declaration.pop("parametersJsonSchema")
    assert declaration == {"name": "add", "description": "Add two integers."}
    assert schema["required"] == ["a", "b"]
    assert {k: v["type"] for k, v in schema["properties"].items()} == {
        "a": "integer",
        "b": "integer",
    }


def test_pydantic_schema_is_lossless_json_schema() -> None:
    declaration = _only(convert_tools([Node]))
    schema = declaration["parametersJsonSchema"]
    assert declaration["description"] == "A tree node."
    full = Node.model_json_schema()  # {"$ref": "#/$defs/Node", "$defs": ...}
    root = full["$defs"]["Node"]
    assert schema["$defs"] == full["$defs"]
    assert schema["properties"] == root["properties"]
    assert schema["required"] == ["label"]
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert "$defs" in schema
    assert schema["properties"]["parent"]["anyOf"][1] == {"type": "null"}
    assert "parameters" not in declaration


def test_openai_dict_and_typeddict_keep_their_schema() -> None:
    tools = convert_tools(
        [{"type": "function", "function": {"name": "oa", "parameters": ADD_SCHEMA}}]
    )
    assert _only(tools) == {"name": "oa", "parametersJsonSchema": ADD_SCHEMA}
    weather = _only(convert_tools([Weather]))
    assert weather["parametersJsonSchema"]["properties"]["city"] == {
        "type": "string",
        "description": "City name",
    }


def test_tool_without_arguments_sends_no_schema() -> None:
    @tool
    def now() -> str:
        """The time."""
        return "noon"

    assert _only(convert_tools([now])) == {"name": "now", "description": "The time."}


def test_openapi_format_sends_parameters_and_warns() -> None:
    with pytest.warns(UserWarning, match="recursive"):
        declaration = _only(convert_tools([Node], schema_format="openapi"))
    params = declaration["parameters"]
    assert "parametersJsonSchema" not in declaration
    assert params["type"] == "OBJECT"
    assert "$defs" not in params
    assert params["properties"]["children"]["items"]["type"] == "OBJECT"


NAMES = ["add", "multiply"]


def test_duplicate_names_keep_the_first_and_bad_format_raises() -> None:
    with pytest.warns(UserWarning, match=r"\['add'\]"):
        assert function_names(convert_tools([add, multiply, add])) == NAMES
    with pytest.raises(ValueError, match="tool_schema_format"):
        convert_tools([add], schema_format=cast(Any, "yaml"))


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"mode": "AUTO"}),
        ("any", {"mode": "ANY"}),
        ("required", {"mode": "ANY"}),
        (True, {"mode": "ANY"}),
        ("none", {"mode": "NONE"}),
        ("validated", {"mode": "VALIDATED"}),
        ("add", {"mode": "ANY", "allowedFunctionNames": ["add"]}),
        (NAMES, {"mode": "ANY", "allowedFunctionNames": NAMES}),
        (
            {"type": "function", "function": {"name": "multiply"}},
            {"mode": "ANY", "allowedFunctionNames": ["multiply"]},
        ),
        ({"type": "any"}, {"mode": "ANY"}),
    ],
)
def test_tool_choice_mapping(choice: Any, expected: dict[str, Any]) -> None:
    assert tool_config(choice, NAMES) == {"functionCallingConfig": expected}


@pytest.mark.parametrize("choice", [None, False])
def test_no_tool_choice_sends_no_tool_config(choice: Any) -> None:
    assert tool_config(choice, NAMES) is None


@pytest.mark.parametrize("choice", ["divide", ["add", "divide"], [], {"x": 1}])
def test_unknown_tool_choice_raises(choice: Any) -> None:
    with pytest.raises(ValueError):
        tool_config(choice, NAMES)


def test_bind_tools_binds_wire_ready_tools_and_config() -> None:
    llm = ChatCometGemini(api_key="k")
    bound = llm.bind_tools([add, multiply], tool_choice="multiply", strict=True)
    assert isinstance(bound, RunnableBinding)
    kwargs = bound.kwargs
    assert function_names(kwargs["tools"]) == NAMES
    assert kwargs["tool_config"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["multiply"]}
    }
    with pytest.raises(ValueError, match="divide"):
        llm.bind_tools([add], tool_choice="divide")


def test_bind_tools_uses_the_models_schema_format() -> None:
    llm = ChatCometGemini(api_key="k", tool_schema_format="openapi")
    bound = llm.bind_tools([add])
    assert isinstance(bound, RunnableBinding)
    tools = bound.kwargs["tools"]
    assert _only(tools)["parameters"]["properties"]["a"] == {
        "type": "INTEGER",
        "title": "A",
    }


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ({"google_search": {}}, {"googleSearch": {}}),
        ({"codeExecution": {}}, {"codeExecution": {}}),
        ({"url_context": None}, {"urlContext": {}}),
        ({"future_tool": {"x": 1}}, {"futureTool": {"x": 1}}),
    ],
)
def test_builtin_tools_get_their_own_entry(tool: Any, expected: Any) -> None:
    assert convert_tools([add, tool]) == [
        {"functionDeclarations": [_only(convert_tools([add]))]},
        expected,
    ]


def test_a_one_key_schema_dict_is_not_a_builtin() -> None:
    with pytest.raises(ValueError):  # not a tool at all: no silent built-in
        convert_tools([{"properties": {"a": {"type": "string"}}}])


def test_a_ref_root_schema_dict_is_sent_faithfully() -> None:
    from pydantic import BaseModel

    from langchain_cometgemini._wire.tools import convert_tools

    class Node(BaseModel):
        """A tree node."""

        name: str
        children: list[Node] = []

    schema = Node.model_json_schema()
    assert "$ref" in schema  # a recursive root model's schema is a bare $ref
    for schema_dict in (schema, {k: v for k, v in schema.items() if k != "title"}):
        (declaration,) = convert_tools([schema_dict], schema_format="json_schema")[0][
            "functionDeclarations"
        ]
        assert declaration["name"] == "Node"
        params = declaration["parametersJsonSchema"]
        assert params["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
        assert params["$defs"]["Node"]["required"] == ["name"]


def test_a_ref_outside_its_own_defs_is_refused() -> None:
    from langchain_cometgemini._wire.tools import convert_tools

    with pytest.raises(ValueError, match="does not point into its own"):
        convert_tools([{"$ref": "#/$defs/X", "$defs": {}}], schema_format="json_schema")


# -- choices and names the API would refuse -----------------------------------------


def test_openai_choice_with_the_function_as_a_plain_name() -> None:
    """``{"type": "function", "function": "f"}`` raised AttributeError."""
    choice = {"type": "function", "function": "add"}
    assert tool_config(choice, ["add"]) == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["add"]}
    }


@pytest.mark.parametrize("choice", [5, 2.5, [1], object()])
def test_a_choice_of_the_wrong_type_says_what_is_accepted(choice: Any) -> None:
    """``tool_choice=5`` said "'int' object is not iterable"."""
    with pytest.raises(TypeError, match="tool_choice must be 'auto', 'any'"):
        tool_config(choice, ["add"])


@pytest.mark.parametrize("name", ["Get Weather Now", "get/weather", "x" * 129])
def test_function_names_gemini_refuses_are_value_errors(name: str) -> None:
    """A schema title ``"Get Weather Now"`` was sent as the function name."""
    schema = {"title": name, "type": "object", "properties": {"a": {"type": "string"}}}
    with pytest.raises(ValueError, match="is not one Gemini accepts"):
        convert_tools([schema])
    native = {"functionDeclarations": [{"name": name}]}
    with pytest.raises(ValueError, match="is not one Gemini accepts"):
        convert_tools([native])


@pytest.mark.parametrize("name", ["get_weather", "ns:get.weather-2", "x" * 128])
def test_function_names_gemini_takes_pass(name: str) -> None:
    tools = convert_tools([{"name": name, "description": "d", "parameters": {}}])
    assert function_names(tools) == [name]


@pytest.mark.parametrize(
    "parameters",
    [
        {
            "anyOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}},
                {"type": "object", "properties": {"b": {"type": "integer"}}},
            ]
        },
        {"type": "object", "additionalProperties": {"type": "string"}},
    ],
)
def test_schemas_without_top_level_properties_are_kept(
    parameters: dict[str, Any],
) -> None:
    """A root ``anyOf`` or a map lost its schema (only ``properties`` counted)."""
    tool = {"name": "f", "description": "d", "parameters": parameters}
    declaration = convert_tools([tool])[0]["functionDeclarations"][0]
    assert declaration["parametersJsonSchema"] == parameters


def test_an_empty_object_schema_sends_no_parameters() -> None:
    tool = {"name": "f", "description": "d", "parameters": {"type": "object"}}
    declaration = convert_tools([tool])[0]["functionDeclarations"][0]
    assert declaration == {"name": "f", "description": "d"}


@pytest.mark.parametrize(
    "choice",
    [
        {"function_calling_config": {"mode": "any"}},
        {"functionCallingConfig": {"mode": "ANY"}},
        {"function_calling_config": {"mode": "ANY", "allowed_function_names": ["add"]}},
    ],
)
def test_a_raw_tool_config_goes_in_gemini_spelling(choice: Any) -> None:
    """A snake_case ``toolConfig`` was sent as is (``function_calling_config``)."""
    config = tool_config(choice, ["add"])
    assert config is not None
    calling = config["functionCallingConfig"]
    assert list(config) == ["functionCallingConfig"]
    assert calling["mode"] == "ANY"
    assert calling.get("allowedFunctionNames", ["add"]) == ["add"]


@pytest.mark.parametrize(
    ("choice", "match"),
    [
        ({"functionCallingConfig": {"mode": "SOMETIMES"}}, "mode"),
        (
            {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["x"]}},
            "x",
        ),
        ({"functionCallingConfig": {"bogus": 1}}, "bogus"),
        ({"functionCallingConfig": 5}, "functionCallingConfig"),
    ],
)
def test_a_raw_tool_config_gemini_would_refuse_is_a_value_error(
    choice: Any, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        tool_config(choice, ["add"])


def test_tools_that_are_no_list_are_a_type_error_naming_them() -> None:
    """``invoke(..., tools=5)`` said "'int' object is not iterable"."""
    from langchain_cometgemini._wire.tools import prepare_tools

    with pytest.raises(TypeError, match="tools must be a list"):
        prepare_tools(cast(Any, 5))


@pytest.mark.parametrize("choice", ["any", "add", True])
def test_a_forced_choice_without_tools_is_refused(choice: Any) -> None:
    """Mode ANY was sent with no function to call."""
    from langchain_cometgemini._wire.tools import prepare_tools

    with pytest.raises(ValueError, match="no tools are bound|names no bound tool"):
        prepare_tools([], choice)


def test_a_raw_tool_config_per_call_is_checked_and_camel_cased() -> None:
    from langchain_cometgemini._wire.tools import check_tool_config

    tools = [{"functionDeclarations": [{"name": "add"}]}]
    raw = {"function_calling_config": {"mode": "any"}}
    assert check_tool_config(raw, tools) == {"functionCallingConfig": {"mode": "ANY"}}
    with pytest.raises(TypeError, match="tool_config must be a dict"):
        check_tool_config(5, tools)
    bogus = {"functionCallingConfig": {"mode": "BOGUS"}}
    with pytest.raises(ValueError, match="mode"):
        check_tool_config(bogus, tools)
    unbound = {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["g"]}}
    with pytest.raises(ValueError, match="names no bound tool"):
        check_tool_config(unbound, tools)
