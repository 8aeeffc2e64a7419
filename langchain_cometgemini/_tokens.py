"""Token counting with ``:countTokens``, cheap when the same contents recur.

Flow::

    count_tokens(http, model, body, policy=None)
      the engine's TokenCounts (_token_cache.py) knows this exact request -> it
      else split the request: its contents, and the rest (system instruction,
      tools, config: the "context")
        context seen for the first time -> ONE exact request for the whole body
            (its total is the answer, and is kept, pending)
        context seen before -> every content not counted yet is counted alone
            (one request each, up to 4 at a time, once per content ever); the
            context's overhead = its pending total - the sum of that request's
            contents; answer = overhead + sum of this request's contents
      each request: media URLs resolved like generateContent's (with a
      policy), POST models/{model}:countTokens {"generateContentRequest": ...},
      totalTokens checked (a non-negative integer, else InvalidResponseError)
      on an error whose ``endpoint_missing`` is true (errors.py: a 404 / 405 /
      501 that names no missing resource, or a 2xx web page instead of JSON:
      a gateway that does not serve the endpoint): a local estimate, with a
      warning saying so (about 4 characters per token of the request's text,
      plus a fixed cost per media part), and the model is remembered as
      unserved (no more requests). Google's ``NOT_FOUND`` ("models/x is not
      found ...", ``missing_resource``) is a real error: it raises.
      a content the server refuses to count alone (400): the whole request is
      counted as one, exactly.

What is exact: the first count of a context, and every count on a server
whose countTokens is additive over contents (the sum of the contents' counts
plus a fixed overhead for the system instruction and tools), which the
emulator is and Gemini is as far as we know. Should a server add a constant
``c`` per request, a list of ``k`` contents counted after a first list of
``k0`` is off by ``(k - k0) * c`` tokens. ``trim_messages(history,
token_counter=llm)`` thus costs one request per content not seen before, plus
one per new system prompt / tool set; a repeated trim costs none.
"""

from __future__ import annotations

import json
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from langchain_cometgemini._http.client import GeminiHTTP
from langchain_cometgemini._http.fetch import MediaPolicy
from langchain_cometgemini._token_cache import TokenCounts, counts_for, digest
from langchain_cometgemini._wire.media_urls import inline_downloads, media_urls
from langchain_cometgemini.errors import (
    BadRequestError,
    CometGeminiError,
    InvalidResponseError,
)

_WORKERS = 4
"""Concurrent countTokens requests when several contents are new."""

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
    """The request's token count: from what this engine has learnt, else the API.

    Falls back to :func:`estimate_tokens` (with a warning) when the server has
    no such endpoint, and remembers that for ``model``. With a media
    ``policy``, media URLs are resolved first exactly as for
    ``generateContent`` (so downloaded media are counted as sent).
    """
    counts = counts_for(http)
    if counts.unserved(model):
        return _estimated(body, "the server does not serve it")
    try:
        return _cached_count(counts, http, model, body, policy)
    except CometGeminiError as exc:
        if not exc.endpoint_missing:
            raise
        counts.mark_unserved(model)
        return _estimated(body, str(exc))


def _estimated(body: dict[str, Any], reason: str) -> int:
    warnings.warn(
        f"countTokens is not available ({reason}); returning a local estimate "
        "(about 4 characters per token).",
        UserWarning,
        stacklevel=4,
    )
    return estimate_tokens(body)


def _cached_count(
    counts: TokenCounts,
    http: GeminiHTTP,
    model: str,
    body: dict[str, Any],
    policy: MediaPolicy | None,
) -> int:
    whole = digest("request", model, body)
    known = counts.get(whole)
    if known is not None:
        return known
    total = _from_parts(counts, http, model, body, policy)
    counts.put(whole, total)
    return total


def _from_parts(
    counts: TokenCounts,
    http: GeminiHTTP,
    model: str,
    body: dict[str, Any],
    policy: MediaPolicy | None,
) -> int:
    """Sum of the contents' counts + the context's overhead (see module doc)."""
    contents = list(body.get("contents") or [])
    keys = [digest("content", model, c) for c in contents]
    rest = {k: v for k, v in body.items() if k != "contents"}
    context = digest("context", model, rest)
    overhead = counts.get(context)
    pending = counts.pop_pending(context) if overhead is None else None
    if overhead is None and pending is None:  # a new context: one exact count
        total = ask(http, model, body, policy)
        counts.set_pending(context, (keys, contents, total))
        return total
    units = list(zip(keys, contents, strict=True))
    if pending is not None:
        units += list(zip(pending[0], pending[1], strict=True))
    try:
        learnt = _content_counts(counts, http, model, units, policy)
    except BadRequestError:  # a content the server will not count alone
        return ask(http, model, body, policy)
    if pending is not None:  # the context's overhead, worked out once
        overhead = pending[2] - sum(learnt[k] for k in pending[0])
        counts.put(context, overhead)
    return max(0, (overhead or 0) + sum(learnt[k] for k in keys))


def _content_counts(
    counts: TokenCounts,
    http: GeminiHTTP,
    model: str,
    units: list[tuple[str, dict[str, Any]]],
    policy: MediaPolicy | None,
) -> dict[str, int]:
    """Each content's count: cached, or asked once (new ones concurrently)."""
    learnt: dict[str, int] = {}
    new: dict[str, dict[str, Any]] = {}
    for key, content in units:
        value = counts.get(key)
        if value is not None:
            learnt[key] = value
        else:
            new[key] = content
    if len(new) == 1:
        ((key, content),) = new.items()
        learnt[key] = ask(http, model, {"contents": [content]}, policy)
    elif new:
        with ThreadPoolExecutor(min(_WORKERS, len(new))) as pool:
            answers = pool.map(
                lambda c: ask(http, model, {"contents": [c]}, policy), new.values()
            )
            learnt.update(zip(new, answers, strict=True))
    for key in new:
        counts.put(key, learnt[key])
    return learnt


def ask(
    http: GeminiHTTP,
    model: str,
    body: dict[str, Any],
    policy: MediaPolicy | None = None,
) -> int:
    """One ``:countTokens`` request for ``body`` (media resolved with ``policy``)."""
    urls = media_urls(body, policy.mode) if policy is not None else []
    if urls and policy is not None:
        body = inline_downloads(body, http.fetch_media(urls, policy))
    answer = http.count_tokens(model, count_request(model, body))
    return total_tokens(answer)


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
