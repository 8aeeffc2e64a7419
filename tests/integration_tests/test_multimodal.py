"""Multimodal input through the emulator: what reaches the wire for each block.

Media URLs are served by the emulator itself (``serve_file``) on 127.0.0.1, so
downloading them needs ``allow_private_media_urls=True``; without it the URL is
refused before anything is sent.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_cometgemini.testing import GeminiEmulator
from tests.support import content_dicts, make_model

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(60))
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF"
WAV = b"RIFF$\x00\x00\x00WAVEfmt " + bytes(28)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def ask(*blocks: dict[str, Any]) -> list[HumanMessage]:
    return [HumanMessage([{"type": "text", "text": "Describe."}, *blocks])]


def media_parts(emu: GeminiEmulator) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = emu.last_request.contents[-1]["parts"]
    return [p for p in parts if "text" not in p]


def api_requests(emu: GeminiEmulator) -> list[Any]:
    return [r for r in emu.requests if r.action]


def test_inline_image_pdf_and_audio(gemini_emulator: GeminiEmulator) -> None:
    # langchain-core's tracing requires mime_type on base64 standard blocks, so
    # MIME inference from bytes only matters below that layer (unit-tested).
    make_model(gemini_emulator).invoke(
        ask(
            {"type": "image", "base64": b64(PNG), "mime_type": "image/png"},
            {"type": "file", "base64": b64(PDF), "mime_type": "application/pdf"},
            {"type": "audio", "base64": b64(WAV), "mime_type": "audio/wav"},
            {
                "type": "image_url",
                "image_url": {"url": f"data:image/png;base64,{b64(PNG)}"},
            },
        )
    )
    assert media_parts(gemini_emulator) == [
        {"inlineData": {"mimeType": "image/png", "data": b64(PNG)}},
        {"inlineData": {"mimeType": "application/pdf", "data": b64(PDF)}},
        {"inlineData": {"mimeType": "audio/wav", "data": b64(WAV)}},
        {"inlineData": {"mimeType": "image/png", "data": b64(PNG)}},
    ]


def test_url_is_downloaded_without_the_api_key(gemini_emulator: GeminiEmulator) -> None:
    url = gemini_emulator.serve_file("/media/cat", PNG, "image/png")
    llm = make_model(gemini_emulator, allow_private_media_urls=True)
    llm.invoke(ask({"type": "image", "url": url}))
    assert media_parts(gemini_emulator) == [
        {"inlineData": {"mimeType": "image/png", "data": b64(PNG)}}
    ]
    (download,) = [r for r in gemini_emulator.requests if r.path == "/media/cat"]
    assert download.method == "GET"
    assert "x-goog-api-key" not in download.headers
    assert "authorization" not in download.headers


async def test_pdf_url_download_in_the_async_path(
    gemini_emulator: GeminiEmulator,
) -> None:
    url = gemini_emulator.serve_file("/docs/report", PDF, "application/pdf")
    llm = make_model(
        gemini_emulator, allow_private_media_urls=True, use_bearer_auth=True
    )
    chunks = [c async for c in llm.astream(ask({"type": "file", "url": url}))]
    assert chunks and gemini_emulator.last_request.stream
    assert media_parts(gemini_emulator) == [
        {"inlineData": {"mimeType": "application/pdf", "data": b64(PDF)}}
    ]
    (download,) = [r for r in gemini_emulator.requests if r.path == "/docs/report"]
    assert "authorization" not in download.headers


def test_private_url_is_refused_before_anything_is_sent(
    gemini_emulator: GeminiEmulator,
) -> None:
    url = gemini_emulator.serve_file("/media/cat.png", PNG, "image/png")
    with pytest.raises(ValueError, match="allow_private_media_urls"):
        make_model(gemini_emulator).invoke(ask({"type": "image", "url": url}))
    with pytest.raises(ValueError, match="allow_private_media_urls"):
        list(make_model(gemini_emulator).stream(ask({"type": "image", "url": url})))
    assert gemini_emulator.requests == []


def test_oversized_and_missing_media_fail_before_generate(
    gemini_emulator: GeminiEmulator,
) -> None:
    big = gemini_emulator.serve_file("/big.png", PNG * 10, "image/png")
    llm = make_model(
        gemini_emulator, allow_private_media_urls=True, media_max_bytes=100
    )
    with pytest.raises(ValueError, match="larger than media_max_bytes"):
        llm.invoke(ask({"type": "image", "url": big}))
    with pytest.raises(ValueError, match="HTTP 404"):
        llm.invoke(
            ask({"type": "image", "url": f"{gemini_emulator.base_url}/nope.png"})
        )
    assert api_requests(gemini_emulator) == []


def test_pass_through_sends_file_data(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator, media_fetch="pass_through")
    llm.invoke(
        ask(
            {"type": "image", "url": "https://example.com/a/cat.jpg"},
            {"type": "video", "url": "https://www.youtube.com/watch?v=9hE5-98ZeCg"},
            {"type": "file", "url": "gs://bucket/report.pdf"},
            {"type": "file", "file_id": "files/abc123", "mime_type": "application/pdf"},
        )
    )
    assert media_parts(gemini_emulator) == [
        {
            "fileData": {
                "fileUri": "https://example.com/a/cat.jpg",
                "mimeType": "image/jpeg",
            }
        },
        {"fileData": {"fileUri": "https://www.youtube.com/watch?v=9hE5-98ZeCg"}},
        {
            "fileData": {
                "fileUri": "gs://bucket/report.pdf",
                "mimeType": "application/pdf",
            }
        },
        {
            "fileData": {
                "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc123",
                "mimeType": "application/pdf",
            }
        },
    ]
    assert len(gemini_emulator.requests) == 1  # nothing was downloaded


def test_youtube_and_gs_pass_through_even_in_download_mode(
    gemini_emulator: GeminiEmulator,
) -> None:
    make_model(gemini_emulator).invoke(
        ask(
            {
                "type": "video",
                "url": "https://youtu.be/9hE5-98ZeCg",
                "video_metadata": {"start_offset": "10s", "end_offset": 30, "fps": 0.5},
                "media_resolution": "low",
            },
            {"type": "image", "url": "gs://bucket/a.png"},
        )
    )
    assert media_parts(gemini_emulator) == [
        {
            "fileData": {"fileUri": "https://youtu.be/9hE5-98ZeCg"},
            "videoMetadata": {"startOffset": "10s", "endOffset": "30s", "fps": 0.5},
            "mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"},
        },
        {"fileData": {"fileUri": "gs://bucket/a.png", "mimeType": "image/png"}},
    ]


def test_media_resolution_global_and_per_block(gemini_emulator: GeminiEmulator) -> None:
    url = gemini_emulator.serve_file("/hi-res", PNG, "image/png")
    llm = make_model(
        gemini_emulator,
        model="gemini-3-flash-preview",
        media_resolution="medium",
        allow_private_media_urls=True,
    )
    llm.invoke(
        ask(
            {"type": "image", "url": url, "media_resolution": "high"},
            {"type": "image", "base64": b64(PNG), "mime_type": "image/png"},
        )
    )
    request = gemini_emulator.last_request
    assert request.config("mediaResolution", "media_resolution") == (
        "MEDIA_RESOLUTION_MEDIUM"
    )
    assert media_parts(gemini_emulator) == [
        {
            "inlineData": {"mimeType": "image/png", "data": b64(PNG)},
            "mediaResolution": {"level": "MEDIA_RESOLUTION_HIGH"},
        },
        {"inlineData": {"mimeType": "image/png", "data": b64(PNG)}},
    ]
    llm.invoke("text only", media_resolution="low")
    assert gemini_emulator.last_request.config("mediaResolution", "x") == (
        "MEDIA_RESOLUTION_LOW"
    )


def test_bad_media_block_fails_before_sending(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator)
    with pytest.raises(ValueError, match="has no data"):
        llm.invoke(ask({"type": "image"}))
    with pytest.raises(ValueError, match="media_resolution must be one of"):
        block = {"type": "image", "base64": b64(PNG), "mime_type": "image/png"}
        llm.invoke(ask({**block, "media_resolution": "8k"}))
    assert gemini_emulator.requests == []


def test_host_names_are_resolved_before_the_check(
    gemini_emulator: GeminiEmulator,
) -> None:
    url = gemini_emulator.serve_file("/named.png", PNG, "image/png")
    named = url.replace("127.0.0.1", "localhost")
    with pytest.raises(ValueError, match="'localhost': it resolves to a non-public"):
        make_model(gemini_emulator).invoke(ask({"type": "image", "url": named}))
    assert gemini_emulator.requests == []
    make_model(gemini_emulator, allow_private_media_urls=True).invoke(
        ask({"type": "image", "url": named})
    )
    assert media_parts(gemini_emulator)[0]["inlineData"]["data"] == b64(PNG)


# -- v1 base64 media without a MIME type ---------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "mime"),
    [
        ("image", base64.b64encode(PNG).decode(), "image/png"),
        ("audio", "UklGRiQAAABXQVZFZm10IBAAAAABAAEA", "audio/wav"),
        ("file", "JVBERi0xLjQK", "application/pdf"),
        ("image", "AAAAAAAAAAAA", "image/png"),  # unknown bytes: the kind's default
    ],
)
def test_base64_media_without_mime_type_is_inferred_before_tracing(
    gemini_emulator: GeminiEmulator, kind: str, data: str, mime: str
) -> None:
    llm = make_model(gemini_emulator)
    message = HumanMessage(
        [{"type": "text", "text": "what?"}, {"type": kind, "base64": data}]
    )
    llm.invoke([message])
    list(llm.stream([message]))
    part = gemini_emulator.last_request.body["contents"][0]["parts"][1]
    assert part == {"inlineData": {"mimeType": mime, "data": data}}
    assert "mime_type" not in content_dicts(message)[1]  # caller's message untouched
