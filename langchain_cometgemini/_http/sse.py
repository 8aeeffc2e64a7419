"""Server-sent events, decoded as the specification says, into JSON events.

Flow of one stream::

    response bytes (any chunking) -> SSEDecoder.feed -> event data strings
        -> StreamCheck.accept          (a JSON object, or an error event raised)
    SSEDecoder.finish                  (raises if the bytes end inside a
                                        character or an event)

Whether Gemini said it finished is the answer decoder's rule, not this
layer's (``_wire/decode.py``'s ``check_end``).

The decoder follows the WHATWG ``text/event-stream`` rules, whatever the
server's ``Content-Type`` charset says: the stream is UTF-8 (invalid bytes are
an :class:`InvalidResponseError`, never U+FFFD), one leading BOM is dropped,
lines end in CRLF, LF or CR, ``:`` lines are comments, a block is dispatched at
a blank line only when its ``data`` is not empty, and a block the stream ends
in the middle of is a :class:`StreamInterruptedError` (an event was lost).
``event``, ``id`` and ``retry`` fields are read and ignored (Gemini does not use them).

Why not ``httpx-sse``: its 0.4.3 drops a first event behind a UTF-8 BOM,
decodes by the ``Content-Type`` charset, and yields an event for a block with
no data or an empty ``data:`` (``tests/http/test_sse_library.py`` shows each
on the bare library, so the day it changes upstream that test says so).
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from langchain_cometgemini._json import loads
from langchain_cometgemini.errors import (
    InvalidResponseError,
    StreamInterruptedError,
    error_from_event,
    excerpt,
)

_BOM = "\ufeff"
_LINE_BREAK = re.compile("\r\n|\r|\n")
"""SSE line ends only (not ``str.splitlines``' U+2028 and friends)."""


class SSEDecoder:
    """Bytes in, the ``data`` of each complete event out."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self._pending = ""  # text after the last line break
        self._data: list[str] = []
        self._started = False
        self._cr = False  # the last chunk ended in CR (its LF may follow)

    def feed(self, chunk: bytes) -> list[str]:
        """The data of every event completed by ``chunk``."""
        try:
            text = self._utf8.decode(chunk)
        except UnicodeDecodeError as exc:
            msg = f"stream from {self._url} is not valid UTF-8 ({exc.reason})"
            raise InvalidResponseError(msg) from None
        if not self._started and text:
            self._started = True
            text = text.removeprefix(_BOM)
        if self._cr and text.startswith("\n"):
            text = text[1:]
        self._cr = text.endswith("\r")
        *lines, self._pending = _LINE_BREAK.split(self._pending + text)
        found: list[str] = []
        data = self._data
        for line in lines:
            if not line:  # a blank line ends the block
                if data:
                    joined = "\n".join(data)
                    data.clear()
                    if joined:  # an empty ``data:`` carries nothing
                        found.append(joined)
            elif line[0] != ":":  # not a comment
                name, _, value = line.partition(":")
                if name == "data":
                    data.append(value.removeprefix(" "))
        return found

    def finish(self) -> None:
        """Check the end of the bytes: a cut character or event is an error.

        An event the connection closed in the middle of (``data`` not yet
        ended by a blank line) was lost: whatever came before it, the answer
        is incomplete.
        """
        try:
            self._utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            msg = f"stream from {self._url} ended inside a UTF-8 character"
            raise InvalidResponseError(msg) from None
        if self._data or (self._pending and not self._pending.startswith(":")):
            msg = f"stream from {self._url} ended inside an event: it was cut off"
            raise StreamInterruptedError(msg)


class StreamCheck:
    """Decodes each event's data into a JSON object, and counts the events."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events = 0

    def accept(self, data: str) -> dict[str, Any]:
        """Decode one event's ``data``; raise for error events and bad JSON."""
        try:
            event = loads(data)
        except ValueError:
            msg = f"malformed JSON in stream event from {self.url}: {excerpt(data)!r}"
            raise InvalidResponseError(msg) from None
        if not isinstance(event, dict):
            msg = f"unexpected stream event from {self.url}: {excerpt(data)!r}"
            raise InvalidResponseError(msg)
        if isinstance(event.get("error"), dict):
            raise error_from_event(event["error"])
        self.events += 1
        return event
