"""_tokens: the countTokens body and the local estimate."""

from __future__ import annotations

from langchain_cometgemini._tokens import count_request, estimate_tokens


def test_count_request_wraps_the_whole_generate_request() -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "be brief"}]},
        "tools": [{"functionDeclarations": [{"name": "f"}]}],
    }
    assert count_request("gemini-2.5-flash", body) == {
        "generateContentRequest": {"model": "models/gemini-2.5-flash", **body}
    }


def test_estimate_counts_text_system_tools_and_media() -> None:
    text_only = {"contents": [{"role": "user", "parts": [{"text": "x" * 400}]}]}
    base = estimate_tokens(text_only)
    assert 100 <= base <= 110  # ~4 characters per token (+ JSON punctuation)
    with_system = {**text_only, "systemInstruction": {"parts": [{"text": "y" * 400}]}}
    assert estimate_tokens(with_system) > base + 90
    with_tools = {
        **text_only,
        "tools": [{"functionDeclarations": [{"name": "z" * 400}]}],
    }
    assert estimate_tokens(with_tools) > base + 90
    image = {"inlineData": {"mimeType": "image/png", "data": "A" * 100_000}}
    with_image = {"contents": [{"role": "user", "parts": [{"text": "x" * 400}, image]}]}
    assert estimate_tokens(with_image) == base + 258  # a fixed cost, not the bytes
