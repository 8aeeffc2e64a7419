"""``cometgemini``: ask Gemini through CometAPI from the terminal.

Flow::

    main(argv)
      -> parse_args             argparse options -> Namespace
      -> read_prompt            words on the command line, ``-`` or piped stdin
      -> open_backend           COMETAPI_KEY set: CometAPI (or COMETAPI_BASE_URL);
                                otherwise (or --offline) the built-in emulator,
                                started in-process, with a one-line notice
      -> model_kwargs           options -> ChatCometGemini(...) arguments
      -> run_chat               stream text as it arrives (thoughts dimmed),
                                then sources (--search) and the usage line
         run_structured         --json-schema: the parsed object as JSON
      -> expected failures      one line on stderr, non-zero exit, no traceback

The answer goes to stdout; the notice and the usage line go to stderr, so
``cometgemini "..." > answer.txt`` keeps only the answer. Only the public API
is used: this module is also a worked example of it.
"""

from __future__ import annotations

import argparse
import json
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
  git diff | cometgemini --system "You review code." -

environment:
  COMETAPI_KEY       your CometAPI key (without it: the offline emulator)
  COMETAPI_BASE_URL  API root (default https://api.cometapi.com)

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
        help="the prompt (words are joined); '-' appends stdin, read also when piped",
    )
    parser.add_argument("-m", "--model", help="model name (default: %(prog)s's)")
    parser.add_argument("-s", "--system", help="system instruction")
    parser.add_argument(
        "-t",
        "--thinking-level",
        choices=("minimal", "low", "medium", "high"),
        help="Gemini 3 thinking level",
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
    if args.json_schema is not None:
        try:
            args.schema = load_schema(args.json_schema)
        except ValueError as exc:
            parser.error(str(exc))
    else:
        args.schema = None
    return args


def read_prompt(words: list[str], stdin: IO[str]) -> str:
    """Return the prompt from the words and stdin.

    The words are joined with spaces. A ``-`` among them appends stdin after a
    blank line (``git diff | cometgemini "Review this:" -``); with no words at
    all, a piped stdin is the prompt.

    Raises:
        ValueError: There is no prompt at all.
    """
    text = " ".join(w for w in words if w != "-")
    if "-" in words or (not words and not stdin.isatty()):
        piped = stdin.read().rstrip()
        text = f"{text}\n\n{piped}" if text and piped else text or piped
    if not text.strip():
        raise ValueError("no prompt: pass it as an argument or pipe it on stdin")
    return text


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
        "include_thoughts": True if args.show_thoughts else None,
    }
    return {key: value for key, value in kwargs.items() if value is not None}


def build_messages(prompt: str, system: str | None) -> list[BaseMessage]:
    """Return the conversation to send: an optional system message, the prompt."""
    messages: list[BaseMessage] = [SystemMessage(system)] if system else []
    return [*messages, HumanMessage(prompt)]


# -- backend --------------------------------------------------------------------


@contextmanager
def open_backend(
    offline: bool, err: IO[str], *, search: bool = False
) -> Iterator[dict[str, Any]]:
    """Yield connection arguments: CometAPI's, or a started local emulator's."""
    if os.environ.get("COMETAPI_KEY") and not offline:
        yield {}
        return
    reason = "--offline" if offline else "COMETAPI_KEY is not set"
    err.write(
        f"{PROG}: {reason}: answering with the built-in offline Gemini emulator "
        "(it echoes your prompt); set COMETAPI_KEY to ask CometAPI.\n"
    )
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
        self.color = _isatty(out)
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


def _isatty(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


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
    args = parse_args(argv)
    out, err = sys.stdout, sys.stderr
    try:
        prompt = read_prompt(args.prompt, sys.stdin)
    except ValueError as exc:
        build_parser().print_usage(err)
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    connection: dict[str, Any] = {}
    try:
        with open_backend(args.offline, err, search=args.search) as connection:
            _run(args, prompt, connection, out, err)
    except EXPECTED_ERRORS as exc:
        out.flush()
        err.write(error_message(exc, connection.get("base_url")) + "\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        if _isatty(out):
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
    messages = build_messages(prompt, args.system)
    if args.schema is not None:
        run_structured(llm, messages, args.schema, out, err)
        return
    if args.search:
        run_chat(llm.bind_tools([{"google_search": {}}]), messages, out, err)
        return
    run_chat(llm, messages, out, err)


if __name__ == "__main__":
    raise SystemExit(main())
