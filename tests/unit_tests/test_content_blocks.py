"""``.content_blocks``: every media kind standard, nobody else's messages touched.

The package's messages carry its own ``model_provider`` and its translator is
registered under that name only: langchain-core's ``google_genai`` translator
(langchain-google-genai's messages) stays exactly as langchain-core made it.
Generated audio (TTS PCM), video, images and files are standard blocks in
``.content_blocks``, default (v0) and v1 output, invoke and merged stream.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, block_translators
from langchain_core.messages.block_translators import google_genai

import langchain_cometgemini  # noqa: F401  (the import under test)
from langchain_cometgemini._wire.chunks import message_from_chunk
from langchain_cometgemini._wire.response import (
    StreamState,
    result_from_response,
)

PCM = "audio/L16;codec=pcm;rate=24000"
MEDIA = {
    "audio": {"inlineData": {"mimeType": PCM, "data": "AAABAAIA"}},
    "video": {"inlineData": {"mimeType": "video/mp4", "data": "AAAAIGZ0eXA="}},
    "image": {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
    "file": {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://b/a.pdf"}},
    "document": {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
}


def test_langchain_cores_gemini_translator_is_untouched_by_the_import() -> None:
    translator = block_translators.get_translator("google_genai")
    assert translator is not None
    assert translator["translate_content"] is google_genai.translate_content
    assert translator["translate_content_chunk"] is (
        google_genai.translate_content_chunk
    )


def test_a_google_genai_message_is_translated_by_langchain_core() -> None:
    audio = {"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"}
    message = AIMessage(
        content=[audio], response_metadata={"model_provider": "google_genai"}
    )
    assert message.content_blocks == google_genai.translate_content(message)


def _body(part: dict[str, Any]) -> dict[str, Any]:
    content = {"role": "model", "parts": [{"text": "Here: "}, part]}
    return {"candidates": [{"content": content, "finishReason": "STOP"}]}


def _invoked(body: dict[str, Any], version: str | None) -> AIMessage:
    result = result_from_response(copy.deepcopy(body), output_version=version)
    message = result.generations[0].message
    assert isinstance(message, AIMessage)
    return message


def _streamed(body: dict[str, Any], version: str | None) -> AIMessageChunk:
    state = StreamState(output_version=version)
    head = copy.deepcopy(body)
    head["candidates"][0]["content"]["parts"] = head["candidates"][0]["content"][
        "parts"
    ][:1]
    del head["candidates"][0]["finishReason"]
    chunks = [c.message for e in (head, body) for c in state.read(copy.deepcopy(e))]
    chunks += [c.message for c in state.end()]
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    return total


@pytest.mark.parametrize("version", [None, "v1"])
@pytest.mark.parametrize("kind", sorted(MEDIA))
def test_every_media_kind_is_a_standard_block(kind: str, version: str | None) -> None:
    body = _body(MEDIA[kind])
    invoked = _invoked(body, version)
    streamed = _streamed(body, version)
    assert invoked.response_metadata["model_provider"] == "cometgemini"
    for message in (invoked, streamed, message_from_chunk(streamed)):
        blocks = message.content_blocks
        types = [b["type"] for b in blocks]
        assert "non_standard" not in types
        media = [b for b in blocks if b["type"] not in ("text",)]
        assert len(media) == 1
        expected = "file" if kind == "document" else kind
        assert media[0]["type"] == expected
        assert (
            media[0].get("mime_type")
            == (MEDIA[kind].get("inlineData") or MEDIA[kind]["fileData"])["mimeType"]
        )


@pytest.mark.parametrize("version", [None, "v1"])
def test_generated_speech_keeps_its_pcm_data_and_rate(version: str | None) -> None:
    (block,) = [
        b
        for b in _invoked(_body(MEDIA["audio"]), version).content_blocks
        if b["type"] == "audio"
    ]
    assert block["base64"] == "AAABAAIA"
    assert block["extras"]["sample_rate"] == 24000


def test_content_blocks_are_copies_of_the_content() -> None:
    message = _invoked(_body(MEDIA["audio"]), None)
    (block,) = [b for b in message.content_blocks if b["type"] == "audio"]
    block["mime_type"] = "changed"
    assert isinstance(message.content, list)
    assert PCM in str(message.content)
