"""Gemini answers without content, and one way to call a model in each style.

Shared by the empty-answer, model-status and agent-loop tests.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage, BaseMessageChunk
from langchain_core.runnables import Runnable

from langchain_cometgemini.testing import Reply

STYLES = ("invoke", "ainvoke", "stream", "astream")
BROKEN_CALL = "Malformed function call: print(default_api.get_weather(city=Paris)"
BLOCKED = "BLOCKED_PROMPT"
"""Stands for a prompt blocked with ``promptFeedback.blockReason`` ``SAFETY``."""

EMPTY_USAGE = {
    "promptTokenCount": 4,
    "thoughtsTokenCount": 3,
    "totalTokenCount": 7,
}
"""Billed for an empty answer: 4 in, 3 thinking out."""
RECOVERED_USAGE = {
    "promptTokenCount": 4,
    "candidatesTokenCount": 2,
    "totalTokenCount": 6,
}


def empty_events(reason: str, *, thought: str | None = None) -> list[dict[str, Any]]:
    """The stream events of an answer without content that ends with ``reason``.

    ``MAX_TOKENS`` (and any ``thought``) first sends a thought, which is no
    content; ``STOP`` an empty text; ``MALFORMED_FUNCTION_CALL`` its
    ``finishMessage``.
    """
    if reason == BLOCKED:
        feedback = {"blockReason": "SAFETY", "safetyRatings": []}
        usage = {"promptTokenCount": 4, "totalTokenCount": 4}
        return [{"promptFeedback": feedback, "usageMetadata": usage}]
    if reason == "MAX_TOKENS":
        thought = thought or "Let me think about the weather in Paris"
    events = []
    if thought:
        part = {"text": thought, "thought": True}
        events.append(_event({"content": {"role": "model", "parts": [part]}}))
    candidate: dict[str, Any] = {"finishReason": reason}
    if reason == "STOP":
        candidate["content"] = {"role": "model", "parts": [{"text": ""}]}
    if reason == "MALFORMED_FUNCTION_CALL":
        candidate["finishMessage"] = BROKEN_CALL
    events.append(_event(candidate))
    return events


def _event(candidate: dict[str, Any]) -> dict[str, Any]:
    return {"candidates": [{**candidate, "index": 0}], "usageMetadata": EMPTY_USAGE}


def empty_reply(reason: str, *, thought: str | None = None) -> Reply:
    """The emulator's reply (a stream, or those events merged) for ``reason``."""
    return Reply(chunks=empty_events(reason, thought=thought))


def recovered_reply(text: str = "Recovered answer") -> Reply:
    return Reply.text(text, usage=RECOVERED_USAGE)


async def run(
    model: Runnable[LanguageModelInput, Any],
    style: str,
    prompt: LanguageModelInput = "What is the weather in Paris?",
    **kwargs: Any,
) -> Any:
    """Call ``model`` in ``style``; a stream's chunks come back merged."""
    if style == "invoke":
        return model.invoke(prompt, **kwargs)
    if style == "ainvoke":
        return await model.ainvoke(prompt, **kwargs)
    chunks: list[Any] = []
    if style == "stream":
        chunks.extend(model.stream(prompt, **kwargs))
    else:
        chunks.extend([c async for c in model.astream(prompt, **kwargs)])
    return merged(chunks)


def merged(chunks: list[Any]) -> Any:
    """Message chunks added up (other stream items: the last one)."""
    if not chunks or not isinstance(chunks[0], BaseMessageChunk):
        return chunks[-1] if chunks else None
    total: BaseMessage = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total
