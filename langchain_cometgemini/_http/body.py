"""Strict ``gzip``/``deflate`` decoding of answer bodies, whole or streamed.

httpx2's decoders stop at the end of the bytes without asking whether the
compressed stream ended: a gzip body without its CRC32/size trailer, a zlib
body without its Adler-32, or a gzip body cut short (shorter than its
``Content-Length`` promised) decodes to whatever came out, silently. An answer
whose ``Content-Encoding`` is only ``gzip``/``deflate``/``identity`` is
therefore read raw and decoded here (:class:`Decoder`, fed chunk by chunk for
streams, once for a unary body), where each stream must reach its end (zlib
checks the trailer) with nothing but further gzip members after it. A stream
in any other coding is refused (nothing here could prove it complete).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

_STRICT = frozenset({"gzip", "x-gzip", "deflate", "identity", ""})


class CutShort(ValueError):
    """A compressed stream ended before its end marker or trailer."""


def strict_codings(headers: Mapping[str, str]) -> list[str] | None:
    """The body's codings if all of them are decoded here, else None."""
    value = headers.get("content-encoding", "")
    if not value:  # the usual answer
        return []
    codings = [c.strip().lower() for c in value.split(",")]
    if not all(c in _STRICT for c in codings):
        return None
    return [c for c in codings if c not in ("identity", "")]


def decode(raw: bytes, codings: list[str]) -> bytes:
    """``raw`` with ``codings`` undone, last applied first.

    Raises:
        ValueError: a compressed stream is corrupt, cut short or missing its
            trailer (:class:`CutShort` for the last two).
    """
    decoder = Decoder(codings)
    data = decoder.feed(raw)
    decoder.finish()
    return data


class Decoder:
    """``codings`` undone incrementally; :meth:`finish` proves every end came."""

    __slots__ = ("_stages",)

    def __init__(self, codings: list[str]) -> None:
        self._stages = [
            _Gzip() if c in ("gzip", "x-gzip") else _Deflate()
            for c in reversed(codings)
        ]

    def feed(self, data: bytes) -> bytes:
        for stage in self._stages:
            data = stage.feed(data)
        return data

    def finish(self) -> None:
        """Raise :class:`CutShort` if a compressed stream never reached its end."""
        for stage in self._stages:
            stage.finish()


def _run(stream: zlib._Decompress, data: bytes, name: str) -> bytes:
    try:
        return stream.decompress(data)
    except zlib.error as exc:
        raise ValueError(f"corrupt {name} data ({exc})") from None


class _Gzip:
    """gzip members one after another (RFC 1952 allows several)."""

    def __init__(self) -> None:
        self._member = zlib.decompressobj(zlib.MAX_WBITS | 16)

    def feed(self, data: bytes) -> bytes:
        out = [_run(self._member, data, "gzip")]
        while self._member.eof and self._member.unused_data:
            rest = self._member.unused_data
            self._member = zlib.decompressobj(zlib.MAX_WBITS | 16)
            out.append(_run(self._member, rest, "gzip"))
        return b"".join(out)

    def finish(self) -> None:
        if not self._member.eof:
            raise CutShort("the gzip stream is cut short (no end or trailer)")


class _Deflate:
    """zlib-wrapped deflate (RFC 9110), or raw deflate as some servers send."""

    def __init__(self) -> None:
        self._stream = zlib.decompressobj(zlib.MAX_WBITS)
        self._start: bytes | None = b""  # kept until the wrapping is known

    def feed(self, data: bytes) -> bytes:
        if self._start is None:
            out = _run(self._stream, data, "deflate")
        else:
            self._start += data
            if len(self._start) < 2:  # the zlib header is 2 bytes
                return b""
            out = self._begin(self._start)
            self._start = None
        if self._stream.unused_data:
            raise ValueError("bytes follow the end of the deflate stream")
        return out

    def _begin(self, start: bytes) -> bytes:
        try:
            return self._stream.decompress(start)
        except zlib.error:  # no zlib header: raw deflate
            self._stream = zlib.decompressobj(-zlib.MAX_WBITS)
            return _run(self._stream, start, "deflate")

    def finish(self) -> None:
        if self._start is not None or not self._stream.eof:
            raise CutShort("the deflate stream is cut short (no end or trailer)")
