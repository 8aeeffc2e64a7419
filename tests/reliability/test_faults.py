"""Transport and wire faults on invoke, ainvoke, stream and astream.

Each fault ends in a typed error with a useful message, after the number of
requests the retry policy promises (counted by the emulator), and nothing
hangs: the slow cases use a timeout of a fraction of a second.
"""

from __future__ import annotations

import logging
import socket

import pytest
from langchain_core.exceptions import ModelConnectionError, ModelTimeoutError

from langchain_cometgemini.errors import (
    APIConnectionError,
    BadRequestError,
    InvalidResponseError,
    RequestTimeoutError,
    ServerError,
    StreamInterruptedError,
)
from langchain_cometgemini.testing import GeminiEmulator, Reply

from .conftest import MODES, STREAM_MODES, call, make_llm

CLOUDFLARE_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>"
    "\r\n</body>\r\n</html>\r\n"
)


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("mode", MODES)
def test_connect_refused_is_retried_then_a_connection_error(
    emu: GeminiEmulator, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "langchain_cometgemini._http.client")
    llm = make_llm(emu, base_url=f"http://127.0.0.1:{closed_port()}", max_retries=2)
    with pytest.raises(APIConnectionError) as info:
        call(llm, mode)
    assert isinstance(info.value, ModelConnectionError)
    assert "ConnectError" in str(info.value)
    assert "127.0.0.1" in str(info.value)
    retries = [r for r in caplog.records if "Retrying" in r.getMessage()]
    assert len(retries) == 2


@pytest.mark.parametrize("mode", MODES)
def test_reset_before_response_is_retried(emu: GeminiEmulator, mode: str) -> None:
    emu.enqueue(Reply.drop(), Reply.text("second try"))
    assert call(make_llm(emu), mode).text == "second try"
    assert len(emu.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_tcp_reset_before_response_is_retried(emu: GeminiEmulator, mode: str) -> None:
    emu.enqueue(Reply.connection_reset(), Reply.text("after the reset"))
    assert call(make_llm(emu), mode).text == "after the reset"
    assert len(emu.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_tcp_reset_every_time_is_a_connection_error(
    emu: GeminiEmulator, mode: str
) -> None:
    emu.enqueue(*[Reply.connection_reset() for _ in range(3)])
    with pytest.raises(APIConnectionError, match="reset") as info:
        call(make_llm(emu, max_retries=2), mode)
    assert isinstance(info.value, ModelConnectionError)
    assert len(emu.requests) == 3


@pytest.mark.parametrize("mode", MODES)
def test_reset_every_time_raises_after_all_attempts(
    emu: GeminiEmulator, mode: str
) -> None:
    emu.enqueue(*[Reply.drop() for _ in range(4)])
    with pytest.raises(APIConnectionError) as info:
        call(make_llm(emu, max_retries=2), mode)
    assert len(emu.requests) == 3
    assert "disconnected" in str(info.value).lower()


@pytest.mark.parametrize("mode", MODES)
def test_server_that_never_answers_times_out_once(
    emu: GeminiEmulator, mode: str
) -> None:
    emu.enqueue(Reply(delay=1.5), Reply.text("a retry was made"))
    with pytest.raises(RequestTimeoutError) as info:
        call(make_llm(emu, timeout=0.2), mode)
    assert isinstance(info.value, ModelTimeoutError)
    assert "timed out" in str(info.value)
    assert len(emu.requests) == 1  # a read timeout is not retried


@pytest.mark.parametrize("mode", MODES)
def test_html_502_from_a_proxy_is_retried_and_explained(
    emu: GeminiEmulator, mode: str
) -> None:
    emu.enqueue(*[Reply.html(502, CLOUDFLARE_502) for _ in range(3)])
    with pytest.raises(ServerError) as info:
        call(make_llm(emu, max_retries=2), mode)
    assert len(emu.requests) == 3
    text = str(info.value)
    assert text.startswith("502")
    assert "502 Bad Gateway" in text
    assert "non-JSON" in text
    assert len(text) < 400  # an excerpt, not the page


@pytest.mark.parametrize("mode", MODES)
def test_html_502_once_then_success(emu: GeminiEmulator, mode: str) -> None:
    emu.enqueue(Reply.html(502, CLOUDFLARE_502), Reply.text("recovered"))
    assert call(make_llm(emu), mode).text == "recovered"


@pytest.mark.parametrize("mode", MODES)
def test_html_200_page_says_check_base_url(emu: GeminiEmulator, mode: str) -> None:
    emu.enqueue(Reply.html(200, "<html><body>Welcome to nginx!</body></html>"))
    with pytest.raises(InvalidResponseError) as info:
        call(make_llm(emu), mode)
    assert "Welcome to nginx!" in str(info.value)
    assert "base_url" in str(info.value)
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_is_not_followed(emu: GeminiEmulator, mode: str, status: int) -> None:
    target = emu.base_url + "/v1beta/models/gemini-2.5-flash:generateContent"
    emu.enqueue(Reply.redirect(target, status), Reply.text("followed!"))
    with pytest.raises(InvalidResponseError) as info:
        call(make_llm(emu, max_retries=3), mode)
    assert len(emu.requests) == 1  # neither followed nor retried
    text = str(info.value)
    assert str(status) in text
    assert target in text
    assert "not followed" in text


MALFORMED = [
    b'{"candidates": [{"content": oops}]}',
    b'{"candidates": [{"content": {"parts": [{"text": "Hel',
    b"",
    b"[1, 2, 3]",
    b'"just a string"',
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("raw", MALFORMED)
def test_malformed_or_truncated_json_body(
    emu: GeminiEmulator, mode: str, raw: bytes
) -> None:
    emu.enqueue(Reply(raw=raw, content_type="application/json"), Reply.text("retried"))
    with pytest.raises(InvalidResponseError) as info:
        call(make_llm(emu), mode)
    assert len(emu.requests) == 1
    assert "base_url" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_error_body_with_http_200_is_an_error_never_sent_again(
    emu: GeminiEmulator, mode: str
) -> None:
    overloaded = {
        "error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}
    }
    emu.enqueue(Reply(body=overloaded), Reply(body=overloaded), Reply(body=overloaded))
    with pytest.raises(ServerError) as info:
        call(make_llm(emu, max_retries=2), mode)
    assert "overloaded" in str(info.value)
    assert len(emu.requests) == 1  # a success status arrived: the model may have run


@pytest.mark.parametrize("mode", MODES)
def test_client_error_body_with_http_200_is_not_retried(
    emu: GeminiEmulator, mode: str
) -> None:
    bad = {"error": {"message": "bad model", "type": "comet_api_error", "code": 400}}
    emu.enqueue(Reply(body=bad), Reply.text("retried"))
    with pytest.raises(BadRequestError, match="bad model"):
        call(make_llm(emu), mode)
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_body_cut_mid_way_is_never_a_partial_answer(
    emu: GeminiEmulator, mode: str
) -> None:
    """A 2xx cut short: typed, after exactly one request (the model ran)."""
    cut = Reply.text("one two three four five six seven eight", n_chunks=4)
    cut.drop_after = 2
    emu.enqueue(*[cut] * 3)
    expected = StreamInterruptedError if mode in STREAM_MODES else InvalidResponseError
    with pytest.raises(expected) as info:
        call(make_llm(emu, max_retries=2), mode)
    assert len(emu.requests) == 1
    assert "incomplete" in str(info.value) or "cut short" in str(info.value)
