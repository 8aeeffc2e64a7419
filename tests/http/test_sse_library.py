"""What bare ``httpx-sse`` 0.4.3 does with the streams the package must read.

The package decodes SSE itself (``_http/sse.py``) because the library breaks
these rules of the stream promises. Each test asserts the library's current
behaviour: the day one fails, upstream changed and the choice is worth
revisiting (``httpx-sse`` is a test dependency only, for this file).
"""

from __future__ import annotations

import httpx
import pytest

from langchain_cometgemini._http.sse import SSEDecoder

httpx_sse = pytest.importorskip("httpx_sse")


def library(content: bytes, content_type: str = "text/event-stream") -> list[str]:
    response = httpx.Response(
        200, headers={"content-type": content_type}, content=content
    )
    return [event.data for event in httpx_sse.EventSource(response).iter_sse()]


def ours(content: bytes) -> list[str]:
    return list(SSEDecoder("test").feed(content))


def test_a_first_event_behind_a_bom_is_dropped_by_the_library() -> None:
    stream = b'\xef\xbb\xbfdata: {"n": 1}\n\ndata: {"n": 2}\n\n'
    assert library(stream) == ['{"n": 2}']
    assert ours(stream) == ['{"n": 1}', '{"n": 2}']


def test_the_library_decodes_by_the_declared_charset() -> None:
    stream = 'data: "é"\n\n'.encode()
    assert library(stream, "text/event-stream; charset=latin-1") == ['"Ã©"']
    assert ours(stream) == ['"é"']


@pytest.mark.parametrize("block", [b"event: ping\n\n", b"data:\n\n"])
def test_the_library_yields_an_event_for_a_block_without_data(block: bytes) -> None:
    assert library(block + b"data: 1\n\n") == ["", "1"]
    assert ours(block + b"data: 1\n\n") == ["1"]
