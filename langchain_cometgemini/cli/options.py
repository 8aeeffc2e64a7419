"""The command line of ``cometgemini`` and ``cometgemini batch``, parsed once.

Flow::

    parse_chat(argv) / parse_batch(argv)
      -> chat_parser / batch_parser   each command's own options, plus
         add_model_options            the model options both share, declared once
      -> check_model_options          their rules, checked once (exit 2, one line)
    model_kwargs(args)                the model options -> ChatCometGemini(...) kwargs

Nothing here imports LangChain: ``cometgemini --help`` and ``--version``
answer before the chat model is loaded.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from langchain_cometgemini._version import __version__
from langchain_cometgemini._wire.constants import DEFAULT_MODEL

PROG = "cometgemini"
BATCH_PROG = "cometgemini batch"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_CONCURRENCY = 16

CHAT_EPILOG = """\
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

BATCH_EPILOG = """\
input: one JSON object per line, e.g.
  {"id": "q1", "prompt": "Why is the sky blue?"}
  {"id": 2, "messages": [{"role": "user", "content": "Hi"}], "model": "gemini-2.5-pro"}
  {"id": "q3", "prompt": "Name a city", "schema": {"type": "object", ...}}
  optional per line: "system", "model", "schema" (then "output" is the parsed JSON)

output: one line per input line as answers arrive, flushed:
  {"id": ..., "text": ..., "usage": {...}, "finish_reason": "STOP"}
  {"id": ..., "error": {"type": "RateLimitError", "message": ...}}

Rerun the same command to resume: ids already answered in OUTPUT are skipped,
failed ones are asked again. Ctrl-C stops cleanly (exit 130).
exit status: 0 every line answered, 1 some failed, 2 bad usage, 130 interrupted.
"""


# -- the model options both commands share ------------------------------------


def add_model_options(parser: argparse.ArgumentParser, *, batch: bool) -> None:
    """Add the options that set up the model (``batch``: they are line defaults)."""
    default = "default " if batch else ""
    parser.add_argument(
        "-m", "--model", help=f"{default}model name (default: {DEFAULT_MODEL})"
    )
    parser.add_argument("-s", "--system", help=f"{default}system instruction")
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
        "--allow-private-media-urls",
        action="store_true",
        help=(
            "let media URLs be downloaded from loopback, private and link-local "
            "addresses (a server on this machine or your network)"
        ),
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="use the built-in emulator even when COMETAPI_KEY is set",
    )


_FIELD_ADVICE = {
    "Set allow_private_media_urls=True": "Pass --allow-private-media-urls",
    "raise max_output_tokens or lower the thinking level": (
        "lower the thinking level (-t low) or budget (--thinking-budget)"
    ),
}
"""The model's advice naming a Python field -> the option that does it here."""


def command_advice(message: str) -> str:
    """``message`` with advice to set a model field turned into the option's name."""
    for field_advice, option_advice in _FIELD_ADVICE.items():
        message = message.replace(field_advice, option_advice)
    return message


def check_model_options(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> None:
    """Exit 2 with one line if the model options break a rule."""
    if args.temperature is not None and not 0.0 <= args.temperature <= 2.0:
        parser.error("--temperature must be between 0 and 2")
    if args.thinking_level is not None and args.thinking_budget is not None:
        parser.error(
            "--thinking-level (Gemini 3) and --thinking-budget (Gemini 2.5) "
            "cannot be combined"
        )
    if args.thinking_budget is not None and args.thinking_budget < -1:
        parser.error("--thinking-budget must be -1 (dynamic), 0 (off) or positive")


COMMAND_DEFAULTS: dict[str, Any] = {"on_empty_answer": "raise"}
"""What both commands set on their models: an answer without content (a finish
reason and no text) is a failure, one line and exit 1, or a failed batch line
asked again on resume; never an empty success."""


def settings_refusal(kwargs: dict[str, Any]) -> str | None:
    """Why the chat model refuses these settings, in one line; None if it takes them.

    The model checks its settings when it is built (a model name that cannot
    be an id, a thinking level its profile does not allow, ...); the commands
    ask it before anything is sent, and report the reason as bad usage.
    """
    from langchain_cometgemini import ChatCometGemini  # here: --help stays light

    try:
        ChatCometGemini(api_key="unused", **{**COMMAND_DEFAULTS, **kwargs})
    except ValueError as exc:  # pydantic's ValidationError is one
        errors = getattr(exc, "errors", None)
        found = errors() if callable(errors) else []
        text = str(found[0].get("msg", exc)) if found else str(exc)
        return " ".join(text.removeprefix("Value error, ").split())
    return None


def model_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Map the options to ``ChatCometGemini`` arguments (unset ones left out)."""
    kwargs: dict[str, Any] = {
        "model": args.model,
        "temperature": args.temperature,
        "thinking_level": args.thinking_level,
        "thinking_budget": args.thinking_budget,
        "include_thoughts": True if getattr(args, "show_thoughts", False) else None,
        "max_retries": getattr(args, "max_retries", None),
        "allow_private_media_urls": True if args.allow_private_media_urls else None,
    }
    return {key: value for key, value in kwargs.items() if value is not None}


# -- cometgemini -----------------------------------------------------------------


def chat_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``cometgemini`` command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Ask a Gemini model through CometAPI; the answer streams in.",
        epilog=CHAT_EPILOG,
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
    add_model_options(parser, batch=False)
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
    return parser


def parse_chat(argv: list[str]) -> argparse.Namespace:
    """Parse ``cometgemini`` options; exits 2 on bad usage (0 for help/version)."""
    parser = chat_parser()
    args = parser.parse_args(argv)
    check_model_options(parser, args)
    if args.json_schema is not None and args.search:
        parser.error("--search and --json-schema cannot be combined")
    args.schema = None
    if args.json_schema is not None:
        try:
            args.schema = load_schema(args.json_schema)
        except ValueError as exc:
            parser.error(str(exc))
    return args


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
    except (ValueError, RecursionError):  # too many digits, too deep
        raise ValueError("--json-schema: the JSON is too large to read") from None
    if not isinstance(schema, dict):
        raise ValueError("--json-schema: the schema must be a JSON object")
    return schema


# -- cometgemini batch ------------------------------------------------------------


def batch_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``cometgemini batch``."""
    parser = argparse.ArgumentParser(
        prog=BATCH_PROG,
        description="Answer a JSONL file of prompts; resumable, bounded concurrency.",
        epilog=BATCH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="INPUT.jsonl", help="prompts ('-': stdin)")
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT.jsonl", help="answers file"
    )
    parser.add_argument(
        "-j",
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help="requests in flight at once (default %(default)s)",
    )
    parser.add_argument(
        "--rpm",
        type=float,
        metavar="N",
        help="at most N requests started per minute (default: no limit)",
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        metavar="N",
        help="retries per request on 408/429/5xx/connection errors (default: "
        "the model's, 2)",
    )
    add_model_options(parser, batch=True)
    parser.add_argument(
        "--progress-every",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds between progress lines when stderr is not a terminal",
    )
    return parser


def parse_batch(argv: list[str]) -> argparse.Namespace:
    """Parse ``cometgemini batch`` options; exits 2 on bad usage."""
    parser = batch_parser()
    args = parser.parse_args(argv)
    check_model_options(parser, args)
    if args.concurrency < 1:
        parser.error("-j/--concurrency must be at least 1")
    if args.rpm is not None and args.rpm <= 0:
        parser.error("--rpm must be positive")
    if args.max_retries is not None and args.max_retries < 0:
        parser.error("--max-retries must be 0 or more")
    if args.progress_every <= 0:
        parser.error("--progress-every must be positive")
    return args
