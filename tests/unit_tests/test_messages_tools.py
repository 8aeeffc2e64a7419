"""Tool calls, tool results and thought signatures in the request (``_messages``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from langchain_cometgemini._wire.messages import SKIP_SIGNATURE, convert_messages
from langchain_cometgemini._wire.response import result_from_response

CAPTURES = Path(__file__).parent.parent / "data" / "captures"
G3, G25 = "gemini-3-flash-preview", "gemini-2.5-flash"
FC_KEY = "__gemini_function_call_thought_signatures__"
GEMINI = {"model_provider": "google_genai"}
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)


def contents(messages: list[BaseMessage], model: str = G25) -> list[dict[str, Any]]:
    return convert_messages(messages, model=model)[1]


def call(name: str, call_id: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def test_tool_message_becomes_function_response_with_looked_up_name() -> None:
    ai = AIMessage("", tool_calls=[call("add", "c1", a=1, b=2)])
    result = contents([HumanMessage("1+2?"), ai, ToolMessage("3", tool_call_id="c1")])
    assert result[1] == {
        "role": "model",
        "parts": [{"functionCall": {"name": "add", "args": {"a": 1, "b": 2}}}],
    }
    assert result[2] == {
        "role": "user",
        "parts": [{"functionResponse": {"name": "add", "response": {"result": 3}}}],
    }


@pytest.mark.parametrize(
    ("content", "status", "response"),
    [
        ('{"temp": 21}', "success", {"temp": 21}),
        ("[1, 2]", "success", {"result": [1, 2]}),
        ("sunny", "success", {"result": "sunny"}),
        (
            [{"type": "text", "text": '{"a": '}, {"type": "text", "text": "1}"}],
            "success",
            {"a": 1},
        ),
        ("boom", "error", {"error": "boom"}),
        ('{"code": 7}', "error", {"error": {"code": 7}}),
    ],
)
def test_tool_output_decoding(content: Any, status: str, response: Any) -> None:
    ai = AIMessage("", tool_calls=[call("f", "c1")])
    tool = ToolMessage(content, tool_call_id="c1", status=status)
    part = contents([HumanMessage("go"), ai, tool])[2]["parts"][0]
    assert part["functionResponse"]["response"] == response


def test_gemini_ids_are_echoed_and_generated_ids_are_not() -> None:
    ai = AIMessage(
        "",
        tool_calls=[call("f", "g1bmv6il"), call("g", "lc_abc")],
        response_metadata=GEMINI,
    )
    tools = [
        ToolMessage("1", tool_call_id="g1bmv6il"),
        ToolMessage("2", tool_call_id="lc_abc"),
    ]
    model, user = contents([HumanMessage("go"), ai, *tools])[1:]
    assert [p["functionCall"].get("id") for p in model["parts"]] == ["g1bmv6il", None]
    assert [p["functionResponse"].get("id") for p in user["parts"]] == [
        "g1bmv6il",
        None,
    ]


def test_parallel_results_go_in_call_order_in_one_content() -> None:
    ai = AIMessage("", tool_calls=[call("a", "1"), call("b", "2"), call("c", "3")])
    tools = [
        ToolMessage(x, tool_call_id=i) for i, x in (("3", "C"), ("1", "A"), ("2", "B"))
    ]
    result = contents([HumanMessage("go"), ai, *tools, HumanMessage("thanks")])
    assert [c["role"] for c in result] == ["user", "model", "user"]
    parts = result[2]["parts"]
    names = [p["functionResponse"]["name"] for p in parts[:3]]
    assert names == ["a", "b", "c"]
    assert [p["functionResponse"]["response"] for p in parts[:3]] == [
        {"result": "A"},
        {"result": "B"},
        {"result": "C"},
    ]
    assert parts[3] == {"text": "thanks"}


def test_tool_message_answering_no_call_raises() -> None:
    with pytest.raises(ValueError, match="tool_call_id='nope'"):
        contents([HumanMessage("go"), ToolMessage("x", tool_call_id="nope")])


def test_signatures_replay_on_their_parts_in_order() -> None:
    ai = AIMessage(
        [
            {"type": "thinking", "thinking": "hmm", "signature": "S0"},
            {"type": "text", "text": "Let me check.", "extras": {"signature": "S1"}},
        ],
        tool_calls=[call("f", "a"), call("g", "b")],
        additional_kwargs={FC_KEY: {"a": "S2"}},
    )
    parts = contents([HumanMessage("go"), ai], model=G3)[1]["parts"]
    assert parts == [
        {"text": "hmm", "thought": True, "thoughtSignature": "S0"},
        {"text": "Let me check.", "thoughtSignature": "S1"},
        {"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "S2"},
        {"functionCall": {"name": "g", "args": {}}},
    ]


def test_text_signatures_on_string_content_split_at_offsets() -> None:
    ai = AIMessage(
        "Hello world",
        additional_kwargs={
            "__gemini_text_thought_signatures__": [
                {"offset": 6, "signature": "T1"},
                {"offset": 11, "signature": "T2"},
            ]
        },
    )
    parts = contents([HumanMessage("hi"), ai], model=G3)[1]["parts"]
    assert parts == [
        {"text": "Hello "},
        {"text": "world", "thoughtSignature": "T1"},
        {"text": "", "thoughtSignature": "T2"},
    ]


def test_placeholder_only_for_unsigned_calls_on_gemini_3() -> None:
    ai = AIMessage("", tool_calls=[call("f", "a"), call("g", "b")])
    history = [
        HumanMessage("go"),
        ai,
        ToolMessage("1", tool_call_id="a"),
        ToolMessage("2", tool_call_id="b"),
    ]
    g3_parts = contents(history, model=G3)[1]["parts"]
    assert [p.get("thoughtSignature") for p in g3_parts] == [SKIP_SIGNATURE, None]
    assert all("thoughtSignature" not in p for p in contents(history)[1]["parts"])
    signed = AIMessage(
        "", tool_calls=[call("f", "a")], additional_kwargs={FC_KEY: {"a": "REAL"}}
    )
    part = contents([HumanMessage("go"), signed], model=G3)[1]["parts"][0]
    assert part["thoughtSignature"] == "REAL"


def test_real_gemini_3_reply_round_trips_exactly() -> None:
    body = json.loads(
        (
            CAPTURES / "real_nonstream_function_call_gemini-3-pro-preview.json"
        ).read_text()
    )
    message = result_from_response(body).generations[0].message
    assert isinstance(message, AIMessage)
    (tool_call,) = message.tool_calls
    history = [
        HumanMessage("weather?"),
        message,
        ToolMessage("sunny", tool_call_id=tool_call["id"]),
    ]
    model_turn = contents(history, model="gemini-3-pro-preview")[1]
    assert model_turn == body["candidates"][0]["content"]


def test_google_genai_style_history_keeps_its_signatures() -> None:
    # langchain-google-genai stores base64 strings under the same key
    ai = AIMessage(
        "",
        tool_calls=[call("f", "8b5a2c1e-uuid")],
        additional_kwargs={FC_KEY: {"8b5a2c1e-uuid": "RXFvK0NxYys="}},
    )
    part = contents([HumanMessage("go"), ai], model=G3)[1]["parts"][0]
    assert part["thoughtSignature"] == "RXFvK0NxYys="


IMAGE = {"type": "image", "base64": PNG, "mime_type": "image/png"}


def test_tool_image_goes_into_function_response_parts_on_gemini_3() -> None:
    ai = AIMessage("", tool_calls=[call("shot", "c1")])
    tool = ToolMessage([{"type": "text", "text": "a chart"}, IMAGE], tool_call_id="c1")
    (part,) = contents([HumanMessage("go"), ai, tool], model=G3)[2]["parts"]
    assert part["functionResponse"] == {
        "name": "shot",
        "response": {"result": "a chart"},
        "parts": [{"inlineData": {"mimeType": "image/png", "data": PNG}}],
    }


def test_tool_media_follows_as_parts_on_older_models_and_for_urls() -> None:
    ai = AIMessage("", tool_calls=[call("shot", "c1"), call("doc", "c2")])
    url = {
        "type": "file",
        "url": "https://example.com/a.pdf",
        "mime_type": "application/pdf",
    }
    tools = [
        ToolMessage([IMAGE], tool_call_id="c1"),
        ToolMessage([url], tool_call_id="c2"),
    ]
    parts = contents([HumanMessage("go"), ai, *tools])[2]["parts"]
    assert parts[0] == {"functionResponse": {"name": "shot", "response": {}}}
    assert parts[1] == {"functionResponse": {"name": "doc", "response": {}}}
    assert parts[2] == {"inlineData": {"mimeType": "image/png", "data": PNG}}
    assert parts[3]["fileData"]["fileUri"] == "https://example.com/a.pdf"
    g3_parts = contents([HumanMessage("go"), ai, *tools], model=G3)[2]["parts"]
    assert "parts" in g3_parts[0]["functionResponse"]
    assert "fileData" in g3_parts[2]
