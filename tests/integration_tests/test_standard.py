"""LangChain's standard ``ChatModelIntegrationTests``, offline against the emulator.

The emulator's model side is ``scripted_model.scripted_reply``: it answers from
the request the way a cooperative model would (tool calls with arguments taken
from the prompt, text after tool results, JSON matching the schema).
"""

from __future__ import annotations

import io
import struct
import wave
import zlib
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.integration_tests import chat_models as standard_suite

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator
from tests.standard_flags import GeminiStandardFlags


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
_SAMPLES = {".png": _png(), ".wav": _wav(), ".pdf": _PDF}


class _SampleMedia:
    """Stands in for the suite's ``httpx`` only where it downloads sample media.

    The standard suite fetches a PNG, a PDF and a WAV from the internet to build
    its prompts; CI has no internet, so those bytes are made here. Requests of
    the model under test still go through real httpx to the emulator.
    """

    def get(self, url: str, **_: Any) -> SimpleNamespace:
        return SimpleNamespace(content=_SAMPLES[url[url.rindex(".") :]])


class TestChatCometGeminiIntegration(GeminiStandardFlags, ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatCometGemini]:
        return ChatCometGemini

    @pytest.fixture(autouse=True)
    def _emulator(
        self, scripted_emulator: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.emulator = scripted_emulator
        monkeypatch.setattr(standard_suite, "httpx", _SampleMedia())
        monkeypatch.setenv("LANGCHAIN_TESTS_USER_AGENT", "langchain-cometgemini-tests")

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": "gemini-3-flash-preview",
            "base_url": self.emulator.base_url,
            "api_key": self.emulator.api_key,
            # the suite's image URL points to the internet: send it as fileData
            "media_fetch": "pass_through",
        }
