"""The ``cometgemini`` command's pure parts: options, prompt, schema, output."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage

from langchain_cometgemini import ChatCometGemini, __version__
from langchain_cometgemini.cli import backend, chat, options
from langchain_cometgemini.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    StreamInterruptedError,
)


class FakeStdin(io.StringIO):
    def __init__(self, text: str, *, tty: bool) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# -- options ----------------------------------------------------------------------


def test_defaults_leave_every_model_field_unset() -> None:
    args = options.parse_chat(["hello"])
    assert args.prompt == ["hello"]
    assert options.model_kwargs(args) == {}
    assert (args.offline, args.search, args.schema, args.system) == (
        False,
        False,
        None,
        None,
    )


def test_every_option_reaches_the_model_arguments() -> None:
    args = options.parse_chat(
        [
            "--model",
            "gemini-2.5-pro",
            "--temperature",
            "0.3",
            "--thinking-level",
            "low",
            "--show-thoughts",
            "--system",
            "Be brief.",
            "--offline",
            "--search",
            "Why",
            "is",
            "the",
            "sky",
            "blue?",
        ]
    )
    assert options.model_kwargs(args) == {
        "model": "gemini-2.5-pro",
        "temperature": 0.3,
        "thinking_level": "low",
        "include_thoughts": True,
    }
    assert args.system == "Be brief."
    assert args.offline and args.search
    assert args.prompt == ["Why", "is", "the", "sky", "blue?"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-t", "extreme", "hi"], "invalid choice: 'extreme'"),
        (["--temperature", "hot", "hi"], "invalid float value: 'hot'"),
        (["--temperature", "3", "hi"], "--temperature must be between 0 and 2"),
        (["--json-schema", "[1, 2]", "hi"], "no such file and not JSON"),
        (["--json-schema", "{not json", "hi"], "--json-schema: invalid JSON"),
        (
            ["--json-schema", "{}", "--search", "hi"],
            "--search and --json-schema cannot be combined",
        ),
        (
            ["-t", "low", "--thinking-budget", "100", "hi"],
            "--thinking-level (Gemini 3) and --thinking-budget (Gemini 2.5)",
        ),
        (["--thinking-budget", "-2", "hi"], "--thinking-budget must be -1"),
        (["--thinking-budget", "lots", "hi"], "invalid int value: 'lots'"),
        (["hi", "--attachment-type", "x.bin"], "expected 2 arguments"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        options.parse_chat(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        options.parse_chat(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"cometgemini {__version__}\n"


# -- prompt and schema ------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "stdin", "tty", "expected"),
    [
        (["Summarize:"], "notes\n", False, "Summarize:\n\nnotes"),
        (["Why", "blue?"], "not read", True, "Why blue?"),
        (["-"], "from a pipe\n\n", True, "from a pipe"),
        (
            ["Review:", "-", "Be", "brief."],
            "diff\n",
            False,
            "Review:\n\ndiff\n\nBe brief.",
        ),
        ([], "piped text\n", False, "piped text"),
        (["  spaced  "], "", True, "  spaced  "),
        (
            ["Review", "this:", "-"],
            "diff --git a b\n",
            False,
            "Review this:\n\ndiff --git a b",
        ),
        (["Review", "-"], "", False, "Review"),
        (["Review"], "", False, "Review"),
    ],
)
def test_read_prompt(words: list[str], stdin: str, tty: bool, expected: str) -> None:
    assert chat.read_prompt(words, FakeStdin(stdin, tty=tty)) == expected


@pytest.mark.parametrize(
    ("words", "stdin", "tty"),
    [([], "", True), ([], "  \n", False), (["-"], "", False), (["  "], "", True)],
)
def test_missing_prompt_is_an_error(words: list[str], stdin: str, tty: bool) -> None:
    with pytest.raises(ValueError, match="no prompt"):
        chat.read_prompt(words, FakeStdin(stdin, tty=tty))


SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}}


def test_schema_inline_and_from_file(tmp_path: Path) -> None:
    path = tmp_path / "city.json"
    path.write_text(json.dumps({**SCHEMA, "title": "City"}), encoding="utf-8")
    assert options.load_schema(json.dumps(SCHEMA)) == SCHEMA
    assert options.load_schema(str(path)) == {**SCHEMA, "title": "City"}


def test_schema_file_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1]", encoding="utf-8")
    with pytest.raises(ValueError, match="must be a JSON object"):
        options.load_schema(str(path))


def test_messages_put_the_system_prompt_first() -> None:
    assert chat.build_messages("hi", None) == [HumanMessage("hi")]
    assert chat.build_messages("hi", "Be brief.") == [
        SystemMessage("Be brief."),
        HumanMessage("hi"),
    ]


# -- output -------------------------------------------------------------------------


def test_pieces_split_thoughts_from_text_in_order() -> None:
    chunk = AIMessageChunk(
        content=[
            {"type": "thinking", "thinking": "Rayleigh...", "signature": "c2ln"},
            {"type": "text", "text": "Because of "},
            {"type": "image", "base64": "AAAA", "mime_type": "image/png"},
            "scattering.",
        ]
    )
    assert list(chat.pieces(chunk)) == [
        ("thought", "Rayleigh..."),
        ("text", "Because of "),
        ("text", "scattering."),
    ]
    assert list(chat.pieces(AIMessageChunk(content="plain"))) == [("text", "plain")]


def test_printer_plain_when_not_a_terminal() -> None:
    out = io.StringIO()
    printer = chat.Printer(out)
    for kind, text in [("thought", "Hmm. "), ("thought", "Ok."), ("text", "Blue.")]:
        printer.write(kind, text)
    printer.end()
    assert out.getvalue() == "Thinking: Hmm. Ok.\n\nBlue.\n"


def test_printer_dims_thoughts_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = FakeTerminal()
    printer = chat.Printer(out)
    printer.write("thought", "Hmm.")
    printer.write("text", "Blue.")
    printer.end()
    assert out.getvalue() == f"{chat.DIM}Thinking: Hmm.{chat.RESET}\n\nBlue.\n"


def test_printer_writes_nothing_for_an_empty_answer() -> None:
    out = io.StringIO()
    printer = chat.Printer(out)
    printer.write("text", "")
    printer.end()
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("usage", "line"),
    [
        (None, "tokens: no usage reported"),
        (
            {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12},
            "tokens: 5 in, 7 out, 12 total",
        ),
        (
            {
                "input_tokens": 50,
                "output_tokens": 30,
                "total_tokens": 80,
                "input_token_details": {"cache_read": 40},
                "output_token_details": {"reasoning": 20},
            },
            "tokens: 50 in (40 cached), 30 out (20 thinking), 80 total",
        ),
    ],
)
def test_format_usage(usage: Any, line: str) -> None:
    assert chat.format_usage(usage) == line


def test_format_sources_numbers_web_sources() -> None:
    grounding = {
        "web_search_queries": ["sky colour", "rayleigh scattering"],
        "grounding_chunks": [
            {"web": {"uri": "https://a.example/x", "title": "a.example"}},
            {"retrieved_context": {"uri": "ignored"}},
            {"web": {"uri": "https://b.example/y"}},
        ],
    }
    assert chat.format_sources(grounding) == [
        "Searched: sky colour; rayleigh scattering",
        "Sources:",
        "  [1] a.example <https://a.example/x>",
        "  [2] <https://b.example/y>",
    ]
    assert chat.format_sources(None) == []
    assert chat.format_sources({}) == []


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        (AuthenticationError("bad", status_code=400), "API key was rejected"),
        (NotFoundError("gone", status_code=404), "unknown model"),
        (RateLimitError("slow\ndown", status_code=429), "rate limited"),
        (APIConnectionError("refused"), "cannot reach http://h:1"),
        (StreamInterruptedError("cut"), "cannot reach http://h:1"),
        (BadRequestError("nope", status_code=400), "the request failed"),
        (OutputParserException("no json"), "did not match the JSON schema"),
        (ValueError("empty"), "empty"),
    ],
)
def test_error_message_is_one_line_with_a_hint(error: BaseException, hint: str) -> None:
    line = chat.error_message(error, "http://h:1")
    assert line.startswith("cometgemini: error: ")
    assert hint in line
    assert "\n" not in line
    assert str(error).split("\n")[0] in line


def test_error_message_is_capped() -> None:
    line = chat.error_message(ValueError("x" * 1000))
    assert len(line) < 400
    assert line.endswith("...")


def test_importing_the_cli_does_not_load_the_emulator() -> None:
    code = (
        "import sys, langchain_cometgemini.cli, langchain_cometgemini.__main__\n"
        "print('langchain_cometgemini.testing' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr


def test_thinking_budget_reaches_the_model_arguments() -> None:
    args = options.parse_chat(["--thinking-budget", "0", "hi"])
    assert options.model_kwargs(args) == {"thinking_budget": 0}


def test_model_help_names_the_default_model(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        options.parse_chat(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    default = ChatCometGemini(api_key="k").model
    assert f"model name (default: {default})" in help_text
    assert "piped stdin follows it after a blank line" in help_text


# -- attachments -------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
PDF = b"%PDF-1.7\n%\xe2\xe3\n"


def test_attachment_type_comes_from_the_content(tmp_path: Path) -> None:
    misnamed = tmp_path / "photo.pdf"  # a PNG whatever its name says
    misnamed.write_bytes(PNG)
    doc = tmp_path / "report"
    doc.write_bytes(PDF)
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes", encoding="utf-8")
    blocks = chat.attachment_blocks([str(misnamed), str(doc), str(notes)])
    assert [(b["type"], b["mime_type"]) for b in blocks] == [
        ("image", "image/png"),
        ("file", "application/pdf"),
        ("file", "text/markdown"),
    ]
    assert base64.b64decode(blocks[0]["base64"]) == PNG


def test_attachment_type_option_overrides_and_urls_stay_urls(tmp_path: Path) -> None:
    clip = tmp_path / "clip.bin"
    clip.write_bytes(b"\x00\x01")
    blocks = chat.attachment_blocks(
        ["https://example.com/a/cat.jpg?size=2", "gs://bucket/talk.mp3"],
        [[str(clip), "video/mp4"], ["https://example.com/doc", "application/pdf"]],
    )
    assert blocks == [
        {"type": "image", "url": "https://example.com/a/cat.jpg?size=2"},
        {"type": "audio", "url": "gs://bucket/talk.mp3"},
        {"type": "video", "base64": "AAE=", "mime_type": "video/mp4"},
        {
            "type": "file",
            "url": "https://example.com/doc",
            "mime_type": "application/pdf",
        },
    ]


def test_attachment_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file: .*missing.png"):
        chat.attachment_blocks([str(tmp_path / "missing.png")])
    blob = tmp_path / "blob"
    blob.write_bytes(b"\x00\x01\x02")
    with pytest.raises(ValueError, match="cannot tell the type of .*--attachment-type"):
        chat.attachment_blocks([str(blob)])


def test_attachments_follow_the_prompt_text() -> None:
    block = {"type": "image", "url": "https://example.com/cat.jpg"}
    assert chat.build_messages("What is it?", None, [block]) == [
        HumanMessage([{"type": "text", "text": "What is it?"}, block])
    ]


# -- backend choice ------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("COMETAPI_KEY", raising=False)
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    return monkeypatch


def test_a_key_asks_cometapi(env: pytest.MonkeyPatch) -> None:
    env.setenv("COMETAPI_KEY", "k")
    assert backend.choose_backend(offline=False, interactive=False) is None


def test_no_key_on_a_terminal_falls_back_with_a_notice(env: pytest.MonkeyPatch) -> None:
    notice = backend.choose_backend(offline=False, interactive=True)
    assert notice is not None
    assert notice.startswith("cometgemini: COMETAPI_KEY is not set: answering with")
    assert "--offline" in notice


def test_no_key_in_a_pipe_is_an_error(env: pytest.MonkeyPatch) -> None:
    with pytest.raises(backend.NoKeyError) as raised:
        backend.choose_backend(offline=False, interactive=False)
    line = chat.error_message(raised.value)
    assert line == (
        "cometgemini: error: COMETAPI_KEY is not set; set it, or pass --offline "
        "to answer from the built-in emulator"
    )


@pytest.mark.parametrize("interactive", [True, False])
def test_base_url_without_key_says_so(
    env: pytest.MonkeyPatch, interactive: bool
) -> None:
    env.setenv("COMETAPI_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(backend.NoKeyError, match="COMETAPI_BASE_URL is set but"):
        backend.choose_backend(offline=False, interactive=interactive)


def test_offline_mentions_the_key_only_when_it_is_missing(
    env: pytest.MonkeyPatch,
) -> None:
    without = backend.choose_backend(offline=True, interactive=False)
    assert without is not None and "set COMETAPI_KEY" in without
    env.setenv("COMETAPI_KEY", "k")
    with_key = backend.choose_backend(offline=True, interactive=False)
    assert with_key is not None and with_key.startswith("cometgemini: --offline: ")
    assert "COMETAPI_KEY" not in with_key


def test_no_color_turns_dimming_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = FakeTerminal()
    printer = chat.Printer(out)
    printer.write("thought", "Hmm.")
    printer.write("text", "Blue.")
    printer.end()
    assert out.getvalue() == "Thinking: Hmm.\n\nBlue.\n"


def test_stdin_attachment_can_be_given_once() -> None:
    with pytest.raises(ValueError, match="'-' \\(stdin\\) can be given once"):
        chat.attachment_blocks(["-"], [["-", "image/png"]], io.BytesIO(PNG))
    [block] = chat.attachment_blocks(["-"], stdin=io.BytesIO(PNG))
    assert (block["type"], block["mime_type"]) == ("image", "image/png")


# -- the model options both commands share -------------------------------------------


def parse_batch(argv: list[str]) -> Any:
    return options.parse_batch(["in.jsonl", "-o", "out.jsonl", *argv])


@pytest.mark.parametrize(
    "parse", [options.parse_chat, parse_batch], ids=["chat", "batch"]
)
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--temperature", "3"], "--temperature must be between 0 and 2"),
        (["-t", "low", "--thinking-budget", "9"], "cannot be combined"),
        (["--thinking-budget", "-2"], "--thinking-budget must be -1"),
    ],
)
def test_both_commands_check_the_shared_model_options(
    parse: Any, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse([*argv, "hi"] if parse is options.parse_chat else argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_batch_options_reach_the_model_arguments() -> None:
    args = parse_batch(
        ["-m", "gemini-2.5-pro", "--max-retries", "0", "--allow-private-media-urls"]
    )
    assert options.model_kwargs(args) == {
        "model": "gemini-2.5-pro",
        "max_retries": 0,
        "allow_private_media_urls": True,
    }


def test_the_private_media_advice_names_the_option() -> None:
    message = "Refusing ... (127.0.0.1). Set allow_private_media_urls=True to allow it."
    assert options.command_advice(message) == (
        "Refusing ... (127.0.0.1). Pass --allow-private-media-urls to allow it."
    )
