"""LangChain media content blocks -> Gemini ``inlineData`` / ``fileData`` parts.

Input flow::

    media_part(block)
      -> _normalize(block)     any accepted block shape -> (kind, source fields)
           LangChain v1   {"type": "image"|"audio"|"video"|"file", base64|url|file_id}
           LangChain v0   {"type": ..., "source_type": "base64"|"url"|"id", ...}
           OpenAI         {"type": "image_url", "image_url": {"url": ...}},
                          {"type": "input_audio", "input_audio": {...}}
           google-genai   {"type": "media", "mime_type", "data"|"file_uri"}
      -> inlineData (base64, data URIs) or fileData (URLs, gs://, Files API ids)
      MIME type: given, else from the data URI, the URL's extension or the
      bytes' signature.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from typing import Any

Part = dict[str, Any]

_DATA_URI = re.compile(
    r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[^,]*)?;base64,(?P<data>.*)", re.S
)

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF8", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF", 0, "application/pdf"),
    (b"WAVE", 8, "audio/wav"),
    (b"ID3", 0, "audio/mp3"),
    (b"\xff\xfb", 0, "audio/mp3"),
    (b"OggS", 0, "audio/ogg"),
    (b"fLaC", 0, "audio/flac"),
    (b"ftyp", 4, "video/mp4"),
    (b"\x1aE\xdf\xa3", 0, "video/webm"),
)

_DEFAULT_MIME = {
    "image": "image/png",
    "audio": "audio/wav",
    "video": "video/mp4",
    "file": "application/pdf",
}


def sniff_mime(data: bytes) -> str | None:
    """Guess a MIME type from the first bytes of a file."""
    for magic, offset, mime in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return mime
    return None


def _mime_from_base64(data: str) -> str | None:
    try:
        head = base64.b64decode(data[:64] + "=" * (-len(data[:64]) % 4))
    except (binascii.Error, ValueError):
        return None
    return sniff_mime(head)


def _mime_from_url(url: str) -> str | None:
    path = url.split("?", 1)[0].split("#", 1)[0]
    return mimetypes.guess_type(path)[0]


def inline_part(data: str, mime: str | None, kind: str) -> Part:
    """A base64 payload (or a data URI) -> ``inlineData``."""
    match = _DATA_URI.match(data)
    if match:
        mime = mime or match.group("mime")
        data = match.group("data")
    mime = mime or _mime_from_base64(data) or _DEFAULT_MIME.get(kind)
    return {"inlineData": {"mimeType": mime, "data": data}}


def file_part(uri: str, mime: str | None, kind: str) -> Part:
    """A URL, ``gs://`` URI or Files-API name -> ``fileData``."""
    mime = mime or _mime_from_url(uri) or _DEFAULT_MIME.get(kind)
    if uri.startswith("data:"):
        return inline_part(uri, mime, kind)
    file_data: dict[str, Any] = {"fileUri": uri}
    if mime and not _is_youtube(uri):
        file_data["mimeType"] = mime
    return {"fileData": file_data}


def _is_youtube(uri: str) -> bool:
    return bool(re.match(r"https?://(www\.)?(youtube\.com|youtu\.be)/", uri))


def _kind(block_type: str, mime: str | None) -> str:
    if block_type in ("image", "audio", "video", "file"):
        return block_type
    if block_type == "image_url":
        return "image"
    if block_type == "input_audio":
        return "audio"
    head = (mime or "").split("/", 1)[0]
    return head if head in ("image", "audio", "video") else "file"


def media_part(block: dict[str, Any]) -> Part:
    """Convert one media content block to a Gemini part.

    Raises:
        ValueError: the block carries neither data, a URL nor a file id.
    """
    block_type = str(block.get("type"))
    mime = block.get("mime_type") or block.get("mimeType")
    kind = _kind(block_type, mime)
    if block_type == "image_url":
        image_url = block.get("image_url")
        url = image_url.get("url") if isinstance(image_url, dict) else image_url
        return file_part(str(url or ""), mime, kind) if url else _missing(block)
    if block_type == "input_audio":
        audio = block.get("input_audio") or {}
        fmt = audio.get("format", "wav")
        return inline_part(str(audio.get("data", "")), f"audio/{fmt}", kind)
    return _source_part(block, mime, kind)


def _source_part(block: dict[str, Any], mime: str | None, kind: str) -> Part:
    source = block.get("source_type")
    data = block.get("base64") or (block.get("data") if source != "url" else None)
    if isinstance(data, (bytes, bytearray)):
        data = base64.b64encode(bytes(data)).decode("ascii")
    if data:
        return inline_part(str(data), mime, kind)
    url = (
        block.get("url")
        or block.get("file_uri")
        or (block.get("data") if source == "url" else None)
    )
    file_id = block.get("file_id") or (block.get("id") if source == "id" else None)
    if url or file_id:
        return file_part(str(url or file_id), mime, kind)
    return _missing(block)


def _missing(block: dict[str, Any]) -> Part:
    msg = (
        f"Content block of type {block.get('type')!r} has no data: give 'base64', "
        "'url' or 'file_id'."
    )
    raise ValueError(msg)
