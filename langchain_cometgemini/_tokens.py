"""Token counting: one ``:countTokens`` call carrying the whole request.

Flow::

    count_tokens(http, model, body, policy=None)
      -> media URLs resolved like generateContent's (when a policy is given)
      -> POST models/{model}:countTokens {"generateContentRequest": {...}}
      -> totalTokens (a non-negative integer, else InvalidResponseError)
      on a 404 / 405 / 501 that is not Google's own error (a gateway that does
      not serve the endpoint): a local estimate, with a warning saying so
      (about 4 characters per token of the request's text, plus a fixed cost
      per media part). Google's ``NOT_FOUND`` ("models/x is not found ...")
      names a real missing resource and raises :class:`NotFoundError`.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

from langchain_cometgemini._client import GeminiHTTP
from langchain_cometgemini._fetch import MediaPolicy, resolve_media
from langchain_cometgemini.errors import CometGeminiError, InvalidResponseError

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
    except CometGeminiError as exc:
        if not lacks_endpoint(exc):
            raise
        warnings.warn(
            f"countTokens is not available ({exc}); returning a local estimate "
            "(about 4 characters per token).",
            UserWarning,
            stacklevel=3,
        )
        return estimate_tokens(body)
    return total_tokens(answer)


_MISSING_ENDPOINT = frozenset({404, 405, 501})


_GOOGLE_NOT_FOUND = re.compile(
    r"\b(?:models|tunedModels|cachedContents)/\S+ is not found"
)
"""Google's 404 for a resource it does not know (e.g. a misspelt model)."""


def lacks_endpoint(error: CometGeminiError) -> bool:
    """A gateway without ``:countTokens``, not Google's error for a resource.

    A 404 / 405 / 501 falls back, unless it is Google's "models/x is not
    found" (a real error: the model name is wrong). A non-JSON answer (a
    gateway's web page for an unknown path) falls back too; a JSON answer of
    the wrong shape does not.
    """
    if isinstance(error, InvalidResponseError):
        return error.status_code is not None and "expected a JSON object" in str(error)
    if error.status_code not in _MISSING_ENDPOINT:
        return False
    return not _GOOGLE_NOT_FOUND.search(error.message or "")


def total_tokens(answer: Any) -> int:
    """``totalTokens`` of a countTokens answer, checked (absent means 0)."""
    if not isinstance(answer, dict):
        msg = f"malformed countTokens answer: {type(answer).__name__}"
        raise InvalidResponseError(msg)
    value = answer.get("totalTokens", 0)
    if isinstance(value, float) and value.is_integer() and 0 <= value < 2**63:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"malformed countTokens answer: totalTokens is {value!r}"
        raise InvalidResponseError(msg)
    return value
