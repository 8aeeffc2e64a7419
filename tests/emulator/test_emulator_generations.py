"""The emulator applies Gemini 3's signature rules by family, not by name list.

``_profiles.generation(model) >= 3`` decides: the ``-latest`` aliases and
unknown future names (``gemini-5-x``) behave like Gemini 3 (replies are signed,
an unsigned replayed call is a 400); Gemini 2.x and non-Gemini names do not.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from langchain_cometgemini.testing import GeminiEmulator, Reply
from langchain_cometgemini.testing._signatures import is_gemini3

from .conftest import url, user

GEMINI3_LIKE = [
    "gemini-flash-latest",
    "gemini-pro-latest",
    "gemini-flash-lite-latest",
    "gemini-3-pro-preview",
    "gemini-3.5-flash",
    "gemini-5-x",
    "models/gemini-4-ultra",
]
OLDER = ["gemini-2.5-flash", "gemini-2.0-flash", "gemma-3-27b-it"]


def unsigned_call_history() -> dict[str, Any]:
    return {
        "contents": [
            user("weather?"),
            {
                "role": "model",
                "parts": [{"functionCall": {"name": "get", "args": {"q": 1}}}],
            },
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "get", "response": {}}}],
            },
        ]
    }


@pytest.mark.parametrize("model", GEMINI3_LIKE)
def test_gemini3_like_names(model: str) -> None:
    assert is_gemini3(model)


@pytest.mark.parametrize("model", [*OLDER, "", None])
def test_older_names(model: str | None) -> None:
    assert not is_gemini3(model)


@pytest.mark.parametrize("model", GEMINI3_LIKE)
def test_unsigned_call_rejected(client: httpx.Client, model: str) -> None:
    answer = client.post(
        url(model.removeprefix("models/")), json=unsigned_call_history()
    )
    assert answer.status_code == 400
    assert "thought_signature" in answer.json()["error"]["message"]


@pytest.mark.parametrize("model", OLDER)
def test_unsigned_call_accepted_before_gemini3(
    client: httpx.Client, model: str
) -> None:
    answer = client.post(url(model), json=unsigned_call_history())
    assert answer.status_code == 200


@pytest.mark.parametrize("model", ["gemini-flash-latest", "gemini-5-x"])
def test_reply_signed(emu: GeminiEmulator, client: httpx.Client, model: str) -> None:
    emu.enqueue(Reply.function_call("get", {"city": "Paris"}))
    body = client.post(url(model), json={"contents": [user("q")]}).json()
    part = body["candidates"][0]["content"]["parts"][0]
    assert part["thoughtSignature"] in emu.issued_signatures


def test_reply_unsigned_for_gemini2(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.function_call("get", {"city": "Paris"}))
    body = client.post(url("gemini-2.5-flash"), json={"contents": [user("q")]}).json()
    assert "thoughtSignature" not in body["candidates"][0]["content"]["parts"][0]
