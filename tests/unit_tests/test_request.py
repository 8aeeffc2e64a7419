"""_request: thinking, output modalities, media resolution, logprobs and caching."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from langchain_cometgemini._wire.request import build_body, generation_config
from tests.support import generation_keys

KEYS = generation_keys()

MODEL = "gemini-3-flash-preview"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"thinking_level": "low"}, {"thinkingLevel": "LOW"}),
        ({"thinking_level": "HIGH"}, {"thinkingLevel": "HIGH"}),
        ({"thinking_budget": 0}, {"thinkingBudget": 0}),
        ({"thinking_budget": -1}, {"thinkingBudget": -1}),
        ({"include_thoughts": True}, {"includeThoughts": True}),
        (
            {"thinking_budget": 512, "include_thoughts": False},
            {"thinkingBudget": 512, "includeThoughts": False},
        ),
        ({"thinking_config": {"thinking_budget": 64}}, {"thinkingBudget": 64}),
        (
            {"thinking_config": {"includeThoughts": True}, "thinking_level": "minimal"},
            {"includeThoughts": True, "thinkingLevel": "MINIMAL"},
        ),
        # the named fields win over the raw dict
        (
            {"thinking_config": {"thinkingLevel": "HIGH"}, "thinking_level": "low"},
            {"thinkingLevel": "LOW"},
        ),
    ],
)
def test_thinking_config(params: dict[str, Any], expected: dict[str, Any]) -> None:
    assert generation_config(params, keys=KEYS)["thinkingConfig"] == expected


def test_no_thinking_fields_send_no_thinking_config() -> None:
    assert "thinkingConfig" not in generation_config({"temperature": 0.1}, keys=KEYS)


def test_level_and_budget_together_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="either thinking_level .* or thinking_budget"):
        generation_config({"thinking_level": "low", "thinking_budget": 128}, keys=KEYS)


def test_unknown_thinking_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="thinking_level must be one of"):
        generation_config({"thinking_level": "extreme"}, keys=KEYS)


def test_raw_generation_config_thinking_merges_with_fields() -> None:
    config = generation_config(
        {
            "include_thoughts": True,
            "generation_config": {"thinking_config": {"thinking_budget": 32}},
        },
        keys=KEYS,
    )
    assert config["thinkingConfig"] == {"includeThoughts": True, "thinkingBudget": 32}


def test_output_fields_are_camel_cased_deeply() -> None:
    config = generation_config(
        {
            "response_modalities": ["text", "Image"],
            "image_config": {"aspect_ratio": "16:9", "image_size": "2K"},
            "speech_config": {
                "voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}
            },
            "response_logprobs": True,
            "logprobs": 3,
        },
        keys=KEYS,
    )
    assert config == {
        "responseModalities": ["TEXT", "IMAGE"],
        "imageConfig": {"aspectRatio": "16:9", "imageSize": "2K"},
        "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
        "responseLogprobs": True,
        "logprobs": 3,
    }


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("low", "MEDIA_RESOLUTION_LOW"),
        ("HIGH", "MEDIA_RESOLUTION_HIGH"),
        ("MEDIA_RESOLUTION_MEDIUM", "MEDIA_RESOLUTION_MEDIUM"),
    ],
)
def test_global_media_resolution(value: str, sent: str) -> None:
    assert (
        generation_config({"media_resolution": value}, keys=KEYS)["mediaResolution"]
        == sent
    )


# -- cached content ------------------------------------------------------------------


def _cached_body(name: str, **params: Any) -> dict[str, Any]:
    messages = [SystemMessage("be brief"), HumanMessage("hi")]
    return build_body(
        messages, {"cached_content": name, **params}, model=MODEL, keys=KEYS
    )


def test_cached_content_drops_what_lives_in_the_cache() -> None:
    tools = [{"functionDeclarations": [{"name": "f", "description": "d"}]}]
    tool_config = {"functionCallingConfig": {"mode": "ANY"}}
    with pytest.warns(UserWarning, match="systemInstruction, tools, toolConfig"):
        body = _cached_body(
            "cachedContents/unit-a", tools=tools, tool_config=tool_config
        )
    assert body["cachedContent"] == "cachedContents/unit-a"
    assert not {"systemInstruction", "tools", "toolConfig"} & set(body)
    assert body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]


def test_cached_content_warns_once_per_cache() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _cached_body("cachedContents/unit-once")
        _cached_body("cachedContents/unit-once")
        _cached_body("cachedContents/unit-other")
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2
    assert all("systemInstruction" in m for m in messages)


def test_cached_content_without_cached_parts_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body = build_body(
            [HumanMessage("hi")],
            {"cached_content": "cachedContents/unit-quiet"},
            model=MODEL,
            keys=KEYS,
        )
    assert body["cachedContent"] == "cachedContents/unit-quiet"


# -- per-model rules and top-level fields (pure) ----------------------------------


def test_closed_levels_also_check_a_raw_thinking_config() -> None:
    with pytest.raises(ValueError, match="thinking_config.thinking_level"):
        build_body(
            [HumanMessage("hi")],
            {"thinking_config": {"thinkingLevel": "MINIMAL"}},
            model="gemini-3.8-flash",
            keys=KEYS,
        )


def test_counting_a_history_that_ends_with_a_model_turn_is_allowed() -> None:
    body = build_body(
        [HumanMessage("hi"), AIMessage("partial")],
        {},
        model="gemini-3.6-flash",
        partial=True,
        keys=KEYS,
    )
    assert body["contents"][-1]["role"] == "model"
    with pytest.raises(ValueError, match="ends with a model turn"):
        build_body(
            [HumanMessage("hi"), AIMessage("partial")],
            {},
            model="gemini-3.6-flash",
            keys=KEYS,
        )


def test_candidate_count_one_may_stream() -> None:
    body = build_body(
        [HumanMessage("hi")],
        {"candidate_count": 1},
        model=MODEL,
        stream=True,
        keys=KEYS,
    )
    assert body["generationConfig"] == {"candidateCount": 1}
    with pytest.raises(ValueError, match="cannot be streamed"):
        build_body(
            [HumanMessage("hi")],
            {"candidate_count": 2},
            model=MODEL,
            stream=True,
            keys=KEYS,
        )


def test_extra_body_is_merged_last_and_must_be_a_dict() -> None:
    body = build_body(
        [HumanMessage("hi")],
        {"store": True, "extra_body": {"store": False, "newField": {"a": 1}}},
        model=MODEL,
        keys=KEYS,
    )
    assert body["store"] is False and body["newField"] == {"a": 1}
    with pytest.raises(TypeError, match="extra_body"):
        build_body([HumanMessage("hi")], {"extra_body": ["x"]}, model=MODEL, keys=KEYS)


def test_server_invocations_flag_follows_the_family() -> None:
    tools = [{"functionDeclarations": [{"name": "f"}]}, {"googleSearch": {}}]
    for model, expected in [
        ("gemini-flash-latest", True),
        ("gemini-5-pro", True),
        ("gemini-2.5-pro", None),
    ]:
        body = build_body(
            [HumanMessage("hi")], {"tools": tools}, model=model, keys=KEYS
        )
        config = body.get("toolConfig") or {}
        assert config.get("includeServerSideToolInvocations") is expected, model


def test_stream_function_call_arguments_asks_for_pieces() -> None:
    from langchain_core.messages import HumanMessage

    from langchain_cometgemini._wire.request import build_body

    params = {
        "tools": [{"functionDeclarations": [{"name": "f"}]}],
        "tool_config": {"functionCallingConfig": {"mode": "AUTO"}},
        "stream_function_call_arguments": True,
    }
    body = build_body(
        [HumanMessage("hi")], params, model="gemini-3-pro-preview", keys=KEYS
    )
    calling = body["toolConfig"]["functionCallingConfig"]
    assert calling == {"mode": "AUTO", "streamFunctionCallArguments": True}
    plain = build_body(
        [HumanMessage("hi")], {}, model="gemini-3-pro-preview", keys=KEYS
    )
    assert "toolConfig" not in plain


# -- settings once sent as bodies the API rejects, or raised untyped --------------


def _config(params: dict[str, Any], model: str = MODEL) -> dict[str, Any]:
    body = build_body([HumanMessage("hi")], params, model=model, keys=KEYS)
    config: dict[str, Any] = body.get("generationConfig", {})
    return config


@pytest.mark.parametrize(
    "params",
    [
        {"thinking_config": {"thinking_budget": 512}, "thinking_level": "low"},
        {
            "generation_config": {"thinking_config": {"thinking_budget": 1}},
            "thinking_level": "low",
        },
        {"thinking_config": {"thinkingLevel": "LOW", "thinkingBudget": 1}},
    ],
)
def test_a_level_beside_a_budget_anywhere_is_refused(params: dict[str, Any]) -> None:
    """Gemini answers 400: "You can only set only one of thinking budget and
    thinking level." (tests/data/captures/errors.json, vercel/ai live errors)."""
    with pytest.raises(ValueError, match="only one of thinking budget and thinking"):
        _config(params)


def test_reasoning_effort_beside_a_raw_budget_is_refused() -> None:
    params = {"thinking_config": {"thinking_budget": 512}, "reasoning_effort": "low"}
    with pytest.raises(ValueError, match="reasoning_effort or thinking_level"):
        _config(params)


def test_a_null_raw_thinking_config_is_nothing() -> None:
    """``generation_config={"thinking_config": None}`` raised AttributeError."""
    params = {"generation_config": {"thinking_config": None}, "reasoning_effort": "low"}
    assert _config(params) == {"thinkingConfig": {"thinkingLevel": "LOW"}}


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"generation_config": 5}, TypeError, "generation_config must be a dict"),
        ({"thinking_config": "x"}, TypeError, "thinking_config must be a dict"),
        ({"thinking_budget": "abc"}, TypeError, "thinking_budget must be an integer"),
        ({"thinking_budget": 2.5}, TypeError, "thinking_budget must be an integer"),
    ],
)
def test_wrong_types_name_the_argument(
    params: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        _config(params)


def test_one_modality_given_as_a_string_is_a_list_of_one() -> None:
    """``response_modalities="IMAGE"`` was sent as ``["I","M","A","G","E"]``."""
    assert _config({"response_modalities": "IMAGE"}) == {
        "responseModalities": ["IMAGE"]
    }
    with pytest.raises(ValueError, match="response_modalities must be among"):
        _config({"response_modalities": ["TEXT", "VIDEO"]})


@pytest.mark.parametrize("value", ["ultra_high", "foo", "MEDIA_RESOLUTION_ULTRA_HIGH"])
def test_media_resolution_outside_the_request_enum_is_refused(value: str) -> None:
    """Discovery: ``generationConfig.mediaResolution`` is LOW, MEDIUM or HIGH."""
    with pytest.raises(ValueError, match="media_resolution must be one of"):
        _config({"media_resolution": value})
    assert _config({"media_resolution": "low"}) == {
        "mediaResolution": "MEDIA_RESOLUTION_LOW"
    }


def test_a_response_schema_brings_its_json_mime_type() -> None:
    """A per-call schema was sent without ``responseMimeType``."""
    assert _config({"response_json_schema": {"type": "object"}}) == {
        "responseJsonSchema": {"type": "object"},
        "responseMimeType": "application/json",
    }


def test_two_response_schemas_are_refused() -> None:
    params = {
        "response_json_schema": {"type": "object"},
        "response_schema": {"type": "OBJECT"},
    }
    with pytest.raises(ValueError, match="not both"):
        _config(params)


@pytest.mark.parametrize(
    "settings",
    [
        [{"cat": "HARASSMENT", "threshold": "OFF"}],
        [{"category": "HARASSMENT"}],
        [{"category": "HARASSMENT", "threshold": "OFF", "method": "X"}],
    ],
)
def test_safety_list_items_without_both_keys_are_value_errors(settings: Any) -> None:
    """An item without ``category`` raised KeyError."""
    with pytest.raises(ValueError, match=r"safety_settings\[0\] needs exactly"):
        build_body(
            [HumanMessage("hi")], {"safety_settings": settings}, model=MODEL, keys=KEYS
        )


def test_a_forced_call_with_a_json_mime_type_is_refused() -> None:
    """Gemini answers 400: "Forced function calling (ANY mode) with a response
    mime type: 'application/json' is unsupported" (errors.json, vercel/ai)."""
    params = {
        "tools": [{"functionDeclarations": [{"name": "f"}]}],
        "tool_config": {"functionCallingConfig": {"mode": "ANY"}},
        "response_mime_type": "application/json",
    }
    with pytest.raises(ValueError, match="Forced function calling"):
        build_body([HumanMessage("hi")], params, model=MODEL, keys=KEYS)


def test_a_per_call_response_schema_is_sent_in_the_openapi_subset() -> None:
    """``response_schema`` with JSON-Schema types went out as given (400: "Invalid
    value at 'generation_config.response_schema.type'")."""
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert _config({"response_schema": schema}) == {
        "responseSchema": {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}},
        "responseMimeType": "application/json",
    }


def test_a_pydantic_class_as_a_per_call_schema_is_its_json_schema() -> None:
    """A class given as ``response_json_schema`` raised "Object of type
    ModelMetaclass is not JSON serializable"."""

    class Pet(BaseModel):
        kind: str

    config = _config({"response_json_schema": Pet})
    assert config["responseJsonSchema"] == Pet.model_json_schema()
    assert _config({"response_schema": Pet})["responseSchema"]["type"] == "OBJECT"


@pytest.mark.parametrize("name", ["response_json_schema", "response_schema"])
@pytest.mark.parametrize("value", [5, "x", [1]])
def test_a_per_call_schema_that_is_no_schema_is_refused_naming_it(
    name: str, value: Any
) -> None:
    with pytest.raises(ValueError, match=name):
        _config({name: value})


def test_a_schema_beside_a_mime_type_it_cannot_constrain_is_refused() -> None:
    """Discovery: "If set, a compatible response_mime_type must also be set"."""
    params = {"response_json_schema": {"type": "object"}}
    with pytest.raises(ValueError, match="text/plain"):
        _config({**params, "response_mime_type": "text/plain"})
    enum = {"type": "string", "enum": ["a"]}
    sent = _config({"response_json_schema": enum, "response_mime_type": "text/x.enum"})
    assert sent["responseMimeType"] == "text/x.enum"


@pytest.mark.parametrize(
    "params",
    [
        {"thinking_config": {"thinkingLevel": "low"}},
        {"thinking_config": {"thinking_level": "Low"}},
        {"generation_config": {"thinking_config": {"thinking_level": "low"}}},
    ],
)
def test_a_raw_thinking_level_is_sent_in_the_enum_spelling(
    params: dict[str, Any],
) -> None:
    """A raw lowercase level was sent as given (400: "Invalid value at
    'generation_config.thinking_config.thinking_level'")."""
    assert _config(params)["thinkingConfig"] == {"thinkingLevel": "LOW"}


def test_a_raw_thinking_level_outside_the_enum_is_refused() -> None:
    with pytest.raises(ValueError, match="thinking_config"):
        _config({"thinking_config": {"thinkingLevel": "ultra"}})


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "name",
    [
        "response_json_schema",
        "response_schema",
        "extra_body",
        "generation_config",
        "thinking_config",
        "tools",
    ],
)
def test_a_setting_nested_too_deeply_is_refused_naming_it(name: str) -> None:
    """Nesting 3,000 deep raised RecursionError (in conversion or in encoding)."""
    value: Any = _nested(3000)
    if name == "tools":
        value = [{"functionDeclarations": [{"name": "f", "parameters": value}]}]
    with pytest.raises(ValueError, match=f"{name} nests"):
        build_body([HumanMessage("hi")], {name: value}, model=MODEL, keys=KEYS)


def test_a_setting_holding_nan_is_refused_naming_it() -> None:
    """NaN in a raw setting failed in the encoder without naming it."""
    params = {"extra_body": {"x": [float("nan")]}}
    with pytest.raises(ValueError, match="extra_body holds NaN"):
        build_body([HumanMessage("hi")], params, model=MODEL, keys=KEYS)


def test_content_nested_too_deeply_is_refused_naming_the_message() -> None:
    block = {
        "type": "non_standard",
        "value": {"text": "x", "partMetadata": _nested(3000)},
    }
    with pytest.raises(
        ValueError, match=r"messages\[0\] \(HumanMessage\) content nests"
    ):
        build_body([HumanMessage(content=[block])], {}, model=MODEL, keys=KEYS)


def test_logprobs_without_response_logprobs_is_refused() -> None:
    """Discovery, ``logprobs``: "Only valid if response_logprobs=True"."""
    with pytest.raises(ValueError, match="response_logprobs"):
        _config({"logprobs": 3})
    assert _config({"logprobs": 3, "response_logprobs": True}) == {
        "logprobs": 3,
        "responseLogprobs": True,
    }


@pytest.mark.parametrize(
    ("threshold", "sent"),
    [
        ("none", "BLOCK_NONE"),
        ("ONLY_HIGH", "BLOCK_ONLY_HIGH"),
        ("medium_and_above", "BLOCK_MEDIUM_AND_ABOVE"),
        ("off", "OFF"),
    ],
)
def test_short_threshold_names_are_gemini_thresholds(threshold: str, sent: str) -> None:
    body = build_body(
        [HumanMessage("hi")],
        {"safety_settings": {"harassment": threshold}},
        model=MODEL,
        keys=KEYS,
    )
    assert body["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": sent}
    ]


def test_an_unknown_safety_name_says_whether_category_or_threshold() -> None:
    params = {"safety_settings": {"HARASSMENT": "SOMETIMES"}}
    with pytest.raises(ValueError, match="threshold 'SOMETIMES'"):
        build_body([HumanMessage("hi")], params, model=MODEL, keys=KEYS)
    params = {"safety_settings": {"GOSSIP": "OFF"}}
    with pytest.raises(ValueError, match="category 'GOSSIP'"):
        build_body([HumanMessage("hi")], params, model=MODEL, keys=KEYS)
