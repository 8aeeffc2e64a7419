"""Strict decoding: a body fed in any chunking decodes the same, and must end."""

from __future__ import annotations

import gzip
import zlib

import pytest

from langchain_cometgemini._http.body import CutShort, Decoder, decode

TEXT = b"data: {}\r\n\r\n" * 50


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


CASES = {
    "gzip": (["gzip"], gzip.compress(TEXT)),
    "two gzip members": (["gzip"], gzip.compress(TEXT) + gzip.compress(TEXT)),
    "zlib deflate": (["deflate"], zlib.compress(TEXT)),
    "raw deflate": (["deflate"], raw_deflate(TEXT)),
    "gzip over deflate": (["deflate", "gzip"], gzip.compress(zlib.compress(TEXT))),
}


def fed(codings: list[str], raw: bytes, size: int) -> bytes:
    decoder = Decoder(codings)
    out = b"".join(decoder.feed(raw[i : i + size]) for i in range(0, len(raw), size))
    decoder.finish()
    return out


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("size", [1, 2, 7, 1 << 20])
def test_any_chunking_decodes_the_whole_body(case: str, size: int) -> None:
    codings, raw = CASES[case]
    expected = TEXT * 2 if case == "two gzip members" else TEXT
    assert fed(codings, raw, size) == expected
    assert decode(raw, codings) == expected


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("cut", [1, 4, 8])
def test_a_body_without_its_end_is_cut_short(case: str, cut: int) -> None:
    codings, raw = CASES[case]
    with pytest.raises(CutShort):
        fed(codings, raw[:-cut], 3)


@pytest.mark.parametrize("codings", [["gzip"], ["deflate"]])
def test_an_empty_compressed_body_is_cut_short(codings: list[str]) -> None:
    with pytest.raises(CutShort):
        decode(b"", codings)


def test_bytes_after_a_deflate_stream_are_refused() -> None:
    with pytest.raises(ValueError, match="follow the end"):
        decode(zlib.compress(TEXT) + b"junk", ["deflate"])


def test_corrupt_gzip_is_refused() -> None:
    with pytest.raises(ValueError, match="corrupt gzip"):
        decode(b"\x1f\x8b" + b"\x00" * 40, ["gzip"])
