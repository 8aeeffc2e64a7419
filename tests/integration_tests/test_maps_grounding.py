"""Google Maps grounding: the tool and the user's location on the wire."""

from __future__ import annotations

from langchain_core.tools import tool

from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model


@tool
def book_table(place: str) -> str:
    """Book a table at a restaurant."""
    return "booked"


def test_maps_with_location_and_function_tools(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator, model="gemini-3-flash-preview").bind_tools(
        [book_table, {"google_maps": {"enable_widget": True}}],
        tool_choice="auto",
        retrieval_config={"latitude": 40.7, "longitude": -74.0, "language_code": "en"},
    )
    llm.invoke("Italian food near me?")
    body = gemini_emulator.last_request.body
    assert body["tools"][0]["functionDeclarations"][0]["name"] == "book_table"
    assert body["tools"][1] == {"googleMaps": {"enable_widget": True}}
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "AUTO"},
        "retrievalConfig": {
            "latLng": {"latitude": 40.7, "longitude": -74.0},
            "languageCode": "en",
        },
        # built-in + function tools on Gemini 3
        "includeServerSideToolInvocations": True,
    }


def test_location_on_the_tool_dict_per_call(gemini_emulator: GeminiEmulator) -> None:
    tools = [{"googleMaps": {"latitude": 35.68, "longitude": 139.69}}]
    make_model(gemini_emulator, model="gemini-3-flash-preview").invoke(
        "Ramen nearby?", tools=tools
    )
    body = gemini_emulator.last_request.body
    assert body["tools"] == [{"googleMaps": {}}]
    assert body["toolConfig"] == {
        "retrievalConfig": {"latLng": {"latitude": 35.68, "longitude": 139.69}}
    }
