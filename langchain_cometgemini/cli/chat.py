"""``cometgemini PROMPT``: one prompt, the answer streamed to the terminal.

Flow::

    run(args)                   args from ``options.parse_chat``
      -> attachment_blocks      -a files/URLs -> LangChain media content blocks
      -> read_prompt            words on the command line, then piped stdin
                                (or stdin where ``-`` stands); a pipe that stays
                                open gets a notice on a terminal's stderr
      -> backend.choose_backend CometAPI, or the built-in emulator (with a notice)
      -> backend.open_backend   starts the emulator in-process when chosen
      -> options.model_kwargs   options -> ChatCometGemini(...) arguments
      -> run_chat               stream text as it arrives (thoughts dimmed),
                                then sources (--search) and the usage line
         run_structured         --json-schema: the parsed object as JSON
      -> expected failures      one line on stderr, non-zero exit, no traceback

The answer goes to stdout; the notice and the usage line go to stderr, so
``cometgemini "..." > answer.txt`` keeps only the answer. Only the public API
is used (plus the package's own MIME sniffer, so that an attached file is typed
exactly as a media block's bytes are).
"""

from __future__ import annotations

import argparse
import base64
import io
import mimetypes
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import (
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._wire.media import sniff_mime
from langchain_cometgemini.cli import options
from langchain_cometgemini.cli.backend import choose_backend, open_backend
from langchain_cometgemini.cli.options import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
)
from langchain_cometgemini.cli.terminal import (
    ignore_further_interrupts,
    isatty,
    json_text,
    one_line,
    read_stdin,
    use_color,
)
from langchain_cometgemini.errors import (
    APIConnectionError,
    AuthenticationError,
    CometGeminiError,
    EmptyAnswerError,
    MediaFetchError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
)

DIM, RESET = "\033[2m", "\033[0m"
STDIN_NOTICE = (
    f"{PROG}: reading the prompt from stdin (a pipe that is still open); "
    "run with '< /dev/null' to send the words alone"
)


# -- prompt and attachments ---------------------------------------------------


def read_prompt(
    words: list[str],
    stdin: IO[str],
    *,
    required: bool = True,
    err: IO[str] | None = None,
) -> str:
    """Return the prompt from the words and stdin.

    The words are joined with spaces. Stdin is read when it is not a terminal
    (``cat notes.md | cometgemini "Summarize:"``) and follows the words after a
    blank line; a ``-`` among the words reads it even from a terminal and puts
    it where the ``-`` stands (``git diff | cometgemini "Review:" - "Be brief."``).

    Raises:
        ValueError: There is no prompt at all.
    """
    if "-" in words:
        at = words.index("-")
        before, after = words[:at], [w for w in words[at + 1 :] if w != "-"]
    else:
        before, after = words, []
    piped = ""
    if "-" in words or not isatty(stdin):
        piped = read_stdin(stdin, err, STDIN_NOTICE).rstrip()
    pieces = [" ".join(before), piped, " ".join(after)]
    text = "\n\n".join(piece for piece in pieces if piece)
    if required and not text.strip():
        raise ValueError("no prompt: pass it as an argument or pipe it on stdin")
    return text


class _NoInput(io.StringIO):
    """Stdin once an attachment took it: empty, and a terminal (never read)."""

    def isatty(self) -> bool:
        return True


_NO_INPUT = _NoInput()


def attachment_blocks(
    paths: list[str],
    typed: list[list[str]] | None = None,
    stdin: IO[bytes] | None = None,
) -> list[dict[str, Any]]:
    """Return LangChain media content blocks for ``-a`` and ``--attachment-type``.

    A URL becomes a ``url`` block: the model's media rules apply (its type from
    the extension, downloads where the model downloads). A file is read and
    sent inline; its MIME type comes from its first bytes, then its name.
    ``-`` is the bytes of ``stdin`` (``cat photo.jpg | cometgemini -a - "..."``).

    Raises:
        ValueError: A file is missing or its type cannot be told, or ``-``
            is given twice.
    """
    wanted: list[tuple[str, str | None]] = [(path, None) for path in paths]
    wanted += [(path, mime) for path, mime in typed or []]
    if [path for path, _ in wanted].count("-") > 1:
        raise ValueError("--attachment: '-' (stdin) can be given once")
    return [_attachment(path, mime, stdin) for path, mime in wanted]


def _attachment(
    source: str, mime: str | None, stdin: IO[bytes] | None = None
) -> dict[str, Any]:
    if source == "-":
        if stdin is None:
            raise ValueError("--attachment: '-' needs stdin")
        return _inline(stdin.read(), "stdin", mime, "stdin")
    if re.match(r"^(https?|gs)://", source):
        guessed = mime or mimetypes.guess_type(source.split("?", 1)[0])[0]
        block: dict[str, Any] = {"type": _block_type(guessed), "url": source}
        if mime:
            block["mime_type"] = mime
        return block
    path = Path(source).expanduser()
    if not path.is_file():
        raise ValueError(f"--attachment: no such file: {source}")
    return _inline(path.read_bytes(), path.name, mime, source)


def _inline(data: bytes, name: str, mime: str | None, source: str) -> dict[str, Any]:
    mime = mime or sniff_mime(data[:64]) or mimetypes.guess_type(name)[0]
    if not mime:
        raise ValueError(
            f"--attachment: cannot tell the type of {source}; "
            "give it with --attachment-type PATH MIME"
        )
    encoded = base64.b64encode(data).decode("ascii")
    return {"type": _block_type(mime), "base64": encoded, "mime_type": mime}


def _block_type(mime: str | None) -> str:
    head = (mime or "").split("/", 1)[0]
    return head if head in ("image", "audio", "video") else "file"


def build_messages(
    prompt: str, system: str | None, attachments: list[dict[str, Any]] | None = None
) -> list[BaseMessage]:
    """Return the conversation to send: an optional system message, the prompt.

    With attachments the prompt is a text block followed by the media blocks.
    """
    messages: list[BaseMessage] = [SystemMessage(system)] if system else []
    if not attachments:
        return [*messages, HumanMessage(prompt)]
    content: list[str | dict[str, Any]] = [{"type": "text", "text": prompt}]
    content += attachments
    return [*messages, HumanMessage(content)]


# -- output ---------------------------------------------------------------------


class Printer:
    """Write streamed text and thoughts, dimming thoughts on a terminal."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.color = use_color(out)
        self.kind = ""

    def write(self, kind: str, text: str) -> None:
        """Write a piece of ``kind`` ``"thought"`` or ``"text"``."""
        if not text:
            return
        if kind != self.kind:
            self._switch(kind)
        self.out.write(text)
        self.out.flush()

    def _switch(self, kind: str) -> None:
        if self.kind == "thought":
            self.out.write(RESET + "\n\n" if self.color else "\n\n")
        if kind == "thought":
            self.out.write(DIM + "Thinking: " if self.color else "Thinking: ")
        self.kind = kind

    def end(self) -> None:
        """Finish the output with a newline (and reset the style)."""
        if self.kind == "thought" and self.color:
            self.out.write(RESET)
        if self.kind:
            self.out.write("\n")
        self.out.flush()


def pieces(chunk: AIMessageChunk) -> Iterator[tuple[str, str]]:
    """Yield ``(kind, text)`` for a chunk: ``thought`` or ``text`` pieces in order."""
    if isinstance(chunk.content, str):
        yield "text", chunk.content
        return
    for block in chunk.content:
        if isinstance(block, str):
            yield "text", block
        elif isinstance(block, dict) and block.get("type") == "thinking":
            yield "thought", str(block.get("thinking", ""))
        elif isinstance(block, dict) and block.get("type") == "text":
            yield "text", str(block.get("text", ""))


def format_usage(usage: Any) -> str:
    """Return the one-line token usage summary of a message's ``usage_metadata``."""
    if not usage:
        return "tokens: no usage reported"
    line = f"tokens: {usage.get('input_tokens', 0)} in"
    cached = (usage.get("input_token_details") or {}).get("cache_read")
    if cached:
        line += f" ({cached} cached)"
    line += f", {usage.get('output_tokens', 0)} out"
    reasoning = (usage.get("output_token_details") or {}).get("reasoning")
    if reasoning:
        line += f" ({reasoning} thinking)"
    return line + f", {usage.get('total_tokens', 0)} total"


def format_sources(grounding: Any) -> list[str]:
    """Return printable lines for ``response_metadata["grounding_metadata"]``."""
    if not isinstance(grounding, dict):
        return []
    lines = []
    queries = grounding.get("web_search_queries") or []
    if queries:
        lines.append("Searched: " + "; ".join(str(q) for q in queries))
    chunks = grounding.get("grounding_chunks") or []
    webs = [c.get("web") or {} for c in chunks if isinstance(c, dict)]
    sources = [w for w in webs if w.get("uri")]
    if sources:
        lines.append("Sources:")
        for number, web in enumerate(sources, start=1):
            title = web.get("title") or web.get("domain") or ""
            lines.append(f"  [{number}] {title} <{web['uri']}>".replace("  <", " <"))
    return lines


# -- runs -------------------------------------------------------------------------


def run_chat(llm: Any, messages: list[BaseMessage], out: IO[str], err: IO[str]) -> None:
    """Stream the answer to ``out``, then sources to ``out`` and usage to ``err``."""
    printer = Printer(out)
    full: AIMessageChunk | None = None
    for chunk in llm.stream(messages):
        for kind, text in pieces(chunk):
            printer.write(kind, text)
        full = chunk if full is None else full + chunk
    printer.end()
    if full is None:
        err.write(f"{PROG}: the model sent no answer\n")
        return
    sources = format_sources(full.response_metadata.get("grounding_metadata"))
    if sources:
        out.write("\n" + "\n".join(sources) + "\n")
    _report_finish(full, err)
    err.write(format_usage(full.usage_metadata) + "\n")


def run_structured(
    llm: ChatCometGemini,
    messages: list[BaseMessage],
    schema: dict[str, Any],
    out: IO[str],
    err: IO[str],
) -> None:
    """Print the answer parsed against ``schema`` as JSON, then the usage line."""
    runnable = llm.with_structured_output(
        schema, method="json_schema", include_raw=True
    )
    result = runnable.invoke(messages)
    if result.get("parsing_error") is not None:
        raise result["parsing_error"]
    out.write(json_text(result["parsed"], indent=2) + "\n")
    raw = result.get("raw")
    err.write(format_usage(getattr(raw, "usage_metadata", None)) + "\n")


def _report_finish(message: AIMessageChunk, err: IO[str]) -> None:
    """Say why an answer stopped early (blocked prompt, safety, max tokens)."""
    meta = message.response_metadata
    feedback = meta.get("prompt_feedback") or {}
    if isinstance(feedback, dict) and feedback.get("block_reason"):
        err.write(f"{PROG}: the prompt was blocked ({feedback['block_reason']})\n")
    reason = meta.get("finish_reason")
    if reason and reason != "STOP":
        err.write(f"{PROG}: the answer stopped early: finish_reason={reason}\n")


# -- errors -------------------------------------------------------------------------


def error_message(exc: BaseException, base_url: str | None = None) -> str:
    """Return the one-line explanation of an expected failure."""
    detail = one_line(options.command_advice(str(exc)))
    where = base_url or os.environ.get("COMETAPI_BASE_URL") or "CometAPI"
    hints: list[tuple[type[BaseException], str]] = [
        (AuthenticationError, "the API key was rejected; check COMETAPI_KEY"),
        (PermissionDeniedError, "this key may not use this model"),
        (NotFoundError, "unknown model or path; check --model"),
        (RateLimitError, "rate limited or out of quota; wait and retry"),
        (RequestTimeoutError, "the request timed out"),
        (APIConnectionError, f"cannot reach {where}; check your network"),
        (MediaFetchError, "a media URL could not be downloaded"),
        (EmptyAnswerError, "no answer"),
        (OutputParserException, "the answer did not match the JSON schema"),
        (CometGeminiError, "the request failed"),
    ]
    for kind, hint in hints:
        if isinstance(exc, kind):
            return f"{PROG}: error: {hint} ({detail})"
    return f"{PROG}: error: {detail}"


EXPECTED_ERRORS = (CometGeminiError, OutputParserException, ValueError, TypeError)
"""Failures reported in one line; anything else is a bug and keeps its traceback."""


# -- entry point ----------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Answer the prompt of parsed ``cometgemini`` options; return the exit status."""
    out, err = sys.stdout, sys.stderr
    try:
        stdin_taken = "-" in args.attachment + [p for p, _ in args.attachment_type]
        attachments = attachment_blocks(
            args.attachment, args.attachment_type, getattr(sys.stdin, "buffer", None)
        )
        prompt = read_prompt(
            args.prompt,
            _NO_INPUT if stdin_taken else sys.stdin,
            required=not attachments,
            err=err,
        )
    except ValueError as exc:
        options.chat_parser().print_usage(err)
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    refusal = options.settings_refusal(options.model_kwargs(args))
    if refusal is not None:
        err.write(f"{PROG}: error: {refusal}\n")
        return EXIT_USAGE
    connection: dict[str, Any] = {}
    try:
        notice = choose_backend(args.offline, isatty(out))
        with open_backend(notice, err, search=args.search) as connection:
            _answer(args, build_messages(prompt, args.system, attachments), connection)
    except EXPECTED_ERRORS as exc:
        out.flush()
        err.write(error_message(exc, connection.get("base_url")) + "\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        ignore_further_interrupts()
        if use_color(out):
            out.write(RESET)  # never leave the terminal dimmed
        err.write(f"\n{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the exit flush
        return EXIT_OK
    return EXIT_OK


def _answer(
    args: argparse.Namespace,
    messages: list[BaseMessage],
    connection: dict[str, Any],
) -> None:
    out, err = sys.stdout, sys.stderr
    kwargs = {**options.COMMAND_DEFAULTS, **options.model_kwargs(args)}
    llm = ChatCometGemini(**connection, **kwargs)
    if args.schema is not None:
        run_structured(llm, messages, args.schema, out, err)
    elif args.search:
        run_chat(llm.bind_tools([{"google_search": {}}]), messages, out, err)
    else:
        run_chat(llm, messages, out, err)
