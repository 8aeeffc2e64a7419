"""What both commands need to know of the terminal.

``isatty`` and ``use_color`` (colour only on a terminal, never with
``NO_COLOR``), ``one_line`` (an error detail on one capped line) and
``read_stdin``: read a pipe to its end, and when the pipe stays open while
stderr is a terminal, say after a moment what the command is waiting for and
how to skip it (``< /dev/null``), so that it never looks hung.
``ignore_further_interrupts``: once a command is interrupted, its exit is 130
whatever Ctrl-C or SIGTERM follows.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from typing import IO, Any, AnyStr

STDIN_NOTICE_DELAY = 2.0
"""Seconds a pipe may stay silent before the stdin notice is shown."""


def isatty(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (False for a closed or fake stream)."""
    check = getattr(stream, "isatty", None)
    try:
        return bool(check and check())
    except ValueError:  # a closed stream
        return False


def use_color(stream: Any) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set."""
    return isatty(stream) and not os.environ.get("NO_COLOR")


def one_line(text: str, limit: int = 300) -> str:
    """``text`` with its whitespace collapsed, cut to ``limit`` characters."""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_stdin(stdin: IO[AnyStr], err: IO[str] | None, notice: str) -> AnyStr:
    """Return all of ``stdin``; show ``notice`` on ``err`` if a pipe keeps it waiting.

    The notice is shown only when stdin is not a terminal (someone typing
    knows), ``err`` is one (someone is watching), and the pipe has not ended
    after :data:`STDIN_NOTICE_DELAY` seconds.
    """
    if err is None or not isatty(err) or isatty(stdin):
        return stdin.read()

    def warn() -> None:
        err.write(notice + "\n")
        err.flush()

    timer = threading.Timer(STDIN_NOTICE_DELAY, warn)
    timer.daemon = True
    timer.start()
    try:
        return stdin.read()
    finally:
        timer.cancel()


def ignore_further_interrupts() -> None:
    """Ignore further Ctrl-C and SIGTERM: the command was interrupted and reports it.

    It exits 130 in a moment; a second signal while it reports, or while
    Python shuts down (where the default actions are back and would kill the
    process by the signal instead), changes nothing. Only the main thread can
    set a signal handler; elsewhere this does nothing.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def json_text(value: Any, indent: int | None = None) -> str:
    r"""``value`` as JSON: readable UTF-8 when UTF-8 can carry it.

    A lone surrogate (``"\ud800"`` in an id or an answer) cannot be written as
    UTF-8; the text is then ``\uXXXX``-escaped, which reads back as the same
    value, so nothing billed is lost to an encoding error.
    """
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, indent=indent, default=str)
    return text
