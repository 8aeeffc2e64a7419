"""``modelStatus`` warnings (once per model) and the retired-model 404."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_cometgemini._wire import model_status
from langchain_cometgemini._wire.profiles import FAMILIES
from langchain_cometgemini.errors import (
    ModelRetiredError,
    ModelStatusWarning,
    NotFoundError,
    error_from_response,
)

DEPRECATED = {
    "model_status": {
        "model_stage": "DEPRECATED",
        "retirement_time": "2026-06-01T00:00:00Z",
        "message": "Use gemini-3-flash-preview.",
    }
}


@pytest.fixture(autouse=True)
def fresh_warnings() -> Iterator[None]:
    model_status.forget_warnings()
    yield
    model_status.forget_warnings()


def _warnings(*calls: tuple[str, dict[str, Any]]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for model, metadata in calls:
            model_status.check(model, metadata)
    assert all(w.category is ModelStatusWarning for w in caught)
    return [str(w.message) for w in caught]


def test_a_deprecated_model_warns_once_with_its_date() -> None:
    texts = _warnings(
        ("gemini-2.0-flash", DEPRECATED), ("gemini-2.0-flash", DEPRECATED)
    )
    assert texts == [
        "Gemini model 'gemini-2.0-flash' is DEPRECATED; its retirement time is "
        "2026-06-01T00:00:00Z. Gemini's message: Use gemini-3-flash-preview. "
        "Move to a newer model (this warning is shown once per model)."
    ]


def test_each_model_warns_once() -> None:
    texts = _warnings(
        ("gemini-2.0-flash", DEPRECATED),
        ("gemini-2.5-flash", DEPRECATED),
        ("gemini-2.0-flash", DEPRECATED),
        ("gemini-2.5-flash", DEPRECATED),
    )
    assert [t.split("'")[1] for t in texts] == ["gemini-2.0-flash", "gemini-2.5-flash"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ({"model_stage": "STABLE"}, None),
        ({"model_stage": "PREVIEW"}, None),
        ({}, None),
        ({"model_stage": "LEGACY"}, "is LEGACY."),
        ({"model_stage": "RETIRED"}, "is RETIRED."),
        (
            {"model_stage": "PREVIEW", "retirement_time": "2026-09-01T00:00:00Z"},
            "is PREVIEW; its retirement time is 2026-09-01T00:00:00Z.",
        ),
        (
            {"retirementTime": "2026-09-01T00:00:00Z"},
            "has a retirement date; its retirement time is 2026-09-01T00:00:00Z.",
        ),
    ],
)
def test_which_statuses_warn(status: dict[str, Any], expected: str | None) -> None:
    texts = _warnings(("gemini-x", {"model_status": status}))
    if expected is None:
        assert texts == []
    else:
        assert len(texts) == 1
        assert texts[0].startswith(f"Gemini model 'gemini-x' {expected}")


def test_no_status_or_a_malformed_one_is_silent() -> None:
    assert _warnings(("m", {}), ("m", {"model_status": "DEPRECATED"})) == []


def _not_found(message: str) -> NotFoundError:
    body = (
        f'{{"error": {{"code": 404, "message": "{message}", "status": "NOT_FOUND"}}}}'
    )
    error = error_from_response(404, body, headers={"x-request-id": "r-1"})
    assert isinstance(error, NotFoundError)
    return error


def test_a_404_for_the_model_names_the_known_families() -> None:
    error = _not_found(
        "models/gemini-1.5-pro is not found for API version v1beta, or is not "
        "supported for generateContent."
    )
    retired = model_status.retired_model_error(error, "gemini-1.5-pro")
    assert isinstance(retired, ModelRetiredError)
    assert isinstance(retired, NotFoundError)
    assert retired.model == "gemini-1.5-pro"
    assert retired.known_models == tuple(sorted(FAMILIES))
    assert (retired.status_code, retired.status, retired.request_id) == (
        404,
        "NOT_FOUND",
        "r-1",
    )
    assert retired.missing_resource == "models/gemini-1.5-pro"
    text = str(retired)
    assert (
        "'gemini-1.5-pro': it was retired or renamed (or the name is misspelt)" in text
    )
    assert "Closest: gemini-2.5-pro" in text
    assert "gemini-3-flash" in text


def test_another_404_is_left_alone() -> None:
    error = _not_found("The requested URL was not found on this server.")
    assert model_status.retired_model_error(error, "gemini-2.5-flash") is None
    files = _not_found("files/abc is not found.")
    assert model_status.retired_model_error(files, "gemini-2.5-flash") is None


def test_a_model_named_with_its_prefix_is_the_same_model() -> None:
    texts = _warnings(
        ("models/gemini-2.0-flash", DEPRECATED), ("gemini-2.0-flash", DEPRECATED)
    )
    assert len(texts) == 1
    assert texts[0].startswith("Gemini model 'gemini-2.0-flash' is DEPRECATED")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_once_per_process_means_a_forked_child_warns_again() -> None:
    assert len(_warnings(("gemini-2.0-flash", DEPRECATED))) == 1
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        pid = os.fork()
    if pid == 0:  # the child: its own process, its own "once"
        os.close(read)
        try:
            count = len(_warnings(("gemini-2.0-flash", DEPRECATED)))
            os.write(write, str(count).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        told = pipe.read()
    os.waitpid(pid, 0)
    assert told == "1"
    assert _warnings(("gemini-2.0-flash", DEPRECATED)) == []  # the parent: once
