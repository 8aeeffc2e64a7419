"""Media URLs in a request body: which are downloaded, and the inlined parts.

Pure (no I/O): the HTTP layer downloads what :func:`media_urls` lists
(``_http.fetch.download_all``) and :func:`inline_downloads` puts the bytes
back as ``inlineData``::

    urls = media_urls(body, mode)                 fileData parts (contents and
                                                  system instruction) with an
                                                  http(s) URI, not YouTube or
                                                  the Files API; each URL once
    fetched = download_all(urls, policy, client)  (the HTTP layer)
    body = inline_downloads(body, fetched)        a copy; MIME type from the
                                                  bytes' signature, else the
                                                  response's Content-Type, else
                                                  the part's own ``mimeType``;
                                                  other part fields are kept
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from langchain_cometgemini._wire.media import FILES_API_ROOT, is_youtube, sniff_mime

__all__ = ["inline_downloads", "media_targets", "media_urls"]

Part = dict[str, Any]
Fetched = dict[str, tuple[bytes, str | None]]
"""URL -> (bytes, the response's Content-Type)."""

_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def _downloadable(uri: str) -> bool:
    lowered = uri.lower()
    return (
        lowered.startswith(("http://", "https://"))
        and not is_youtube(uri)
        and not uri.startswith(FILES_API_ROOT)
    )


def media_targets(body: dict[str, Any]) -> list[Part]:
    """The ``fileData`` parts of ``body`` whose URL would be downloaded."""
    contents = [body.get("systemInstruction") or {}, *(body.get("contents") or ())]
    return [
        part
        for content in contents
        for part in content.get("parts") or ()
        if isinstance(part.get("fileData"), dict)
        and _downloadable(str(part["fileData"].get("fileUri", "")))
    ]


def _url(part: Part) -> str:
    return str(part["fileData"]["fileUri"])


def media_urls(body: dict[str, Any], mode: str) -> list[str]:
    """The distinct URLs to download (none when ``mode`` is ``pass_through``).

    Raises:
        ValueError: ``mode`` is neither ``download`` nor ``pass_through``.
    """
    if mode == "pass_through":
        return []
    if mode != "download":
        msg = f"media_fetch must be 'download' or 'pass_through': {mode!r}."
        raise ValueError(msg)
    return list(dict.fromkeys(_url(part) for part in media_targets(body)))


def _inline(part: Part, data: bytes, content_type: str | None) -> None:
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    given = part["fileData"].get("mimeType")
    mime = sniff_mime(data[:64]) or (
        declared if declared not in _GENERIC_TYPES else None
    )
    mime = mime or given or "application/octet-stream"
    del part["fileData"]
    part["inlineData"] = {
        "mimeType": mime,
        "data": base64.b64encode(data).decode("ascii"),
    }


def inline_downloads(body: dict[str, Any], fetched: Fetched) -> dict[str, Any]:
    """A copy of ``body`` whose downloaded ``fileData`` parts are ``inlineData``."""
    if not fetched:
        return body
    body = copy.deepcopy(body)
    for part in media_targets(body):
        data, content_type = fetched[_url(part)]
        _inline(part, data, content_type)
    return body
