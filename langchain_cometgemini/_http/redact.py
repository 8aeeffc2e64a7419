"""Key redaction: errors, their cause chains, and log records of a call.

Flow::

    Redactor(headers)            the call's credentials -> the pieces to mask:
                                 each secret, its escaped forms (as ``repr``
                                 and a log line write them), and every
                                 8-character window of each
    with redactor.scope():       around every attempt of a call
        log records              a filter on the HTTP libraries' loggers,
                                 attached while at least one call runs, masks
                                 every record with the secrets of every call
                                 running
        CometGeminiError raised  fields masked (:func:`scrub`), and its cause
                                 chain replaced by one scrubbed
                                 :class:`UpstreamError` (the HTTP library's
                                 exception text may hold an echoed key)

Nothing is installed at import and no key outlives its call: a call's
secrets are masked while it runs (counted per set of credentials, no
per-call object or context variable), and the filter leaves the loggers when
the last call ends.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

from langchain_cometgemini.errors import CometGeminiError

__all__ = ["Redactor", "UpstreamError", "scrub", "secret_values"]

_WINDOW = 8
_INFO = logging.INFO
_USERINFO = re.compile(r"(\w+://)[^/\s@]+@")
_LIBRARIES = ("httpx", "httpx2", "httpcore", "httpcore2", "h11", "h2")
"""Roots of the loggers that may write what a server sent."""
_MODULE_LOGGERS = tuple(
    f"{root}{leaf}"
    for root in ("httpx", "httpx2", "httpcore", "httpcore2")
    for leaf in ("", ".connection", ".http11", ".http2", ".proxy", ".socks")
)
"""Named up front: a library module loaded during a first call logs at once."""


class UpstreamError(Exception):
    """An HTTP library's exception, kept as its type name and scrubbed text."""


def secret_values(headers: Mapping[str, str]) -> tuple[str, ...]:
    """The credentials among ``headers`` (to keep them out of error text)."""
    found = []
    for name, value in headers.items():
        if name.lower() == "x-goog-api-key":
            found.append(value)
        elif name.lower() == "authorization":
            found.append(value.partition(" ")[2] or value)
    return tuple(v for v in found if len(v) >= 4)


def _pieces(secrets: tuple[str, ...]) -> tuple[str, ...]:
    """Each secret in every written form, then its windows (longest first)."""
    forms: set[str] = set()
    for secret in secrets:
        forms |= {secret, repr(secret)[1:-1], repr(secret.encode())[2:-1]}
        forms.add(secret.replace("\\", "\\\\").replace("'", "\\'"))
    windows = {
        form[i : i + _WINDOW]
        for form in forms
        for i in range(max(0, len(form) - _WINDOW + 1))
    }
    return tuple(sorted(forms | windows, key=len, reverse=True))


def mask(text: str, pieces: tuple[str, ...]) -> str:
    """``text`` with every piece replaced by ``***`` and URL userinfo hidden."""
    for piece in pieces:
        if piece in text:
            text = text.replace(piece, "***")
    return _USERINFO.sub(r"\1***@", text) if "@" in text else text


def _mask_tree(value: Any, pieces: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return mask(value, pieces)
    if isinstance(value, list):
        return [_mask_tree(v, pieces) for v in value]
    if isinstance(value, dict):
        return {mask(str(k), pieces): _mask_tree(v, pieces) for k, v in value.items()}
    return value


def scrub(error: CometGeminiError, pieces: tuple[str, ...]) -> None:
    """Mask ``error``'s fields and replace its cause chain by a scrubbed copy.

    Covers the message, ``status``, ``details``, ``headers`` and
    ``request_id``; pieces catch an echo cut in half by an excerpt.
    """
    if pieces:
        error.message = mask(error.message, pieces)
        if error.status is not None:
            error.status = mask(error.status, pieces)
        if error.request_id is not None:
            error.request_id = mask(error.request_id, pieces)
        error.details = _mask_tree(error.details, pieces)
        error.headers = {k: mask(v, pieces) for k, v in error.headers.items()}
        error.args = (error._render(),)
    _cut_chain(error, pieces)


def _cut_chain(error: BaseException, pieces: tuple[str, ...]) -> None:
    """Replace the causes of ``error`` by one :class:`UpstreamError`."""
    cause = error.__cause__
    if cause is None and not error.__suppress_context__:
        cause = error.__context__
    if cause is not None and not isinstance(cause, UpstreamError):
        kind = f"{type(cause).__module__}.{type(cause).__qualname__}"
        error.__cause__ = UpstreamError(mask(f"{kind}: {cause}", pieces))
    error.__context__ = None
    error.__suppress_context__ = True


class Redactor:
    """The masking of one set of credentials (one per client settings)."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self.secrets = secret_values(headers)
        self.pieces = _pieces(self.secrets)

    def body(self, body: bytes) -> bytes:
        """An error body with each whole secret masked before any excerpt."""
        for secret in self.secrets:
            body = body.replace(secret.encode(), b"***")
        return body

    def scope(self) -> Redactor:
        """Mask log records and the package errors raised inside (``with``).

        The redactor is its own context manager (it keeps no state per
        call, so calls may nest and overlap): no object per call.
        """
        return self

    def __enter__(self) -> None:
        _FILTER.attach(self.pieces)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: Any
    ) -> None:
        if isinstance(error, CometGeminiError):
            scrub(error, self.pieces)
        _FILTER.detach(self.pieces)


class _CallFilter(logging.Filter):
    """Masks records emitted in a call's context; on the loggers only meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, ...], int] = {}
        """Running calls per set of pieces."""
        self._pieces: tuple[str, ...] = ()
        """Every running call's pieces, longest first (read without the lock)."""
        self._loggers: list[logging.Logger] = []

    def attach(self, pieces: tuple[str, ...]) -> None:
        with self._lock:
            running = self._calls.get(pieces, 0)
            self._calls[pieces] = running + 1
            if running:
                return
            self._pieces = _merged(self._calls)
            if len(self._calls) == 1:
                # a logger that cannot emit INFO or DEBUG writes no trace lines
                enabled = [g for g in _library_loggers() if g.isEnabledFor(_INFO)]
                self._loggers = enabled
                for found in enabled:
                    found.addFilter(self)

    def detach(self, pieces: tuple[str, ...]) -> None:
        with self._lock:
            running = self._calls.pop(pieces)
            if running > 1:
                self._calls[pieces] = running - 1
                return
            self._pieces = _merged(self._calls)
            if not self._calls:
                for found in self._loggers:
                    found.removeFilter(self)
                self._loggers = []

    def filter(self, record: logging.LogRecord) -> bool:
        pieces = self._pieces
        text = record.getMessage()
        masked = mask(text, pieces)
        if masked != text:
            record.msg, record.args = masked, None
        if record.exc_info and pieces:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask(formatted, pieces)
        return True


def _merged(calls: dict[tuple[str, ...], int]) -> tuple[str, ...]:
    """The pieces of every running call, longest first (one set: as it is)."""
    if len(calls) < 2:
        return next(iter(calls), ())
    return tuple(sorted({p for pieces in calls for p in pieces}, key=len, reverse=True))


_KNOWN: tuple[int, list[logging.Logger]] = (-1, [])
"""The library loggers, and how many loggers existed when they were listed."""


def _library_loggers() -> list[logging.Logger]:
    """The loggers of the HTTP libraries (loaded first: a first call loads them)."""
    global _KNOWN
    everyone = logging.Logger.manager.loggerDict
    if _KNOWN[0] != len(everyone):
        named = {logging.getLogger(name) for name in _MODULE_LOGGERS}
        found = named | {
            obj
            for name, obj in list(everyone.items())
            if name.partition(".")[0] in _LIBRARIES and isinstance(obj, logging.Logger)
        }
        _KNOWN = (len(everyone), list(found))
    return _KNOWN[1]


_FILTER = _CallFilter()
