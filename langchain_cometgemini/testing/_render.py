"""Turn a queued or generated ``Reply`` into the exact responses to send.

Fills ``modelVersion`` and a per-request ``responseId``, the prompt token count
of constructor-built replies, adds Gemini 3 thought signatures (on the first
function call, or on the end of a text answer), and converts between stream
chunks and a single body.
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
from collections.abc import Callable
from typing import Any

from langchain_cometgemini.testing import _build
from langchain_cometgemini.testing._reply import Reply
from langchain_cometgemini.testing._request import RecordedRequest
from langchain_cometgemini.testing._signatures import is_gemini3

Body = dict[str, Any]


def new_response_id() -> str:
    """Return a response id shaped like the API's (base64url, 23 chars)."""
    return secrets.token_urlsafe(17)[:23]


def prepare(reply: Reply, request: RecordedRequest, issue: Callable[[], str]) -> Reply:
    """Return a copy of ``reply`` with both ``body`` and ``chunks`` final."""
    if reply.status != 200 or reply.raw is not None or request.action == "countTokens":
        return reply
    chunks = copy.deepcopy(reply.chunks)
    body = copy.deepcopy(reply.body)
    if chunks is None and body is not None:
        chunks = [copy.deepcopy(body)]
    if body is None and chunks:
        body = _build.merge_chunks(chunks)
    if body is None or not _is_response(body):
        return dataclasses.replace(reply, body=body, chunks=chunks)
    responses = [body, *(chunks or [])]
    _fill_ids(responses, request.model, new_response_id())
    if reply.synthetic:
        _fill_prompt_tokens(responses, _build.request_tokens(request.body))
        if is_gemini3(request.model):
            signature = issue()
            _sign_body(body, signature)
            chunks = _sign_chunks(chunks or [], signature)
    return dataclasses.replace(reply, body=body, chunks=chunks)


def _is_response(body: Any) -> bool:
    keys = ("candidates", "promptFeedback", "usageMetadata")
    return isinstance(body, dict) and any(k in body for k in keys)


def _fill_ids(responses: list[Body], model: str | None, response_id: str) -> None:
    for response in responses:
        if model and "modelVersion" not in response:
            response["modelVersion"] = model
        response.setdefault("responseId", response_id)


def _fill_prompt_tokens(responses: list[Body], prompt: int) -> None:
    for response in responses:
        meta = response.get("usageMetadata")
        if isinstance(meta, dict) and "promptTokenCount" not in meta:
            total = int(meta.get("totalTokenCount", 0)) + prompt
            filled = _build.usage(prompt)
            filled.pop("totalTokenCount")
            meta.update(filled, totalTokenCount=total)


def _has_signature(parts: list[Body]) -> bool:
    return any("thoughtSignature" in part for part in parts)


def _sign_body(body: Body, signature: str) -> None:
    parts = _build.parts_of(body)
    if _has_signature(parts):
        return
    calls = [p for p in parts if "functionCall" in p]
    texts = [p for p in parts if "text" in p and not p.get("thought")]
    target = calls[0] if calls else (texts[-1] if texts else None)
    if target is not None:
        target["thoughtSignature"] = signature


def _sign_chunks(chunks: list[Body], signature: str) -> list[Body]:
    all_parts = [p for chunk in chunks for p in _build.parts_of(chunk)]
    if not chunks or _has_signature(all_parts):
        return chunks
    calls = [p for p in all_parts if "functionCall" in p]
    if calls:
        calls[0]["thoughtSignature"] = signature
        return chunks
    if not any("text" in p and not p.get("thought") for p in all_parts):
        return chunks
    last = copy.deepcopy(chunks[-1])
    candidate = last["candidates"][0]
    candidate["content"] = {
        "parts": [{"text": "", "thoughtSignature": signature}],
        "role": "model",
    }
    for chunk in chunks:
        for previous in chunk.get("candidates") or []:
            previous.pop("finishReason", None)
    return [*chunks, last]
