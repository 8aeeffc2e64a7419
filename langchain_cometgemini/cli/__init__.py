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

import signal
import sys
import threading

from langchain_cometgemini.cli import options


def main(argv: list[str] | None = None) -> int:
    """Run the ``cometgemini`` command; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["batch"]:
        batch_args = options.parse_batch(argv[1:])
        from langchain_cometgemini.cli import batch

        return _settled(batch.run(batch_args))
    chat_args = options.parse_chat(argv)
    from langchain_cometgemini.cli import chat

    return _settled(chat.run(chat_args))


def _settled(code: int) -> int:
    """Return ``code``; once interrupted, a further Ctrl-C cannot change it.

    After the command has returned 130, Python still shuts down (threads,
    modules, and at the very end the default SIGINT action is back): a second
    Ctrl-C there would kill the process by the signal instead of exit 130. The
    command is over, so further Ctrl-C are ignored while Python winds down.
    """
    main_thread = threading.current_thread() is threading.main_thread()
    if code == options.EXIT_INTERRUPTED and main_thread:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code
