"""``cometgemini``: ask Gemini through CometAPI from the terminal.

Flow::

    main(argv)
      -> parse_args             argparse options -> Namespace
      -> read_prompt            words on the command line, then piped stdin
                                (or stdin where ``-`` stands)
      -> attachment_blocks      -a files/URLs -> LangChain media content blocks
      -> choose_backend         COMETAPI_KEY set: CometAPI (or COMETAPI_BASE_URL);
                                --offline, or no key with stdout a terminal: the
                                built-in emulator, with a one-line notice; no key
                                in a pipe or script: an error (never a silent echo)
      -> open_backend           starts the emulator in-process when chosen
      -> model_kwargs           options -> ChatCometGemini(...) arguments
      -> run_chat               stream text as it arrives (thoughts dimmed),
                                then sources (--search) and the usage line
         run_structured         --json-schema: the parsed object as JSON
      -> expected failures      one line on stderr, non-zero exit, no traceback

``cometgemini batch IN.jsonl -o OUT.jsonl`` goes to ``_batch.main`` (bulk jobs).

The answer goes to stdout; the notice and the usage line go to stderr, so
``cometgemini "..." > answer.txt`` keeps only the answer. Only the public API
is used (plus the package's own MIME sniffer, so that an attached file is typed
exactly as a media block's bytes are): this module is also a worked example.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import mimetypes
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import (
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)

from langchain_cometgemini import ChatCometGemini, __version__
from langchain_cometgemini._wire.media import sniff_mime
from langchain_cometgemini.errors import (
    APIConnectionError,
    AuthenticationError,
    CometGeminiError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
)

PROG = "cometgemini"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
OFFLINE_KEY = "offline-emulator-key"
DIM, RESET = "\033[2m", "\033[0m"

EPILOG = """\
examples:
  cometgemini "Why is the sky blue?"
  cometgemini --thinking-level high --show-thoughts "Is 2**61-1 prime?"
  cometgemini --search "Who won the last Champions League final?"
  cometgemini --json-schema city.schema.json "Name a city in France"
  cometgemini -a photo.jpg -a https://example.com/report.pdf "Compare them"
  cat notes.md | cometgemini "Summarize:"        # the piped text follows the prompt
  git diff | cometgemini "Review this:" - "Be brief."   # or goes where '-' stands
  cometgemini batch prompts.jsonl -o answers.jsonl     # bulk job: batch --help

stdin: when it is not a terminal it is read and appended to the prompt after a
blank line ('-' places it explicitly); use '< /dev/null' to send words only.

environment:
  COMETAPI_KEY       your CometAPI key; without it the built-in offline emulator
                     answers only when stdout is a terminal (otherwise: exit 1,
                     unless --offline is given)
  COMETAPI_BASE_URL  API root (default https://api.cometapi.com)
  NO_COLOR           set: never colour the output (colour is terminal-only)

exit status: 0 ok, 1 the request failed, 2 bad usage, 130 interrupted.
"""


# -- command line -------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``cometgemini`` command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Ask a Gemini model through CometAPI; the answer streams in.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "prompt",
        nargs="*",
        help=(
            "the prompt (words are joined); piped stdin follows it after a blank "
            "line, or goes where '-' stands"
        ),
    )
    parser.add_argument(
        "-m", "--model", help=f"model name (default: {default_model()})"
    )
    parser.add_argument("-s", "--system", help="system instruction")
    parser.add_argument(
        "-a",
        "--attachment",
        action="append",
        default=[],
        metavar="PATH_OR_URL",
        help=(
            "send a file (image, PDF, audio, video, text) or a URL with the prompt; "
            "repeatable; '-' reads it from stdin. A file's type comes from its "
            "content (then its name)"
        ),
    )
    parser.add_argument(
        "--attachment-type",
        nargs=2,
        action="append",
        default=[],
        metavar=("PATH_OR_URL", "MIME"),
        help="an attachment with an explicit MIME type (overrides the guess)",
    )
    parser.add_argument(
        "-t",
        "--thinking-level",
        choices=("minimal", "low", "medium", "high"),
        help="Gemini 3 thinking level",
    )
    parser.add_argument(
        "--thinking-budget",
        type=int,
        metavar="N",
        help="Gemini 2.5 thinking budget in tokens (0 off, -1 dynamic)",
    )
    parser.add_argument("--temperature", type=float, help="sampling temperature")
    parser.add_argument(
        "--show-thoughts",
        action="store_true",
        help="ask for thought summaries and print them (dimmed) before the answer",
    )
    parser.add_argument(
        "--search",
        action="store_true",
        help="ground the answer with Google Search and print the sources",
    )
    parser.add_argument(
        "--json-schema",
        metavar="SCHEMA",
        help="JSON schema (a file or inline JSON): print the answer as JSON",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="use the built-in emulator even when COMETAPI_KEY is set",
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse ``argv`` (default: ``sys.argv[1:]``); exits 2 on bad usage."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.temperature is not None and not 0.0 <= args.temperature <= 2.0:
        parser.error("--temperature must be between 0 and 2")
    if args.json_schema is not None and args.search:
        parser.error("--search and --json-schema cannot be combined")
    if args.thinking_level is not None and args.thinking_budget is not None:
        parser.error(
            "--thinking-level (Gemini 3) and --thinking-budget (Gemini 2.5) "
            "cannot be combined"
        )
    if args.thinking_budget is not None and args.thinking_budget < -1:
        parser.error("--thinking-budget must be -1 (dynamic), 0 (off) or positive")
    if args.json_schema is not None:
        try:
            args.schema = load_schema(args.json_schema)
        except ValueError as exc:
            parser.error(str(exc))
    else:
        args.schema = None
    return args


def read_prompt(words: list[str], stdin: IO[str], *, required: bool = True) -> str:
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
    if "-" in words or not _isatty(stdin):
        piped = stdin.read().rstrip()
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


def default_model() -> str:
    """The model ``ChatCometGemini`` uses when none is given."""
    return str(ChatCometGemini.model_fields["model"].default)


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


def load_schema(value: str) -> dict[str, Any]:
    """Read a JSON schema given inline (``{...}``) or as a file path.

    Raises:
        ValueError: The file is missing or the text is not a JSON object.
    """
    text = value
    if not value.lstrip().startswith("{"):
        path = Path(value)
        if not path.is_file():
            raise ValueError(f"--json-schema: no such file and not JSON: {value!r}")
        text = path.read_text(encoding="utf-8")
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--json-schema: invalid JSON ({exc.msg})") from None
    if not isinstance(schema, dict):
        raise ValueError("--json-schema: the schema must be a JSON object")
    return schema


def model_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Map the options to ``ChatCometGemini`` arguments (unset ones left out)."""
    kwargs: dict[str, Any] = {
        "model": args.model,
        "temperature": args.temperature,
        "thinking_level": args.thinking_level,
        "thinking_budget": args.thinking_budget,
        "include_thoughts": True if args.show_thoughts else None,
    }
    return {key: value for key, value in kwargs.items() if value is not None}


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


# -- backend --------------------------------------------------------------------


class NoKeyError(ValueError):
    """No ``COMETAPI_KEY`` where the emulator must not answer in its place."""


def choose_backend(offline: bool, interactive: bool) -> str | None:
    """Return the offline notice to print, or None to ask CometAPI.

    ``interactive`` is whether stdout is a terminal: only there may a missing
    key fall back to the emulator, so a forgotten key never passes silently as
    an answer in a pipe or a script.

    Raises:
        NoKeyError: No key, and the emulator may not stand in.
    """
    has_key = bool(os.environ.get("COMETAPI_KEY"))
    if offline:
        hint = "" if has_key else "; set COMETAPI_KEY to ask CometAPI"
        return f"{PROG}: --offline: {_EMULATOR}{hint}."
    if has_key:
        return None
    if os.environ.get("COMETAPI_BASE_URL"):
        raise NoKeyError(
            "COMETAPI_BASE_URL is set but COMETAPI_KEY is not; set the key, "
            "or pass --offline for the built-in emulator"
        )
    if not interactive:
        raise NoKeyError(
            "COMETAPI_KEY is not set; set it, or pass --offline to answer "
            "from the built-in emulator"
        )
    return (
        f"{PROG}: COMETAPI_KEY is not set: {_EMULATOR}; set COMETAPI_KEY to ask "
        "CometAPI (in scripts, pass --offline)."
    )


_EMULATOR = (
    "answering with the built-in offline Gemini emulator (it echoes your prompt)"
)


@contextmanager
def open_backend(
    notice: str | None, err: IO[str], *, search: bool = False
) -> Iterator[dict[str, Any]]:
    """Yield connection arguments: CometAPI's (no notice) or a local emulator's."""
    if notice is None:
        yield {}
        return
    err.write(notice + "\n")
    err.flush()
    from langchain_cometgemini.testing import GeminiEmulator

    with GeminiEmulator(api_key=OFFLINE_KEY) as emulator:
        if search:
            emulator.responder = search_responder
        yield {"base_url": emulator.base_url, "api_key": OFFLINE_KEY}


def search_responder(request: Any) -> Any:
    """Emulator responder for ``--search`` offline: an echo with fake sources.

    The built-in emulator does not search; this answer carries clearly fake
    ``groundingMetadata`` so that printing the sources can be seen without a key.
    """
    from langchain_cometgemini.testing import Reply

    reply = Reply.text(f"Echo: {request.text}" if request.text else "OK")
    if _wants_search(request.body):
        for response in (reply.body, *(reply.chunks or [])[-1:]):
            response["candidates"][0]["groundingMetadata"] = _FAKE_GROUNDING
    return reply


def _wants_search(body: Any) -> bool:
    tools = body.get("tools") if isinstance(body, dict) else None
    return any(
        isinstance(tool, dict) and ("googleSearch" in tool or "google_search" in tool)
        for tool in tools or []
    )


_FAKE_GROUNDING = {
    "webSearchQueries": ["offline emulator search"],
    "groundingChunks": [
        {
            "web": {
                "uri": "https://example.com/offline-emulator",
                "title": "Offline emulator (no real search was made)",
            }
        }
    ],
}


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


def _isatty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def use_color(stream: Any) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set."""
    return _isatty(stream) and not os.environ.get("NO_COLOR")


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
    out.write(json.dumps(result["parsed"], indent=2, ensure_ascii=False) + "\n")
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
    detail = _one_line(str(exc))
    where = base_url or os.environ.get("COMETAPI_BASE_URL") or "CometAPI"
    hints: list[tuple[type[BaseException], str]] = [
        (AuthenticationError, "the API key was rejected; check COMETAPI_KEY"),
        (PermissionDeniedError, "this key may not use this model"),
        (NotFoundError, "unknown model or path; check --model"),
        (RateLimitError, "rate limited or out of quota; wait and retry"),
        (RequestTimeoutError, "the request timed out"),
        (APIConnectionError, f"cannot reach {where}; check your network"),
        (OutputParserException, "the answer did not match the JSON schema"),
        (CometGeminiError, "the request failed"),
    ]
    for kind, hint in hints:
        if isinstance(exc, kind):
            return f"{PROG}: error: {hint} ({detail})"
    return f"{PROG}: error: {detail}"


def _one_line(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


EXPECTED_ERRORS = (CometGeminiError, OutputParserException, ValueError, TypeError)
"""Failures reported in one line; anything else is a bug and keeps its traceback."""


# -- entry point ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the ``cometgemini`` command; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["batch"]:
        from langchain_cometgemini._batch import main as batch_main

        return batch_main(argv[1:])
    args = parse_args(argv)
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
        )
    except ValueError as exc:
        build_parser().print_usage(err)
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    args.attachments = attachments
    connection: dict[str, Any] = {}
    try:
        notice = choose_backend(args.offline, _isatty(out))
        with open_backend(notice, err, search=args.search) as connection:
            _run(args, prompt, connection, out, err)
    except EXPECTED_ERRORS as exc:
        out.flush()
        err.write(error_message(exc, connection.get("base_url")) + "\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        if use_color(out):
            out.write(RESET)  # never leave the terminal dimmed
        err.write(f"\n{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the exit flush
        return EXIT_OK
    return EXIT_OK


def _run(
    args: argparse.Namespace,
    prompt: str,
    connection: dict[str, Any],
    out: IO[str],
    err: IO[str],
) -> None:
    llm = ChatCometGemini(**connection, **model_kwargs(args))
    messages = build_messages(prompt, args.system, args.attachments)
    if args.schema is not None:
        run_structured(llm, messages, args.schema, out, err)
        return
    if args.search:
        run_chat(llm.bind_tools([{"google_search": {}}]), messages, out, err)
        return
    run_chat(llm, messages, out, err)


if __name__ == "__main__":
    raise SystemExit(main())
