"""Token counting: one ``:countTokens`` call carrying the whole request.

Flow::

    count_tokens(http, model, body, policy=None)
      -> media URLs resolved like generateContent's (when a policy is given)
      -> POST models/{model}:countTokens {"generateContentRequest": {...}}
      -> totalTokens
      on 404/405 (an endpoint the gateway does not serve): a local estimate,
      with a warning saying so (about 4 characters per token of the request's
      text, plus a fixed cost per media part).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from langchain_cometgemini._client import GeminiHTTP
from langchain_cometgemini._fetch import MediaPolicy, resolve_media
from langchain_cometgemini.errors import InvalidResponseError, NotFoundError

_CHARS_PER_TOKEN = 4
_TOKENS_PER_MEDIA_PART = 258  # Gemini's documented cost of one image


def count_request(model: str, body: dict[str, Any]) -> dict[str, Any]:
    """The countTokens body for a generateContent body (model named inside)."""
    return {"generateContentRequest": {"model": f"models/{model}", **body}}


def estimate_tokens(body: dict[str, Any]) -> int:
    """Local estimate: text length / 4, plus a fixed cost per media part."""
    text_chars = 0
    media_parts = 0
    for content in [body.get("systemInstruction") or {}, *body.get("contents", [])]:
        for part in content.get("parts") or ():
            if "inlineData" in part or "fileData" in part:
                media_parts += 1
            else:
                text_chars += len(json.dumps(part, ensure_ascii=False))
    text_chars += len(json.dumps(body.get("tools") or [], ensure_ascii=False))
    return -(-text_chars // _CHARS_PER_TOKEN) + media_parts * _TOKENS_PER_MEDIA_PART


def count_tokens(
    http: GeminiHTTP,
    model: str,
    body: dict[str, Any],
    policy: MediaPolicy | None = None,
) -> int:
    """Ask the API; fall back to :func:`estimate_tokens` if it has no such endpoint.

    With a media ``policy``, media URLs are resolved first exactly as for
    ``generateContent`` (so downloaded media are counted as sent).
    """
    if policy is not None:
        body = resolve_media(body, policy, http.client)
    try:
        answer = http.request(model, "countTokens", count_request(model, body))
    except (NotFoundError, InvalidResponseError) as exc:
        warnings.warn(
            f"countTokens is not available ({exc}); returning a local estimate "
            "(about 4 characters per token).",
            UserWarning,
            stacklevel=3,
        )
        return estimate_tokens(body)
    return int(answer.get("totalTokens") or 0)
