"""Key redaction: the pieces masked, error chains cut, loggers touched only in calls."""

from __future__ import annotations

import logging

import pytest

from langchain_cometgemini import errors as e
from langchain_cometgemini._http import inputs as c
from langchain_cometgemini._http import redact as r

KEY = "key-12345678\\'9"


def test_secret_values_from_either_auth_header() -> None:
    plain = c.build_headers("key-12345678", bearer=False, extra=None)
    bearer = c.build_headers("key-12345678", bearer=True, extra=None)
    assert r.secret_values(plain) == ("key-12345678",)
    assert r.secret_values(bearer) == ("key-12345678",)


def test_scrub_masks_message_args_and_details() -> None:
    error = e.error_from_event(
        {
            "code": 400,
            "message": "bad key key-12345678",
            "details": [{"k": "key-12345678"}],
        }
    )
    redactor = r.Redactor({"x-goog-api-key": "key-12345678"})
    r.scrub(error, redactor.pieces)
    assert "key-12345678" not in str(error)
    assert "key-12345678" not in repr(error.details)
    assert error.message.endswith("bad key ***")
    untouched = e.APIConnectionError("refused")
    r.scrub(untouched, redactor.pieces)
    assert str(untouched) == "refused"


def test_a_cause_is_replaced_by_its_scrubbed_text() -> None:
    redactor = r.Redactor({"x-goog-api-key": KEY})
    try:
        try:
            raise OSError(f"echo {KEY!r} and {KEY[:9]}")
        except OSError as exc:
            raise e.APIConnectionError("failed") from exc
    except e.APIConnectionError as err:
        r.scrub(err, redactor.pieces)
        cause = err.__cause__
    assert isinstance(cause, r.UpstreamError)
    assert str(cause).startswith("builtins.OSError: echo ")
    assert "12345678" not in str(cause)
    assert cause.__cause__ is None and cause.__context__ is None


def test_the_log_filter_is_on_library_loggers_only_during_a_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, "httpcore2")
    logger = logging.getLogger("httpcore2.http11")
    redactor = r.Redactor({"x-goog-api-key": KEY})
    assert r._FILTER not in logger.filters
    with redactor.scope():
        assert r._FILTER in logger.filters
        record = logger.makeRecord(
            logger.name, logging.DEBUG, "f", 1, "got %r", (KEY,), None
        )
        r._FILTER.filter(record)
    assert r._FILTER not in logger.filters
    assert "12345678" not in record.getMessage()


def test_loggers_that_emit_no_trace_get_no_filter() -> None:
    logger = logging.getLogger("httpcore2.http11")
    assert not logger.isEnabledFor(logging.INFO)  # the default: WARNING
    with r.Redactor({"x-goog-api-key": KEY}).scope():
        assert r._FILTER not in logger.filters


def test_a_record_outside_any_call_is_left_as_it_is() -> None:
    record = logging.LogRecord("httpx2", logging.INFO, "f", 1, "%s", (KEY,), None)
    r._FILTER.filter(record)
    assert record.getMessage() == KEY


def test_overlapping_calls_mask_every_running_key_until_the_last_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, "httpcore2")
    logger = logging.getLogger("httpcore2.http11")
    other = "AIzaSy-another-tenant-987654"
    first, second = (
        r.Redactor({"x-goog-api-key": KEY}),
        r.Redactor({"authorization": f"Bearer {other}"}),
    )

    def logged(*values: str) -> str:
        record = logger.makeRecord(
            logger.name, logging.DEBUG, "f", 1, "sent %s %s", values, None
        )
        r._FILTER.filter(record)
        return record.getMessage()

    with first.scope():
        with second.scope(), first.scope():  # overlapping, and the same key twice
            text = logged(KEY, other)
            assert KEY[4:12] not in text and other[4:12] not in text
        assert r._FILTER in logger.filters
        assert KEY[4:12] not in logged(KEY, "-")
        assert other in logged(other, "-")  # its call ended: nothing of it kept
    assert r._FILTER not in logger.filters
    assert logged(KEY, other) == f"sent {KEY} {other}"
