"""Strict ``gzip``/``deflate`` decoding of a whole answer body.

httpx2's decoders stop at the end of the bytes without asking whether the
compressed stream ended: a gzip body without its CRC32/size trailer, a zlib
body without its Adler-32, or a gzip body cut short (shorter than its
``Content-Length`` promised) decodes to whatever came out, silently. A unary
answer whose ``Content-Encoding`` is only ``gzip``/``deflate``/``identity`` is
therefore read raw and decoded here, where each stream must reach its end
(zlib checks the trailer) with nothing but further gzip members after it.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

_STRICT = frozenset({"gzip", "x-gzip", "deflate", "identity", ""})


def strict_codings(headers: Mapping[str, str]) -> list[str] | None:
    """The body's codings if all of them are decoded here, else None."""
    value = headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in value.split(",")]
    if not all(c in _STRICT for c in codings):
        return None
    return [c for c in codings if c not in ("identity", "")]


def decode(raw: bytes, codings: list[str]) -> bytes:
    """``raw`` with ``codings`` undone, last applied first.

    Raises:
        ValueError: a compressed stream is corrupt, cut short or missing its
            trailer.
    """
    data = raw
    for coding in reversed(codings):
        data = _gunzip(data) if coding in ("gzip", "x-gzip") else _inflate(data)
    return data


def _gunzip(data: bytes) -> bytes:
    out = []
    while True:
        member = zlib.decompressobj(zlib.MAX_WBITS | 16)
        out.append(_whole(member, data, "gzip"))
        data = member.unused_data
        if not data:
            return b"".join(out)


def _inflate(data: bytes) -> bytes:
    """zlib-wrapped deflate (RFC 9110), or raw deflate as some servers send."""
    try:
        stream = zlib.decompressobj(zlib.MAX_WBITS)
        decoded = _whole(stream, data, "deflate")
    except ValueError:
        stream = zlib.decompressobj(-zlib.MAX_WBITS)
        decoded = _whole(stream, data, "deflate")
    if stream.unused_data:
        raise ValueError("bytes follow the end of the deflate stream")
    return decoded


def _whole(stream: zlib._Decompress, data: bytes, name: str) -> bytes:
    try:
        decoded = stream.decompress(data) + stream.flush()
    except zlib.error as exc:
        raise ValueError(f"corrupt {name} data ({exc})") from None
    if not stream.eof:
        raise ValueError(f"the {name} stream is cut short (no end or trailer)")
    return decoded
