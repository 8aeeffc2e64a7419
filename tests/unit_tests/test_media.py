"""_media: every accepted media block shape -> inlineData / fileData."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from langchain_cometgemini._wire.media import (
    FILES_API_ROOT,
    media_part,
    resolution_level,
    sniff_mime,
    video_metadata,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
PDF = b"%PDF-1.7\n" + b"\x00" * 24
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 16
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("block", "part"),
    [
        # LangChain v1 standard blocks
        (
            {"type": "image", "base64": b64(PNG)},
            {"inlineData": {"mimeType": "image/png", "data": b64(PNG)}},
        ),
        (
            {"type": "image", "base64": b64(JPEG), "mime_type": "image/jpeg"},
            {"inlineData": {"mimeType": "image/jpeg", "data": b64(JPEG)}},
        ),
        (
            {"type": "file", "base64": b64(PDF)},
            {"inlineData": {"mimeType": "application/pdf", "data": b64(PDF)}},
        ),
        (
            {"type": "audio", "base64": b64(WAV)},
            {"inlineData": {"mimeType": "audio/wav", "data": b64(WAV)}},
        ),
        (
            {"type": "video", "base64": b64(MP4)},
            {"inlineData": {"mimeType": "video/mp4", "data": b64(MP4)}},
        ),
        (
            {"type": "image", "url": "https://example.com/cat.jpg"},
            {
                "fileData": {
                    "fileUri": "https://example.com/cat.jpg",
                    "mimeType": "image/jpeg",
                }
            },
        ),
        (
            {"type": "file", "url": "gs://bucket/report.pdf"},
            {
                "fileData": {
                    "fileUri": "gs://bucket/report.pdf",
                    "mimeType": "application/pdf",
                }
            },
        ),
        (
            {"type": "video", "url": "https://www.youtube.com/watch?v=9hE5-98ZeCg"},
            {"fileData": {"fileUri": "https://www.youtube.com/watch?v=9hE5-98ZeCg"}},
        ),
        (
            {"type": "file", "file_id": "files/abc123"},
            {"fileData": {"fileUri": FILES_API_ROOT + "files/abc123"}},
        ),
        (
            {"type": "image", "file_id": "files/x", "mime_type": "image/webp"},
            {
                "fileData": {
                    "fileUri": FILES_API_ROOT + "files/x",
                    "mimeType": "image/webp",
                }
            },
        ),
        # data URIs anywhere a URL goes
        (
            {"type": "image", "url": f"data:image/gif;base64,{b64(b'GIF89a')}"},
            {"inlineData": {"mimeType": "image/gif", "data": b64(b"GIF89a")}},
        ),
        # raw bytes
        (
            {"type": "image", "base64": PNG},
            {"inlineData": {"mimeType": "image/png", "data": b64(PNG)}},
        ),
        # LangChain v0
        (
            {"type": "image", "source_type": "base64", "data": b64(JPEG)},
            {"inlineData": {"mimeType": "image/jpeg", "data": b64(JPEG)}},
        ),
        (
            {"type": "file", "source_type": "url", "url": "https://x.org/a.pdf"},
            {
                "fileData": {
                    "fileUri": "https://x.org/a.pdf",
                    "mimeType": "application/pdf",
                }
            },
        ),
        (
            {"type": "file", "source_type": "id", "id": "files/q"},
            {"fileData": {"fileUri": FILES_API_ROOT + "files/q"}},
        ),
        # OpenAI shapes
        (
            {
                "type": "image_url",
                "image_url": {"url": f"data:image/png;base64,{b64(PNG)}"},
            },
            {"inlineData": {"mimeType": "image/png", "data": b64(PNG)}},
        ),
        (
            {"type": "image_url", "image_url": "https://x.org/p.png"},
            {"fileData": {"fileUri": "https://x.org/p.png", "mimeType": "image/png"}},
        ),
        (
            {"type": "input_audio", "input_audio": {"data": b64(WAV), "format": "mp3"}},
            {"inlineData": {"mimeType": "audio/mp3", "data": b64(WAV)}},
        ),
        (
            {
                "type": "file",
                "file": {
                    "filename": "r.pdf",
                    "file_data": f"data:application/pdf;base64,{b64(PDF)}",
                },
            },
            {"inlineData": {"mimeType": "application/pdf", "data": b64(PDF)}},
        ),
        # Anthropic shapes
        (
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": "AA=="},
            },
            {"inlineData": {"mimeType": "image/png", "data": "AA=="}},
        ),
        (
            {
                "type": "document",
                "source": {"type": "url", "url": "https://x.org/d.pdf"},
            },
            {
                "fileData": {
                    "fileUri": "https://x.org/d.pdf",
                    "mimeType": "application/pdf",
                }
            },
        ),
        # google-genai style
        (
            {"type": "media", "mime_type": "audio/ogg", "data": b64(b"OggS")},
            {"inlineData": {"mimeType": "audio/ogg", "data": b64(b"OggS")}},
        ),
        (
            {"type": "media", "mime_type": "video/mp4", "file_uri": "gs://b/v.mp4"},
            {"fileData": {"fileUri": "gs://b/v.mp4", "mimeType": "video/mp4"}},
        ),
    ],
)
def test_media_block_shapes(block: dict[str, Any], part: dict[str, Any]) -> None:
    assert media_part(block) == part


@pytest.mark.parametrize(
    ("block", "options"),
    [
        (
            {"type": "image", "base64": b64(PNG), "media_resolution": "high"},
            {"mediaResolution": {"level": "MEDIA_RESOLUTION_HIGH"}},
        ),
        (
            {
                "type": "image",
                "base64": b64(PNG),
                "extras": {"media_resolution": "MEDIA_RESOLUTION_LOW"},
            },
            {"mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"}},
        ),
        (
            {
                "type": "image_url",
                "image_url": {"url": "gs://b/i.png", "detail": "low"},
            },
            {"mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"}},
        ),
        (
            {
                "type": "image_url",
                "image_url": {"url": "gs://b/i.png", "detail": "auto"},
            },
            {},
        ),
        (
            {
                "type": "video",
                "url": "https://youtu.be/abc",
                "video_metadata": {"start_offset": 10, "end_offset": "20.5s", "fps": 2},
            },
            {"videoMetadata": {"startOffset": "10s", "endOffset": "20.5s", "fps": 2}},
        ),
    ],
)
def test_per_block_options(block: dict[str, Any], options: dict[str, Any]) -> None:
    part = media_part(block)
    assert {k: v for k, v in part.items() if k not in ("inlineData", "fileData")} == (
        options
    )


def test_bad_options_and_missing_data_are_value_errors() -> None:
    with pytest.raises(ValueError, match="media_resolution must be one of"):
        media_part({"type": "image", "base64": "aaaa", "media_resolution": "huge"})
    with pytest.raises(ValueError, match="Unknown video_metadata key 'speed'"):
        media_part({"type": "video", "url": "gs://v", "video_metadata": {"speed": 2}})
    with pytest.raises(ValueError, match="video_metadata must be a dict"):
        video_metadata("10s")
    with pytest.raises(ValueError, match="has no data"):
        media_part({"type": "image"})
    with pytest.raises(ValueError, match="has no data"):
        media_part({"type": "image_url", "image_url": {}})


def test_resolution_level_accepts_enum_like_values() -> None:
    class Level:
        value = "ultra_high"

    assert resolution_level(Level()) == "MEDIA_RESOLUTION_ULTRA_HIGH"


@pytest.mark.parametrize(
    ("data", "mime"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (PDF, "application/pdf"),
     (WAV, "audio/wav"), (MP4, "video/mp4"), (b"plain text", None)],
)  # fmt: skip
def test_sniff_mime(data: bytes, mime: str | None) -> None:
    assert sniff_mime(data) == mime


@pytest.mark.parametrize("fps", ["x", 0, -1, 25, True, float("nan")])
def test_a_frame_rate_outside_gemini_range_is_refused(fps: Any) -> None:
    """Discovery: "The fps range is (0.0, 24.0]"; ``fps="x"`` was sent (400)."""
    with pytest.raises(ValueError, match="fps"):
        video_metadata({"fps": fps})
    assert video_metadata({"fps": 24}) == {"fps": 24}


@pytest.mark.parametrize("offset", ["soon", [1], "1m", float("inf")])
def test_an_offset_that_is_no_duration_is_refused(offset: Any) -> None:
    """``startOffset`` is a google-duration (``"1.5s"``)."""
    with pytest.raises(ValueError, match="start_offset"):
        video_metadata({"start_offset": offset})


@pytest.mark.parametrize("mime", [5, "not a mime", "image/", "/png"])
def test_a_mime_type_that_is_no_mime_type_is_refused(mime: Any) -> None:
    """``mime_type=5`` was sent (400: "Invalid value at ...inline_data.mime_type")."""
    block = {"type": "image", "base64": "iVBORw0K", "mime_type": mime}
    with pytest.raises(ValueError, match="MIME type"):
        media_part(block)
    source = {"type": "base64", "media_type": mime, "data": "iVBORw0K"}
    with pytest.raises(ValueError, match="MIME type"):
        media_part({"type": "image", "source": source})
