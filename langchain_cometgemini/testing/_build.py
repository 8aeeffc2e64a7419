"""Builders for ``GenerateContentResponse`` bodies and stream chunks.

Pure functions: split a text into stream pieces, build usage metadata (zero
counts omitted, like the API), wrap parts into a response, and merge stream
chunks back into one response.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

Body = dict[str, Any]
_WORDS = re.compile(r"\s*\S+")


def count_words(text: str) -> int:
    """Return the emulator's token count for a text: its whitespace words."""
    return len(text.split())


def split_text(text: str, pieces: int) -> list[str]:
    """Split ``text`` into at most ``pieces`` chunks that join back to it."""
    words = _WORDS.findall(text)
    if not words:
        return [text]
    words[-1] += text[sum(len(w) for w in words) :]
    pieces = max(1, min(pieces, len(words)))
    size, extra = divmod(len(words), pieces)
    out, start = [], 0
    for index in range(pieces):
        end = start + size + (1 if index < extra else 0)
        out.append("".join(words[start:end]))
        start = end
    return out


def usage(prompt: int, candidates: int = 0, thoughts: int = 0) -> Body:
    """Return ``usageMetadata``; counts equal to 0 are omitted like the API."""
    meta: Body = {}
    if prompt:
        meta["promptTokenCount"] = prompt
    if candidates:
        meta["candidatesTokenCount"] = candidates
    meta["totalTokenCount"] = prompt + candidates + thoughts
    if prompt:
        meta["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
    if thoughts:
        meta["thoughtsTokenCount"] = thoughts
    return meta


def response(
    parts: list[Body],
    usage_metadata: Body | None,
    finish_reason: str | None = None,
    model: str | None = None,
) -> Body:
    """Wrap ``parts`` into a one-candidate ``GenerateContentResponse``."""
    candidate: Body = {"content": {"parts": parts, "role": "model"}}
    if finish_reason:
        candidate["finishReason"] = finish_reason
    candidate["index"] = 0
    body: Body = {"candidates": [candidate]}
    if usage_metadata is not None:
        body["usageMetadata"] = usage_metadata
    if model:
        body["modelVersion"] = model
    return body


def parts_of(body: Any) -> list[Body]:
    """Return the parts of the first candidate of a response (may be empty)."""
    if not isinstance(body, dict):
        return []
    candidates = body.get("candidates") or []
    if not candidates or not isinstance(candidates[0], dict):
        return []
    content = candidates[0].get("content") or {}
    parts = content.get("parts") if isinstance(content, dict) else None
    return parts if isinstance(parts, list) else []


def merge_chunks(chunks: list[Body]) -> Body:
    """Merge stream chunks into the equivalent non-stream response."""
    if not chunks:
        return {}
    merged = copy.deepcopy(chunks[0])
    parts: list[Body] = []
    for chunk in chunks:
        for part in parts_of(chunk):
            _append_part(parts, copy.deepcopy(part))
    last = chunks[-1]
    for key, value in last.items():
        if key != "candidates":
            merged[key] = copy.deepcopy(value)
    with_candidates = [c["candidates"] for c in chunks if c.get("candidates")]
    if with_candidates:
        candidate = copy.deepcopy(with_candidates[-1][0])
        candidate["content"] = {"parts": parts, "role": "model"}
        merged["candidates"] = [candidate]
    return merged


def _append_part(parts: list[Body], part: Body) -> None:
    previous = parts[-1] if parts else None
    if (
        previous is not None
        and "text" in part
        and "text" in previous
        and bool(previous.get("thought")) == bool(part.get("thought"))
        and "thoughtSignature" not in previous
    ):
        previous["text"] += part.pop("text")
        previous.update(part)
        return
    parts.append(part)


def request_tokens(body: Any) -> int:
    """Count the prompt tokens of a request body (words, media = 258)."""
    if not isinstance(body, dict):
        return 1
    inner = body.get("generateContentRequest") or body.get("generate_content_request")
    if isinstance(inner, dict):
        body = inner
    system = body.get("systemInstruction") or body.get("system_instruction")
    contents = [system, *(body.get("contents") or [])]
    total = 0
    for content in contents:
        if isinstance(content, dict):
            for part in content.get("parts") or []:
                total += _part_tokens(part)
    return max(1, total)


def _part_tokens(part: Any) -> int:
    if not isinstance(part, dict):
        return 0
    if isinstance(part.get("text"), str):
        return count_words(part["text"])
    media = ("inlineData", "inline_data", "fileData", "file_data")
    if any(key in part for key in media):
        return 258
    return count_words(json.dumps(part))
