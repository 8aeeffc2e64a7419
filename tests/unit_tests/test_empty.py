"""What an answer without content is, why, and the texts and errors for it."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.exceptions import ModelAPIError, ModelRefusalError
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_cometgemini._empty import AnswerPolicy, _shifted
from langchain_cometgemini._wire import empty
from langchain_cometgemini.errors import (
    AnswerFailedError,
    AnswerRefusedError,
    CometGeminiError,
    EmptyAnswerError,
    EmptyAnswerWarning,
    ModelRetiredError,
    NotFoundError,
    error_from_response,
)

DATA = Path(__file__).resolve().parents[1] / "data"
README = Path(__file__).resolve().parents[2] / "README.md"
GENAI = DATA / "enums.google_genai_3.6.1.json"


@pytest.fixture(autouse=True)
def fresh_warnings() -> Iterator[None]:
    empty.forget_warnings()
    yield
    empty.forget_warnings()


def _documented_reasons() -> set[str]:
    enums = json.loads((DATA / "enums.discovery.json").read_text())
    return set(enums["Candidate.finishReason"])


def test_every_documented_finish_reason_has_a_meaning() -> None:
    assert _documented_reasons() <= set(empty.REASONS)


def test_every_google_genai_finish_reason_has_a_meaning() -> None:
    enums = json.loads(GENAI.read_text())["enums"]
    assert set(enums["FinishReason"]) <= set(empty.REASONS)


def test_only_three_reasons_are_asked_again() -> None:
    retried = {name for name, r in empty.REASONS.items() if r.kind == "retry"}
    assert retried == {"STOP", "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"}


def test_the_readme_table_lists_every_reason_with_its_policy() -> None:
    rows = {}
    for line in README.read_text().splitlines():
        match = re.match(r"\|\s*`([A-Z_]+)`[^|]*\|(.*)", line)
        if match and match.group(1) in empty.REASONS:
            rows[match.group(1)] = match.group(2)
    assert set(rows) == set(empty.REASONS)
    for name, row in rows.items():
        asked_again = "asks again" in row
        assert asked_again == (empty.REASONS[name].kind == "retry"), name


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (AIMessage(""), False),
        (AIMessage("  \n"), False),
        (AIMessage("Hi"), True),
        (AIMessage([{"type": "thinking", "thinking": "hmm"}]), False),
        (AIMessage([{"type": "reasoning", "reasoning": "hmm"}]), False),
        (AIMessage([{"type": "text", "text": " "}]), False),
        (AIMessage([{"type": "text", "text": "ok"}]), True),
        (AIMessage(["", " "]), False),
        (AIMessage(["ok"]), True),
        (AIMessage([{"type": "image_url", "image_url": {"url": "data:,"}}]), True),
        (AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "1"}]), True),
        (
            AIMessageChunk(content="", tool_call_chunks=[{"name": None, "index": 0}]),
            False,
        ),
        (
            AIMessageChunk(content="", tool_call_chunks=[{"name": "f", "index": 0}]),
            True,
        ),
    ],
)
def test_what_counts_as_content(message: AIMessage, expected: bool) -> None:
    assert empty.has_content(message) is expected


def test_a_malformed_call_is_explained_with_the_broken_call() -> None:
    found = empty.verdict(
        {
            "finish_reason": "MALFORMED_FUNCTION_CALL",
            "finish_message": "Malformed function call: print(f(x=))",
        }
    )
    assert found.retryable
    assert found.explanation.startswith(
        "Gemini returned no usable content (MALFORMED_FUNCTION_CALL): the model "
        "wrote a function call that is not valid"
    )
    assert found.explanation.endswith(
        "Gemini's message: Malformed function call: print(f(x=))"
    )


def test_a_blocked_prompt_is_a_refusal_whatever_its_reason() -> None:
    found = empty.verdict(
        {"finish_reason": "OTHER", "prompt_feedback": {"block_reason": "OTHER"}}
    )
    assert found.blocked_prompt
    assert found.label == "prompt blocked: OTHER"
    assert not found.retryable
    error = found.error(AIMessage(""), None, None)
    assert isinstance(error, AnswerRefusedError)
    assert error.blocked_prompt


def test_an_unknown_reason_is_named_and_never_asked_again() -> None:
    found = empty.verdict({"finish_reason": "SOMETHING_NEW"})
    assert not found.retryable
    assert "SOMETHING_NEW, a reason new to this package" in found.explanation
    assert empty.verdict({}).reason == "FINISH_REASON_UNSPECIFIED"


@pytest.mark.parametrize("reason", sorted(empty.REASONS))
def test_each_reason_raises_the_fitting_error(reason: str) -> None:
    answer = AIMessage("")
    usage = {"input_tokens": 3, "output_tokens": 0, "total_tokens": 3}
    candidate = {"finishReason": reason}
    error = empty.verdict({"finish_reason": reason, "finish_message": "m"}).error(
        answer, usage, candidate
    )
    refused = empty.REASONS[reason].kind == "refused"
    assert isinstance(error, AnswerRefusedError if refused else AnswerFailedError)
    assert isinstance(error, ModelRefusalError if refused else ModelAPIError)
    assert isinstance(error, EmptyAnswerError)
    assert isinstance(error, CometGeminiError)
    assert (error.finish_reason, error.finish_message) == (reason, "m")
    assert error.usage_metadata == usage
    assert error.candidate == candidate
    assert error.raw_message is answer
    assert error.is_retryable == (empty.REASONS[reason].kind == "retry")
    assert str(error).startswith(f"Gemini returned no usable content ({reason})")


def test_the_warning_is_shown_once_per_reason() -> None:
    malformed = empty.verdict({"finish_reason": "MALFORMED_FUNCTION_CALL"})
    stop = empty.verdict({"finish_reason": "STOP"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for found in (malformed, stop, malformed, stop, malformed):
            found.warn()
    assert [w.category for w in caught] == [EmptyAnswerWarning] * 2
    texts = [str(w.message) for w in caught]
    assert texts[0].startswith(malformed.explanation)
    assert texts[1].startswith(stop.explanation)
    assert all("once per finish reason" in t for t in texts)


class _Fields:
    on_empty_answer = "return"
    max_empty_retries = 1
    model = "gemini-2.5-flash"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"on_empty_answer": "ignore"}, ValueError),
        ({"max_empty_retries": -1}, ValueError),
        ({"max_empty_retries": 1.5}, TypeError),
        ({"max_empty_retries": True}, TypeError),
    ],
)
def test_a_bad_policy_argument_is_refused(
    kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error, match="on_empty_answer|max_empty_retries"):
        AnswerPolicy.pop(dict(kwargs), _Fields())


def test_the_policy_arguments_are_taken_out_of_the_call() -> None:
    kwargs: dict[str, object] = {
        "on_empty_answer": "retry",
        "max_empty_retries": 3,
        "model": "gemini-3-flash-preview",
        "temperature": 0,
    }
    policy = AnswerPolicy.pop(kwargs, _Fields())
    assert (policy.mode, policy.retries, policy.model) == (
        "retry",
        3,
        "gemini-3-flash-preview",
    )
    assert kwargs == {"model": "gemini-3-flash-preview", "temperature": 0}
    assert AnswerPolicy.pop({"max_empty_retries": 3}, _Fields()).retries == 0


def test_a_later_attempt_continues_the_block_and_call_indices() -> None:
    message = AIMessageChunk(
        content=[{"type": "text", "text": "a", "index": 0}, "x"],
        tool_call_chunks=[{"name": "f", "args": "{}", "id": "1", "index": 0}],
    )
    moved = _shifted(ChatGenerationChunk(message=message), 2, 1).message
    assert isinstance(moved, AIMessageChunk)
    assert moved.content == [{"type": "text", "text": "a", "index": 2}, "x"]
    assert [c["index"] for c in moved.tool_call_chunks] == [1]
    assert message.content[0] == {"type": "text", "text": "a", "index": 0}


def test_the_warning_ends_gemini_s_message_before_its_own_sentence() -> None:
    cut = empty.verdict(
        {
            "finish_reason": "MALFORMED_FUNCTION_CALL",
            "finish_message": "Malformed function call: Person(name=",
        }
    )
    empty.forget_warnings()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cut.warn()
    (warning,) = caught
    assert "Person(name=. The empty answer is returned" in str(warning.message)


def _not_found(message: str) -> NotFoundError:
    body = json.dumps(
        {"error": {"code": 404, "message": message, "status": "NOT_FOUND"}}
    )
    error = error_from_response(404, body.encode(), headers={})
    assert isinstance(error, NotFoundError)
    return error


@pytest.mark.parametrize("api", ["generate", "stream"])
def test_a_404_for_the_model_becomes_model_retired_caused_by_it(api: str) -> None:
    error = _not_found("models/gemini-1.5-pro is not found for API version v1beta.")
    policy = AnswerPolicy("return", 0, "gemini-1.5-pro")

    def attempt(found: NotFoundError) -> Any:
        raise found

    with pytest.raises(ModelRetiredError) as info:
        if api == "generate":
            policy.generate(attempt, error)
        else:
            list(policy.stream(attempt, error))
    assert info.value.__cause__ is error
    assert info.value.__suppress_context__


def test_another_404_passes_unchanged() -> None:
    error = _not_found("cachedContents/abc is not found.")

    def attempt() -> Any:
        raise error

    with pytest.raises(NotFoundError) as info:
        AnswerPolicy("return", 0, "gemini-2.5-flash").generate(attempt)
    assert info.value is error
    assert not isinstance(info.value, ModelRetiredError)
