"""Image/audio output, speech/image config, logprobs and caching via the emulator."""

from __future__ import annotations

import base64
import warnings
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage

from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.conftest import CAPTURES
from tests.support import content_dicts, make_model

IMAGE_MODEL = "gemini-3-pro-image-preview"
PCM_MIME = "audio/L16;codec=pcm;rate=24000"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(20)).decode()


def candidate_event(parts: list[dict[str, Any]], finish: str | None = None) -> Any:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
    candidate["index"] = 0
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate]}


def test_image_output_and_config_on_the_wire(gemini_emulator: GeminiEmulator) -> None:
    capture = CAPTURES / "stream_image_gemini-3-pro-image-preview_SANITIZED.sse"
    gemini_emulator.enqueue(Reply.from_capture(capture))
    llm = make_model(
        gemini_emulator,
        model=IMAGE_MODEL,
        response_modalities=["TEXT", "IMAGE"],
        image_config={"aspect_ratio": "16:9", "image_size": "2K"},
    )
    chunks = list(llm.stream("Draw a cat"))
    config = gemini_emulator.last_request.generation_config
    assert config["responseModalities"] == ["TEXT", "IMAGE"]
    assert config["imageConfig"] == {"aspectRatio": "16:9", "imageSize": "2K"}
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    # default output: an image_url data URI, which .content_blocks shows as image
    assert content_dicts(total)[0]["type"] == "image_url"
    [image] = [b for b in total.content_blocks if b["type"] == "image"]
    assert (image["base64"], image["mime_type"]) == ("AA==", "image/jpeg")
    details = total.response_metadata["usage_details"]
    assert details["candidates_tokens_details"] == [
        {"modality": "IMAGE", "token_count": 1120}
    ]


def test_generated_image_is_sent_back_for_editing(
    gemini_emulator: GeminiEmulator,
) -> None:
    parts: list[dict[str, Any]] = [
        {"text": "Here is your cat."},
        {
            "inlineData": {"mimeType": "image/png", "data": PNG},
            "thoughtSignature": "aW1nLXNpZw==",
        },
    ]
    gemini_emulator.enqueue(Reply(body=candidate_event(parts, "STOP")))
    llm = make_model(
        gemini_emulator, model=IMAGE_MODEL, response_modalities=["TEXT", "IMAGE"]
    )
    first = llm.invoke("Draw a cat")
    assert isinstance(first.content, list)
    assert first.content[0] == "Here is your cat."  # the text before the image
    image = first.content[1]
    assert isinstance(image, dict)
    assert image["image_url"]["url"] == f"data:image/png;base64,{PNG}"
    shown = first.content_blocks[1]
    assert shown["type"] == "image" and shown["base64"] == PNG
    # multi-turn editing: the history carries the image (and its signature) back
    llm.invoke([HumanMessage("Draw a cat"), first, HumanMessage("Make it blue")])
    assert gemini_emulator.last_request.contents[1] == {"role": "model", "parts": parts}
    # the image block can also be given as input in a new conversation
    llm.invoke([HumanMessage([{"type": "text", "text": "Edit:"}, image])])
    sent = gemini_emulator.last_request.contents[0]["parts"][1]
    assert sent["inlineData"] == {"mimeType": "image/png", "data": PNG}


def test_streamed_audio_merges_and_keeps_the_sample_rate(
    gemini_emulator: GeminiEmulator,
) -> None:
    pieces = [bytes([i] * 5) for i in range(3)]  # odd sizes: padded base64
    events = [
        candidate_event(
            [
                {
                    "inlineData": {
                        "mimeType": PCM_MIME,
                        "data": base64.b64encode(p).decode(),
                    }
                }
            ]
        )
        for p in pieces
    ]
    events[-1]["candidates"][0]["finishReason"] = "STOP"
    gemini_emulator.enqueue(Reply(chunks=events))
    llm = make_model(
        gemini_emulator,
        model="gemini-2.5-flash-preview-tts",
        response_modalities=["AUDIO"],
        speech_config={
            "voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}
        },
    )
    chunks = list(llm.stream("Say hi"))
    assert gemini_emulator.last_request.generation_config["speechConfig"] == {
        "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}
    }
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    blocks = content_dicts(total)
    assert [b["type"] for b in blocks] == ["audio"] * 3
    assert b"".join(base64.b64decode(b["base64"]) for b in blocks) == b"".join(pieces)
    assert {b["extras"]["sample_rate"] for b in blocks} == {24000}
    assert {b["mime_type"] for b in blocks} == {PCM_MIME}


def test_logprobs_request_and_response(gemini_emulator: GeminiEmulator) -> None:
    event = candidate_event([{"text": "Yes"}], "STOP")
    event["candidates"][0]["avgLogprobs"] = -0.0123
    event["candidates"][0]["logprobsResult"] = {
        "topCandidates": [
            {
                "candidates": [
                    {"token": "Yes", "tokenId": 7, "logProbability": -0.0123},
                    {"token": "No", "tokenId": 9, "logProbability": -4.5},
                ]
            }
        ],
        "chosenCandidates": [{"token": "Yes", "tokenId": 7, "logProbability": -0.0123}],
        "logProbabilitySum": -0.0123,
    }
    gemini_emulator.enqueue(Reply(body=event))
    message = make_model(gemini_emulator).invoke(
        "Yes or no?", response_logprobs=True, logprobs=2
    )
    config = gemini_emulator.last_request.generation_config
    assert (config["responseLogprobs"], config["logprobs"]) == (True, 2)
    meta = message.response_metadata
    assert meta["avg_logprobs"] == -0.0123
    top = meta["logprobs_result"]["top_candidates"][0]["candidates"]
    assert [(c["token"], c["log_probability"]) for c in top] == [
        ("Yes", -0.0123),
        ("No", -4.5),
    ]


def test_cached_content_leaves_cached_parts_out(
    gemini_emulator: GeminiEmulator,
) -> None:
    def lookup(city: str) -> str:
        """Look a city up."""
        return city

    llm = make_model(gemini_emulator, cached_content="cachedContents/emu-cache-1")
    bound = llm.bind_tools([lookup], tool_choice="any")
    with pytest.warns(UserWarning, match="systemInstruction, tools, toolConfig"):
        bound.invoke([SystemMessage("Use the cache."), HumanMessage("Paris?")])
    body = gemini_emulator.last_request.body
    assert body["cachedContent"] == "cachedContents/emu-cache-1"
    assert not {"systemInstruction", "tools", "toolConfig"} & set(body)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # said once, not per call
        bound.invoke([SystemMessage("Use the cache."), HumanMessage("Lyon?")])
    assert gemini_emulator.last_request.text == "Lyon?"
