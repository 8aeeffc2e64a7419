"""Client and media settings overridden per call, with pools shared."""

from __future__ import annotations

import pytest

from langchain_cometgemini import ChatCometGemini, RateLimitError
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.support import make_model


def test_max_retries_per_call(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator, max_retries=2)
    gemini_emulator.enqueue(Reply.rate_limited("0.01s"), Reply.text("never"))
    with pytest.raises(RateLimitError):
        llm.invoke("hi", max_retries=0)
    assert len(gemini_emulator.requests) == 1
    assert (
        llm.invoke("again").content == "never"
    )  # the model's own policy still retries


async def test_headers_and_auth_style_per_call(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator)
    await llm.ainvoke("a", use_bearer_auth=True, default_headers={"x-run": "7"})
    first = gemini_emulator.last_request.headers
    assert first["authorization"] == "Bearer test-key" and first["x-run"] == "7"
    await llm.ainvoke("b")
    second = gemini_emulator.last_request.headers
    assert "authorization" not in second and "x-run" not in second


def test_other_endpoint_and_key_per_call(gemini_emulator: GeminiEmulator) -> None:
    with GeminiEmulator(api_key="other-key") as other:
        llm = make_model(gemini_emulator)
        chunks = list(llm.stream("x", base_url=other.base_url, api_key="other-key"))
        assert "".join(str(c.content) for c in chunks) == "Echo: x"
        assert other.last_request.headers["x-goog-api-key"] == "other-key"
    assert gemini_emulator.requests == []


def test_overrides_do_not_reach_the_body_or_tracing(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(gemini_emulator)
    llm.invoke("hi", timeout=30, temperature=0.5)
    assert gemini_emulator.last_request.body["generationConfig"] == {"temperature": 0.5}
    assert llm._get_ls_params(timeout=30)["ls_model_name"] == "gemini-2.5-flash"


def test_client_alias_per_call_is_applied_not_refused(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = ChatCometGemini(
        model="gemini-2.5-flash",
        base_url=gemini_emulator.base_url,
        api_key=gemini_emulator.api_key,
    )
    clone = llm._for_call({"request_timeout": 5}, async_api=False)
    assert clone.timeout == 5 and llm.timeout == 120.0
    llm.invoke("hi", request_timeout=5, max_tokens=7)
    config = gemini_emulator.last_request.body["generationConfig"]
    assert config == {"maxOutputTokens": 7}
