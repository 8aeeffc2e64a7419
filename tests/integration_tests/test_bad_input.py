"""Bad input and broken servers give clear, typed errors."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from langchain_core.exceptions import (
    ModelConnectionError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelRateLimitError,
)
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_cometgemini import (
    APIConnectionError,
    AuthenticationError,
    ChatCometGemini,
    InvalidResponseError,
    MissingAPIKeyError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
)
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.support import make_model


def make(emu: GeminiEmulator, **kwargs: Any) -> ChatCometGemini:
    """The package's default model and retry count (2): retries are under test."""
    params: dict[str, Any] = {"model": "gemini-3-flash-preview", "max_retries": 2}
    return make_model(emu, **{**params, **kwargs})


def test_empty_messages_raise_before_sending(gemini_emulator: GeminiEmulator) -> None:
    with pytest.raises(ValueError, match="empty"):
        make(gemini_emulator).invoke([])
    assert gemini_emulator.requests == []


@pytest.mark.parametrize("style", ["invoke", "stream", "ainvoke", "astream"])
async def test_lone_surrogate_raises_before_sending_naming_message_and_block(
    gemini_emulator: GeminiEmulator, style: str
) -> None:
    """Not a raw ``UnicodeEncodeError`` with a byte offset."""
    llm = make(gemini_emulator)
    broken = HumanMessage(
        [{"type": "text", "text": "ok"}, {"type": "text", "text": "x\ud83d"}]
    )
    messages = [HumanMessage("hi"), broken]
    match = (
        r"messages\[1\] \(HumanMessage\), content block 1, 'text': "
        r"lone surrogate U\+D83D"
    )
    with pytest.raises(ValueError, match=match):
        if style == "invoke":
            llm.invoke(messages)
        elif style == "stream":
            list(llm.stream(messages))
        elif style == "ainvoke":
            await llm.ainvoke(messages)
        else:
            [chunk async for chunk in llm.astream(messages)]
    assert gemini_emulator.requests == []


def test_system_and_empty_human_message_are_sent(
    gemini_emulator: GeminiEmulator,
) -> None:
    """The real API answers it, so it is sent."""
    answer = make(gemini_emulator).invoke(
        [SystemMessage("Tell a joke."), HumanMessage("")]
    )
    assert answer.content
    body = gemini_emulator.last_request.body
    assert body["contents"] == [{"role": "user", "parts": [{"text": ""}]}]
    assert body["systemInstruction"] == {"parts": [{"text": "Tell a joke."}]}


def test_unknown_block_type_raises_before_sending(
    gemini_emulator: GeminiEmulator,
) -> None:
    message = HumanMessage(content=[{"type": "sparkles", "x": 1}])
    with pytest.raises(ValueError, match="sparkles"):
        make(gemini_emulator).invoke([message])
    assert gemini_emulator.requests == []


def test_missing_key_names_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMETAPI_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="COMETAPI_KEY"):
        ChatCometGemini()
    with pytest.raises(AuthenticationError, match="COMETAPI_KEY"):
        ChatCometGemini(api_key="")


def test_key_and_base_url_from_environment(
    gemini_emulator: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMETAPI_KEY", "test-key")
    monkeypatch.setenv("COMETAPI_BASE_URL", gemini_emulator.base_url)
    assert ChatCometGemini().invoke("env").content == "Echo: env"
    assert gemini_emulator.last_request.headers["x-goog-api-key"] == "test-key"


def test_wrong_key_is_an_authentication_error(gemini_emulator: GeminiEmulator) -> None:
    llm = ChatCometGemini(base_url=gemini_emulator.base_url, api_key="nope")
    with pytest.raises(AuthenticationError, match="API key not valid"):
        llm.invoke("hi")


def test_wrong_base_url_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = ChatCometGemini(
        base_url=f"http://127.0.0.1:{port}", api_key="k", max_retries=0
    )
    with pytest.raises(APIConnectionError) as info:
        llm.invoke("hi")
    assert isinstance(info.value, ModelConnectionError)
    assert f"127.0.0.1:{port}" in str(info.value)


def test_html_answer_is_a_clear_error_with_an_excerpt(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(
        Reply.html(200, "<html><body>Welcome to our website</body></html>")
    )
    with pytest.raises(InvalidResponseError, match="Welcome to our website") as info:
        make(gemini_emulator).invoke("hi")
    assert "base_url" in str(info.value)


def test_html_502_is_a_server_error_with_excerpt(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(Reply.html(502, "<h1>Bad Gateway</h1>"))
    with pytest.raises(ServerError, match="Bad Gateway"):
        make(gemini_emulator, max_retries=0).invoke("hi")


def test_not_found_carries_status_and_message(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(
        Reply.error(404, "models/nope is not found for API version v1beta")
    )
    with pytest.raises(NotFoundError) as info:
        make(gemini_emulator).invoke("hi")
    error = info.value
    assert isinstance(error, ModelNotFoundError)
    assert error.status_code == 404 and error.status == "NOT_FOUND"
    assert str(error).startswith("404 NOT_FOUND: ")
    assert "models/nope is not found" in str(error)
    assert len(gemini_emulator.requests) == 1  # 404 is never retried


def test_comet_gateway_error_shape_is_parsed(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(
        Reply.comet_error(
            400, "invalid model name (request id: abc)", "model_not_found"
        )
    )
    with pytest.raises(
        ModelInvalidRequestError, match=r"invalid model name \(request id"
    ):
        make(gemini_emulator).invoke("hi")


def test_rate_limit_is_retried_then_succeeds(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(Reply.rate_limited("0.01s"), Reply.text("after retry"))
    assert make(gemini_emulator).invoke("hi").content == "after retry"
    assert len(gemini_emulator.requests) == 2


def test_rate_limit_after_max_retries_is_typed(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(*[Reply.rate_limited("0.01s") for _ in range(3)])
    with pytest.raises(RateLimitError) as info:
        make(gemini_emulator, max_retries=2).invoke("hi")
    assert isinstance(info.value, ModelRateLimitError)
    assert info.value.retry_after == pytest.approx(0.01)
    assert len(gemini_emulator.requests) == 3


def test_error_event_mid_stream_raises(gemini_emulator: GeminiEmulator) -> None:
    reply = Reply.text("partial answer here", n_chunks=3)
    assert reply.chunks is not None
    reply.chunks = reply.chunks[:2]
    reply.error_event = {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}
    gemini_emulator.enqueue(reply)
    with pytest.raises(ServerError, match="overloaded"):
        list(make(gemini_emulator).stream("hi"))


def test_stream_cut_short_raises_instead_of_truncating(
    gemini_emulator: GeminiEmulator,
) -> None:
    reply = Reply.text("one two three four", n_chunks=4)
    assert reply.chunks is not None
    reply.chunks = reply.chunks[:2]  # no finishReason ever arrives
    gemini_emulator.enqueue(reply)
    with pytest.raises(StreamInterruptedError, match="incomplete"):
        list(make(gemini_emulator, max_retries=0).stream("hi"))
