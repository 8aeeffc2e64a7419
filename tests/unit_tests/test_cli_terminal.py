"""``cli.terminal``: the notice for a stdin pipe that stays open."""

from __future__ import annotations

import io
import os
import threading

import pytest

from langchain_cometgemini.cli import terminal


class Watched(io.StringIO):
    """A stderr that is a terminal and says when something was written."""

    def __init__(self) -> None:
        super().__init__()
        self.shown = threading.Event()

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        written = super().write(text)
        self.shown.set()
        return written


def test_a_pipe_that_stays_open_is_announced_then_read_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(terminal, "STDIN_NOTICE_DELAY", 0.01)
    read_fd, write_fd = os.pipe()
    err = Watched()

    def writer() -> None:
        err.shown.wait(60)  # the notice first, then the text and the end
        os.write(write_fd, b"late text\n")
        os.close(write_fd)

    thread = threading.Thread(target=writer)
    thread.start()
    with os.fdopen(read_fd, encoding="utf-8") as stdin:
        text = terminal.read_stdin(stdin, err, "waiting for stdin; '< /dev/null'")
    thread.join()
    assert text == "late text\n"
    assert err.getvalue() == "waiting for stdin; '< /dev/null'\n"


def test_no_notice_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(terminal, "STDIN_NOTICE_DELAY", 0.0)
    err = io.StringIO()
    assert terminal.read_stdin(io.StringIO("piped"), err, "notice") == "piped"
    assert err.getvalue() == ""


@pytest.mark.parametrize(
    ("text", "line"),
    [("a\n  b\tc", "a b c"), ("x" * 400, "x" * 297 + "...")],
)
def test_one_line(text: str, line: str) -> None:
    assert terminal.one_line(text) == line


class TypedAtTheTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_notice_when_stdin_is_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terminal, "STDIN_NOTICE_DELAY", 0.0)
    err = Watched()
    typed = TypedAtTheTerminal("typed")
    assert terminal.read_stdin(typed, err, "notice") == "typed"
    assert err.getvalue() == ""
