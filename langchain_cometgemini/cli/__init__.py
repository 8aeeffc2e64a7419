"""``cometgemini``: ask Gemini through CometAPI from the terminal.

Flow::

    main(argv)
      -> options.parse_chat / parse_batch   the command line (no LangChain loaded:
                                            --help and --version answer at once)
      -> chat.run(args)                     one prompt, the answer streamed
         batch.run(args)                    ``cometgemini batch``: a JSONL file
                                            of prompts -> a JSONL file of answers

Modules: ``options`` (both command lines, the model options they share),
``terminal`` (terminal checks, the stdin notice), ``backend`` (CometAPI or the
built-in emulator), ``chat``, ``batch`` with ``jobs`` (its input and output
files) and ``progress``. ``chat`` and ``batch`` never import each other.
The package is used through its public API (the chat model, its errors, the
emulator of :mod:`langchain_cometgemini.testing`), plus two light internals:
the default model's name and the MIME sniffer media blocks use.
"""

from __future__ import annotations

import sys
import warnings
from typing import TextIO

from langchain_cometgemini.cli import options


def main(argv: list[str] | None = None) -> int:
    """Run the ``cometgemini`` command; return the exit status.

    Warnings (a model being retired, ...) are one ``cometgemini: warning:``
    line each on stderr, not Python's file and source line.
    """
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        return _dispatch(sys.argv[1:] if argv is None else list(argv))


def _one_line_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    text = " ".join(str(message).split())
    (file or sys.stderr).write(f"{options.PROG}: warning: {text}\n")


def _dispatch(argv: list[str]) -> int:
    if argv[:1] == ["batch"]:
        batch_args = options.parse_batch(argv[1:])
        from langchain_cometgemini.cli import batch

        return batch.run(batch_args)
    chat_args = options.parse_chat(argv)
    from langchain_cometgemini.cli import chat

    return chat.run(chat_args)
