"""The one retry policy: what is tried again, and how long to wait first.

Retried: HTTP 408, 429, 500, 502, 503, 504 and CometAPI's 524, and connection
failures before any answer (refused, reset, dropped, connect timeouts). Never
retried: other 4xx, CometAPI's ``invalid_request`` answers (whatever their
status), read timeouts, anything after a success answer began (a stream's
head, a body cut short or undecodable: the model may have run and billed),
an answer head the HTTP parser refused, TLS verification failures, a proxy's
``407``, redirects and malformed answers (:func:`answered` marks the errors).

The server's delay (``Retry-After`` or ``RetryInfo.retryDelay``) wins over the
capped exponential backoff with jitter. :func:`with_retries` and
:func:`awith_retries` are the sync and async loops; they differ only in how
they sleep. Errors reach them already scrubbed of the key (see
``_client.GeminiHTTP``), so the retry log line never holds it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar, TypeVarTuple

from langchain_cometgemini.errors import APIConnectionError, CometGeminiError

logger = logging.getLogger("langchain_cometgemini._http.client")
"""The retry log keeps the logger name users already configure."""

T = TypeVar("T")
Args = TypeVarTuple("Args")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 524})
"""HTTP statuses worth another attempt (524 is CometAPI's gateway timeout)."""

DEFAULT_INITIAL_DELAY = 0.5
"""Backoff before the first retry, in seconds (doubled per attempt)."""
DEFAULT_MAX_DELAY = 8.0
"""Cap of the exponential backoff, in seconds."""
DEFAULT_MAX_SERVER_DELAY = 60.0
"""Longest server-requested wait honoured; a longer one is not waited for."""

_FINAL_TYPES = frozenset({"invalid_request", "invalid_request_error"})
"""CometAPI error ``type``s it documents as "do not retry"."""


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a failed request again.

    Attempt ``n`` (0-based) backs off ``min(max_delay, initial_delay * 2**n)``
    times a jitter factor in ``[0.5, 1)``; a server delay longer than
    ``max_server_delay`` is not waited for (the error is raised at once). The
    delay defaults are read from the module constants when a policy is built.
    """

    max_retries: int = 2
    initial_delay: float = field(default_factory=lambda: DEFAULT_INITIAL_DELAY)
    max_delay: float = field(default_factory=lambda: DEFAULT_MAX_DELAY)
    max_server_delay: float = field(default_factory=lambda: DEFAULT_MAX_SERVER_DELAY)

    def delay(self, error: CometGeminiError, attempt: int) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up."""
        if attempt >= self.max_retries or not is_retryable(error):
            return None
        if error.retry_after is not None:
            hinted = max(0.0, error.retry_after)
            return hinted if hinted <= self.max_server_delay else None
        backoff: float = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return backoff * (0.5 + random.random() / 2)  # noqa: S311 (jitter)


_ANSWERED = "_cometgemini_answered"


def answered(error: CometGeminiError) -> CometGeminiError:
    """Mark ``error`` as raised after the server began an answer: never retried.

    Once a byte of a success answer (or any answer the HTTP parser refused)
    has arrived, the model may have run and billed; sending again could run
    it twice. Failures a retry cannot change (TLS verification, a proxy's
    ``407``) are marked the same way.
    """
    error.__dict__[_ANSWERED] = True
    return error


def is_retryable(error: CometGeminiError) -> bool:
    """Whether another attempt may succeed (server status or a broken connection)."""
    if error.__dict__.get(_ANSWERED):
        return False
    if error.status is not None and error.status.lower() in _FINAL_TYPES:
        return False
    if error.status_code is not None:
        return error.status_code in RETRY_STATUSES
    return isinstance(error, APIConnectionError)


def with_retries(policy: RetryPolicy, send: Callable[[*Args], T], *args: *Args) -> T:
    """Call ``send(*args)`` until it succeeds or the policy gives up.

    The arguments are passed, not closed over: no closure per request.
    """
    attempt = 0
    while True:
        try:
            return send(*args)
        except CometGeminiError as err:
            wait = policy.delay(err, attempt)
            if wait is None:
                raise
            _log_retry(err, attempt, wait)
        time.sleep(wait)
        attempt += 1


async def awith_retries(
    policy: RetryPolicy,
    send: Callable[[*Args], Awaitable[T]],
    *args: *Args,
) -> T:
    """Async :func:`with_retries`."""
    attempt = 0
    while True:
        try:
            return await send(*args)
        except CometGeminiError as err:
            wait = policy.delay(err, attempt)
            if wait is None:
                raise
            _log_retry(err, attempt, wait)
        await asyncio.sleep(wait)
        attempt += 1


def _log_retry(err: CometGeminiError, attempt: int, wait: float) -> None:
    logger.info("Retrying in %.2fs (attempt %d) after: %s", wait, attempt + 2, err)
