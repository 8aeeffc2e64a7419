from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from langchain_cometgemini.testing import GeminiEmulator

FLASH = "gemini-2.5-flash"
PRO3 = "gemini-3-pro-preview"


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "parts": [{"text": text}]}


def body(text: str = "hello there", **extra: Any) -> dict[str, Any]:
    return {"contents": [user(text)], **extra}


def url(model: str = FLASH, action: str = "generateContent") -> str:
    return f"/v1beta/models/{model}:{action}"


def sse_url(model: str = FLASH) -> str:
    return url(model, "streamGenerateContent") + "?alt=sse"


def sse_events(text: str) -> list[dict[str, Any]]:
    """Parse an SSE body strictly: CRLF framing, data lines only."""
    assert text.endswith("\r\n\r\n")
    blocks = text.split("\r\n\r\n")[:-1]
    events = []
    for block in blocks:
        assert block.startswith("data: "), block
        assert "\n" not in block
        events.append(json.loads(block[len("data: ") :]))
    return events


@pytest.fixture
def client(emu: GeminiEmulator) -> Iterator[httpx.Client]:
    headers = {"x-goog-api-key": "test-key"}
    with httpx.Client(
        base_url=emu.base_url, headers=headers, timeout=5, verify=False
    ) as c:
        yield c
