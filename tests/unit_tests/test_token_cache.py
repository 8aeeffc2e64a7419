"""The token-count store (bounded, keyed by digests) and typed endpoint errors."""

from __future__ import annotations

import json
import threading

import pytest

from langchain_cometgemini._token_cache import MAX_COUNTS, TokenCounts, digest
from langchain_cometgemini.errors import (
    BadRequestError,
    CometGeminiError,
    InvalidResponseError,
    error_from_response,
)


def test_lru_is_bounded_and_keeps_recent_entries() -> None:
    store = TokenCounts()
    for i in range(MAX_COUNTS + 10):
        store.put(f"k{i}", i)
        if i == 5:
            assert store.get("k0") == 0  # k0 now recently used
    assert len(store) == MAX_COUNTS
    assert store.get("k1") is None  # evicted first
    assert store.get(f"k{MAX_COUNTS + 9}") == MAX_COUNTS + 9


def test_digest_depends_on_model_and_content_not_key_order() -> None:
    content = {"role": "user", "parts": [{"text": "hi"}]}
    same = {"parts": [{"text": "hi"}], "role": "user"}
    assert digest("content", "m", content) == digest("content", "m", same)
    assert digest("content", "m", content) != digest("content", "n", content)
    assert digest("content", "m", content) != digest("context", "m", content)
    assert "hi" not in digest("content", "m", content)


def test_concurrent_puts_stay_consistent() -> None:
    store = TokenCounts()

    def fill(offset: int) -> None:
        for i in range(2000):
            store.put(f"{offset}-{i}", i)
            store.get(f"{offset}-{i // 2}")

    threads = [threading.Thread(target=fill, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store) == MAX_COUNTS


@pytest.mark.parametrize(
    ("code", "message", "status", "missing"),
    [
        (404, "Method not found.", "NOT_FOUND", True),
        (404, "<html>404 page</html>", None, True),
        (405, "Method Not Allowed", None, True),
        (501, "Operation is not implemented.", "UNIMPLEMENTED", True),
        (404, "models/nope is not found for API version v1beta", "NOT_FOUND", False),
        (400, "Bad request.", "INVALID_ARGUMENT", False),
        (500, "internal", "INTERNAL", False),
    ],
)
def test_endpoint_missing_is_classified_by_the_error_table(
    code: int, message: str, status: str | None, missing: bool
) -> None:
    body = {"error": {"code": code, "message": message, "status": status}}
    error = error_from_response(code, json.dumps(body))
    assert error.endpoint_missing is missing


def test_missing_resource_names_the_resource() -> None:
    body = '{"error": {"code": 404, "message": "models/nope is not found for API'
    body += ' version v1beta", "status": "NOT_FOUND"}}'
    error = error_from_response(404, body)
    assert error.missing_resource == "models/nope"
    assert error_from_response(404, "Not Found").missing_resource is None
    assert BadRequestError("x", status_code=400).missing_resource is None


def test_invalid_response_endpoint_missing_only_for_a_page_instead_of_json() -> None:
    page = InvalidResponseError("expected a JSON object", status_code=200)
    assert page.endpoint_missing
    shape = InvalidResponseError("malformed countTokens answer: list")
    assert not shape.endpoint_missing
    redirect = InvalidResponseError("redirect", status_code=302)
    assert not redirect.endpoint_missing
    try:
        try:
            raise ValueError("truncated")
        except ValueError as exc:
            raise InvalidResponseError("cut short", status_code=200) from exc
    except CometGeminiError as cut:
        assert not cut.endpoint_missing
