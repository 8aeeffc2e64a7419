"""LangChain media content blocks -> Gemini ``inlineData`` / ``fileData`` parts.

Input flow::

    media_part(block)
      -> _SHAPES[block type]   any accepted block shape -> inlineData / fileData
           LangChain v1   {"type": "image"|"audio"|"video"|"file", base64|url|file_id}
           LangChain v0   {"type": ..., "source_type": "base64"|"url"|"id", ...}
           OpenAI         {"type": "image_url", "image_url": {"url", "detail"}},
                          {"type": "input_audio", "input_audio": {"data", "format"}},
                          {"type": "file", "file": {"file_data"|"file_id", ...}}
           google-genai   {"type": "media", "mime_type", "data"|"file_uri"}
           Anthropic      {"type": "image"|"document", "source": {"type":
                          "base64"|"url"|"file", "media_type", ...}}
      -> inlineData (base64, bytes, data URIs) or fileData (http(s) URLs, gs://,
         YouTube, Files-API names; http(s) URLs may later be downloaded by
         ``_fetch``)
      -> per-block options: ``media_resolution`` ("low"/"medium"/"high", or the
         OpenAI ``detail``) -> ``mediaResolution: {"level": ...}``;
         ``video_metadata`` {start_offset, end_offset, fps} -> ``videoMetadata``
         (both also read from the block's ``extras``)
      MIME type: given, else from the data URI, the URL's extension or the
      bytes' signature, else a default for the block kind.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

Part = dict[str, Any]

FILES_API_ROOT = "https://generativelanguage.googleapis.com/v1beta/"
"""Files-API names (``files/abc``) are sent as URIs under this root."""

_DATA_URI = re.compile(
    r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[^,]*)?;base64,(?P<data>.*)", re.S
)
_YOUTUBE = re.compile(r"https?://(www\.|m\.)?(youtube\.com|youtu\.be)/", re.I)

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF8", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF", 0, "application/pdf"),
    (b"WAVE", 8, "audio/wav"),
    (b"ID3", 0, "audio/mp3"),
    (b"\xff\xfb", 0, "audio/mp3"),
    (b"\xff\xf3", 0, "audio/mp3"),
    (b"OggS", 0, "audio/ogg"),
    (b"fLaC", 0, "audio/flac"),
    (b"ftypqt", 4, "video/quicktime"),
    (b"ftyp", 4, "video/mp4"),
    (b"\x1aE\xdf\xa3", 0, "video/webm"),
)

_DEFAULT_MIME = {
    "image": "image/png",
    "audio": "audio/wav",
    "video": "video/mp4",
    "file": "application/pdf",
}

RESOLUTION_LEVELS = ("low", "medium", "high", "ultra_high")
_DETAIL_LEVELS = {"low": "low", "high": "high", "auto": None}


def sniff_mime(data: bytes) -> str | None:
    """Guess a MIME type from the first bytes of a file."""
    for magic, offset, mime in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return mime
    return None


def _mime_from_base64(data: str) -> str | None:
    head = data[:64]
    try:
        raw = base64.b64decode(head + "=" * (-len(head) % 4))
    except (binascii.Error, ValueError):
        return None
    return sniff_mime(raw)


def mime_from_url(url: str) -> str | None:
    """MIME type implied by a URL's file extension, if any."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    return mimetypes.guess_type(path)[0]


def is_youtube(uri: str) -> bool:
    """True for YouTube video URLs (Gemini fetches those itself)."""
    return bool(_YOUTUBE.match(uri))


def inline_part(data: str | bytes, mime: str | None, kind: str) -> Part:
    """A base64 payload, raw bytes or a data URI -> ``inlineData``."""
    if isinstance(data, (bytes, bytearray)):
        mime = mime or sniff_mime(bytes(data[:64]))
        data = base64.b64encode(bytes(data)).decode("ascii")
    match = _DATA_URI.match(data)
    if match:
        mime = mime or match.group("mime")
        data = match.group("data")
    data = _checked_base64(data)
    mime = mime or _mime_from_base64(data) or _DEFAULT_MIME.get(kind)
    return {"inlineData": {"mimeType": mime, "data": data}}


def _checked_base64(data: str) -> str:
    """Standard base64 for the wire; line breaks and URL-safe input are repaired.

    Raises:
        ValueError: the data is not base64 at all (Gemini would answer 400).
    """
    for candidate in (data, "".join(data.split()).replace("-", "+").replace("_", "/")):
        try:
            base64.b64decode(candidate, validate=True)
        except (binascii.Error, ValueError):
            continue
        return candidate
    msg = f"Media block data is not valid base64 (starts {data[:24]!r})."
    raise ValueError(msg)


def file_part(uri: str, mime: str | None, kind: str) -> Part:
    """A URL, ``gs://`` URI or Files-API name -> ``fileData``."""
    if uri.startswith("data:"):
        return inline_part(uri, mime, kind)
    if uri.startswith("files/"):
        uri = FILES_API_ROOT + uri
    file_data: dict[str, Any] = {"fileUri": uri}
    service_knows_type = uri.startswith(FILES_API_ROOT) or is_youtube(uri)
    if not service_knows_type:
        mime = mime or mime_from_url(uri) or _DEFAULT_MIME.get(kind)
    if mime:
        file_data["mimeType"] = mime
    return {"fileData": file_data}


def _kind(block_type: str, mime: str | None) -> str:
    if block_type in ("image", "audio", "video", "file"):
        return block_type
    if block_type == "document":
        return "file"
    if block_type == "image_url":
        return "image"
    if block_type == "input_audio":
        return "audio"
    head = (mime or "").split("/", 1)[0]
    return head if head in ("image", "audio", "video") else "file"


# -- block shapes ----


def _image_url(block: dict[str, Any], mime: str | None, kind: str) -> Part:
    image_url = block.get("image_url")
    url = image_url.get("url") if isinstance(image_url, dict) else image_url
    return file_part(str(url), mime, kind) if url else _missing(block)


def _input_audio(block: dict[str, Any], mime: str | None, kind: str) -> Part:
    audio = block.get("input_audio") or {}
    data = audio.get("data")
    if not data:
        return _missing(block)
    return inline_part(str(data), mime or f"audio/{audio.get('format', 'wav')}", kind)


def _openai_file(block: dict[str, Any], mime: str | None, kind: str) -> Part:
    file = block["file"]
    if file.get("file_data"):
        mime = mime or mime_from_url(str(file.get("filename") or ""))
        return inline_part(str(file["file_data"]), mime, kind)
    if file.get("file_id"):
        return file_part(str(file["file_id"]), mime, kind)
    return _missing(block)


def _anthropic_source(block: dict[str, Any], mime: str | None, kind: str) -> Part:
    source = block["source"]
    mime = mime or source.get("media_type")
    if source.get("type") == "base64" and source.get("data"):
        return inline_part(str(source["data"]), mime, kind)
    if source.get("type") == "url" and source.get("url"):
        return file_part(str(source["url"]), mime, kind)
    if source.get("type") == "file" and source.get("file_id"):
        return file_part(str(source["file_id"]), mime, kind)
    return _missing(block)


def _source_part(block: dict[str, Any], mime: str | None, kind: str) -> Part:
    if isinstance(block.get("file"), dict):
        return _openai_file(block, mime, kind)
    if isinstance(block.get("source"), dict):
        return _anthropic_source(block, mime, kind)
    source = block.get("source_type")
    data = block.get("base64") or (block.get("data") if source != "url" else None)
    if data:
        return inline_part(data, mime, kind)
    url = (
        block.get("url")
        or block.get("file_uri")
        or (block.get("data") if source == "url" else None)
    )
    file_id = block.get("file_id") or (block.get("id") if source == "id" else None)
    if url or file_id:
        return file_part(str(url or file_id), mime, kind)
    return _missing(block)


_SHAPES: dict[str, Callable[[dict[str, Any], str | None, str], Part]] = {
    "image_url": _image_url,
    "input_audio": _input_audio,
}


# -- per-block options ----


def _option(block: dict[str, Any], name: str) -> Any:
    extras = block.get("extras")
    value = block.get(name)
    if value is None and isinstance(extras, dict):
        value = extras.get(name)
    return value


def resolution_level(value: Any) -> str:
    """``"high"`` / ``MEDIA_RESOLUTION_HIGH`` -> ``MEDIA_RESOLUTION_HIGH``.

    Raises:
        ValueError: an unknown level.
    """
    text = str(getattr(value, "value", value)).upper()
    text = text.removeprefix("MEDIA_RESOLUTION_")
    if text.lower() not in RESOLUTION_LEVELS:
        msg = f"media_resolution must be one of {RESOLUTION_LEVELS}: {value!r}."
        raise ValueError(msg)
    return f"MEDIA_RESOLUTION_{text}"


_DURATION = re.compile(r"-?\d+(\.\d{1,9})?s")


def _duration(value: Any, key: str) -> str:
    """Seconds (number) or a Google duration string (``"1.5s"``).

    Raises:
        ValueError: neither (``google-duration`` is decimal seconds and ``s``).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value}s"
    if isinstance(value, str) and _DURATION.fullmatch(value):
        return value
    msg = (
        f"video_metadata {key} must be seconds or a duration like '1.5s', "
        f"not {value!r:.40}."
    )
    raise ValueError(msg)


def video_metadata(value: Any) -> dict[str, Any]:
    """``{start_offset, end_offset, fps}`` (either case) -> ``videoMetadata``.

    Raises:
        ValueError: not a dict, or a key Gemini does not know.
    """
    if not isinstance(value, dict):
        raise ValueError(f"video_metadata must be a dict, got {value!r}.")
    names = {"start_offset": "startOffset", "end_offset": "endOffset", "fps": "fps"}
    out: dict[str, Any] = {}
    for key, item in value.items():
        camel = names.get(str(key), str(key))
        if camel not in names.values():
            msg = f"Unknown video_metadata key {key!r}; use {sorted(names)}."
            raise ValueError(msg)
        out[camel] = _fps(item) if camel == "fps" else _duration(item, str(key))
    return out


def _fps(value: Any) -> float | int:
    """Discovery, ``VideoMetadata.fps``: "The fps range is (0.0, 24.0]".

    Raises:
        ValueError: not a number in that range.
    """
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and 0 < value <= 24  # noqa: PLR2004 (Gemini's documented range)
    ):
        return value
    msg = f"video_metadata fps must be a number in (0, 24], not {value!r:.40}."
    raise ValueError(msg)


def _with_options(part: Part, block: dict[str, Any]) -> Part:
    level = _option(block, "media_resolution")
    detail = block.get("image_url")
    if level is None and isinstance(detail, dict):
        level = _DETAIL_LEVELS.get(str(detail.get("detail", "auto")))
    if level is not None:
        part["mediaResolution"] = {"level": resolution_level(level)}
    video = _option(block, "video_metadata")
    if video is not None:
        part["videoMetadata"] = video_metadata(video)
    return part


def media_part(block: dict[str, Any]) -> Part:
    """Convert one media content block to a Gemini part.

    Raises:
        ValueError: the block carries neither data, a URL nor a file id, or a
            per-block option is invalid.
    """
    block_type = str(block.get("type"))
    mime = block.get("mime_type") or block.get("mimeType")
    kind = _kind(block_type, mime if isinstance(mime, str) else None)
    shape = _SHAPES.get(block_type, _source_part)
    part = shape(block, mime, kind)
    for data in part.values():
        _check_mime(data.get("mimeType") if isinstance(data, dict) else None)
    return _with_options(part, block)


_MIME = re.compile(r"[\w.+-]+/[\w.+-]+(\s*;.*)?", re.S)


def _check_mime(mime: Any) -> None:
    """A part's MIME type is ``type/subtype`` (parameters allowed).

    Raises:
        ValueError: anything else (it was sent, and refused with a 400).
    """
    if mime is not None and not (isinstance(mime, str) and _MIME.fullmatch(mime)):
        msg = f"Media block MIME type {mime!r:.60} is not a MIME type like 'image/png'."
        raise ValueError(msg)


def _missing(block: dict[str, Any]) -> Part:
    msg = (
        f"Content block of type {block.get('type')!r} has no data: give 'base64', "
        "'url' or 'file_id'."
    )
    raise ValueError(msg)


_TYPED_MEDIA = frozenset({"image", "audio", "video", "file"})


def with_mime_types(messages: Sequence[BaseMessage]) -> list[BaseMessage] | None:
    """Messages whose base64 media blocks lack ``mime_type``, with it filled in.

    langchain-core's tracing (``_format_for_tracing``) refuses a base64 ``image``
    block without a MIME type before the model runs, so the type is inferred
    here (from the bytes' signature, else the block kind's default), before that
    point. Returns None when no block needs it (the common case: nothing copied).
    """
    changed: list[BaseMessage] | None = None
    for index, message in enumerate(messages):
        content = message.content
        if isinstance(content, str) or not any(_needs_mime(b) for b in content):
            continue
        if changed is None:
            changed = list(messages)
        blocks = [_filled(b) if _needs_mime(b) else b for b in content]
        changed[index] = message.model_copy(update={"content": blocks})
    return changed


def _needs_mime(block: Any) -> TypeGuard[dict[str, Any]]:
    if not isinstance(block, dict) or block.get("type") not in _TYPED_MEDIA:
        return False
    if block.get("mime_type"):
        return False
    return isinstance(block.get("base64"), str) or (
        block.get("source_type") == "base64" and isinstance(block.get("data"), str)
    )


def _filled(block: dict[str, Any]) -> dict[str, Any]:
    data = block.get("base64") or block.get("data") or ""
    match = _DATA_URI.match(data)
    mime = (match.group("mime") if match else None) or _mime_from_base64(data)
    return {**block, "mime_type": mime or _DEFAULT_MIME[str(block["type"])]}
