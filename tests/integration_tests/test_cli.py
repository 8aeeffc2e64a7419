"""The ``cometgemini`` command end to end, against the emulator over a socket.

Subprocess runs use the real console entry (``python -m langchain_cometgemini``)
with the CLI's own offline emulator or with an emulator started here (pointed
at through ``COMETAPI_BASE_URL``). In-process runs call ``cli.main`` so the
emulator can be scripted and the streamed writes observed one by one.
"""

from __future__ import annotations

import io
import json
import os
import select
import signal
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_cometgemini import cli
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.support import read_terminal

CAPTURES = Path(__file__).resolve().parents[1] / "data" / "captures"
NOTICE = "cometgemini: --offline: answering with the built-in offline"
NO_KEY = (
    "cometgemini: error: COMETAPI_KEY is not set; set it, or pass --offline "
    "to answer from the built-in emulator"
)
FLASH = "gemini-2.5-flash"


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m langchain_cometgemini`` with a clean CometAPI env."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("COMETAPI_")}
    return subprocess.run(
        [sys.executable, "-m", "langchain_cometgemini", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**base, "PYTHONWARNINGS": "ignore", **(env or {})},
        timeout=60,
    )


def online_env(emu: GeminiEmulator, key: str | None = None) -> dict[str, str]:
    return {"COMETAPI_KEY": key or str(emu.api_key), "COMETAPI_BASE_URL": emu.base_url}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_one_line_error(result: subprocess.CompletedProcess[str], hint: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if "error:" in ln]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("cometgemini: error: ")
    assert hint in errors[0]


# -- subprocess: offline ---


def test_offline_streams_the_echo_and_prints_usage() -> None:
    result = run_cli("--offline", "Why is the sky blue?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Echo: Why is the sky blue?\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(NOTICE)
    # 5 prompt words in, "Echo:" + 5 words out: the emulator counts words.
    assert lines[1] == "tokens: 5 in, 6 out, 11 total"


def test_no_key_in_a_pipe_is_one_error_line_and_no_answer() -> None:
    result = run_cli("Why is the sky blue?")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == NO_KEY + "\n"


def test_base_url_without_key_says_so() -> None:
    env = {"COMETAPI_BASE_URL": f"http://127.0.0.1:{closed_port()}"}
    result = run_cli("hi", env=env)
    assert_one_line_error(result, "COMETAPI_BASE_URL is set but COMETAPI_KEY is not")
    assert result.stdout == ""


def run_on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run the command with stdout (only) on a pseudo-terminal."""
    import pty

    base = {k: v for k, v in os.environ.items() if not k.startswith("COMETAPI_")}
    base.pop("NO_COLOR", None)
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "langchain_cometgemini", *args],
        stdin=subprocess.DEVNULL,
        stdout=child_fd,
        stderr=subprocess.PIPE,
        env={**base, "PYTHONWARNINGS": "ignore"},
    )
    os.close(child_fd)
    try:
        shown = read_terminal(main_fd)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
        os.close(main_fd)
    return process.returncode, shown.decode().replace("\r\n", "\n"), err.decode()


def test_no_key_on_a_terminal_answers_from_the_emulator() -> None:
    code, shown, err = run_on_a_terminal("--show-thoughts", "hi")
    assert code == 0, err
    assert err.startswith("cometgemini: COMETAPI_KEY is not set: answering with")
    assert shown.startswith("\033[2mThinking: ")  # dimmed: a terminal, no NO_COLOR
    assert shown.endswith("\033[0m\n\nEcho: hi\n")


@pytest.mark.parametrize(
    ("args", "echoed"),
    [
        ((), "summarise this"),
        (("-",), "summarise this"),
        (("Shorten:",), "Shorten:\n\nsummarise this"),
        (("Shorten:", "-"), "Shorten:\n\nsummarise this"),
        (("Shorten:", "-", "Be brief."), "Shorten:\n\nsummarise this\n\nBe brief."),
    ],
)
def test_prompt_from_stdin(args: tuple[str, ...], echoed: str) -> None:
    result = run_cli("--offline", *args, stdin="summarise this\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Echo: {echoed}\n"


def test_no_prompt_is_a_usage_error() -> None:
    result = run_cli(stdin="")
    assert result.returncode == 2
    assert "cometgemini: error: no prompt" in result.stderr
    assert "Traceback" not in result.stderr


def test_json_schema_prints_an_object_valid_for_the_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "population": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["city", "population", "tags"],
    }
    result = run_cli("--offline", "--json-schema", json.dumps(schema), "a French city")
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert set(parsed) == {"city", "population", "tags"}
    assert isinstance(parsed["city"], str)
    assert isinstance(parsed["population"], int)
    assert result.stderr.splitlines()[-1].startswith("tokens: ")


# -- subprocess: against an emulator started here ---


GEMINI_3 = "gemini-3-flash-preview"
"""Thinking levels are Gemini 3's (2.5 takes a budget)."""


def test_online_path_sends_every_option(gemini_emulator: GeminiEmulator) -> None:
    result = run_cli(
        *("--model", GEMINI_3, "--system", "Be brief.", "--temperature", "0.2"),
        *("--thinking-level", "low", "Why?"),
        env=online_env(gemini_emulator),
    )
    assert result.returncode == 0, result.stderr
    assert "offline" not in result.stderr
    assert result.stdout == "Echo: Why?\n"
    request = gemini_emulator.last_request
    assert request.model == GEMINI_3
    assert request.stream
    assert request.system_text == "Be brief."
    assert request.generation_config["temperature"] == 0.2
    assert request.generation_config["thinkingConfig"]["thinkingLevel"] == "LOW"


def test_online_run_never_imports_the_emulator(
    gemini_emulator: GeminiEmulator,
) -> None:
    code = (
        "import sys\n"
        "from langchain_cometgemini import cli\n"
        "code = cli.main(['hi'])\n"
        "print('emulator loaded:', 'langchain_cometgemini.testing' in sys.modules)\n"
        "raise SystemExit(code)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("COMETAPI_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**base, **online_env(gemini_emulator)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Echo: hi\nemulator loaded: False\n"


def test_ctrl_c_mid_stream_exits_130_without_traceback(
    gemini_emulator: GeminiEmulator,
) -> None:
    slow = Reply.text("one two three four", n_chunks=4)
    slow.event_delay = 30.0  # the stream stalls after its first event
    gemini_emulator.enqueue(slow)
    base = {k: v for k, v in os.environ.items() if not k.startswith("COMETAPI_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "langchain_cometgemini", "-m", FLASH, "hi"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**base, **online_env(gemini_emulator)},
    )
    try:
        assert process.stdout is not None
        first = os.read(process.stdout.fileno(), 100)  # blocks until text arrives
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert first == b"one"
    assert process.returncode == 130
    assert err.decode().strip() == "cometgemini: interrupted"


def test_bad_key(gemini_emulator: GeminiEmulator) -> None:
    result = run_cli("hi", env=online_env(gemini_emulator, key="wrong-key"))
    assert_one_line_error(result, "the API key was rejected; check COMETAPI_KEY")
    assert "API_KEY_INVALID" in result.stderr or "API key" in result.stderr
    assert "wrong-key" not in result.stderr
    assert len(gemini_emulator.requests) == 1  # a bad key is never retried


def test_unknown_model(gemini_emulator: GeminiEmulator) -> None:
    # The real 404 body Gemini sends for a model it does not serve.
    captured = Reply.from_capture(f"{CAPTURES / 'errors.json'}#404_model_not_found")
    gemini_emulator.enqueue(captured)
    result = run_cli(
        "-m", "imagen-4.0-fast-generate-001", "hi", env=online_env(gemini_emulator)
    )
    assert_one_line_error(result, "unknown model or path; check --model")
    assert "Gemini does not serve the model 'imagen-4.0-fast-generate-001'" in (
        result.stderr
    )
    assert gemini_emulator.last_request.model == "imagen-4.0-fast-generate-001"


def test_no_network() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    env = {"COMETAPI_KEY": "k", "COMETAPI_BASE_URL": url}
    result = run_cli("hi", env=env)
    assert_one_line_error(result, f"cannot reach {url}; check your network")


def test_server_error_after_retries(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(*[Reply.error(503, "overloaded", "UNAVAILABLE")] * 3)
    result = run_cli("hi", env=online_env(gemini_emulator))
    assert_one_line_error(result, "the request failed")
    assert "503 UNAVAILABLE: overloaded" in result.stderr
    assert len(gemini_emulator.requests) == 3  # max_retries=2 -> 3 attempts


# -- in process: scripted emulator, observed writes ---


class Recorder(io.StringIO):
    """A stdout that remembers each write separately."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


@pytest.fixture
def online(
    gemini_emulator: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GeminiEmulator]:
    for name, value in online_env(gemini_emulator).items():
        monkeypatch.setenv(name, value)
    yield gemini_emulator


def run_main(
    monkeypatch: pytest.MonkeyPatch, *argv: str
) -> tuple[int, Recorder, Recorder]:
    out, err = Recorder(), Recorder()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # a pipe with nothing in it
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = cli.main(list(argv))
    return code, out, err


def test_answer_is_written_chunk_by_chunk(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    reply = Reply.text("The sky is blue because of scattering.", n_chunks=4)
    sent = [
        c["candidates"][0]["content"]["parts"][0]["text"] for c in reply.chunks or []
    ]
    assert len(sent) == 4
    online.enqueue(reply)
    code, out, err = run_main(monkeypatch, "-m", FLASH, "Why?")
    assert code == 0
    assert out.writes[:4] == sent  # one write per event, as it arrives
    assert out.getvalue() == "The sky is blue because of scattering.\n"
    assert err.getvalue().startswith("tokens: 1 in, 7 out, 8 total")
    assert online.last_request.stream


def test_thoughts_then_answer_in_process(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    online.enqueue(Reply.text("42.", thought="Add them up."))
    code, out, _ = run_main(monkeypatch, "--show-thoughts", "-m", FLASH, "sum?")
    assert code == 0
    assert out.getvalue() == "Thinking: Add them up.\n\n42.\n"
    config = online.last_request.generation_config
    assert config["thinkingConfig"]["includeThoughts"] is True


def grounded(text: str, grounding: dict[str, Any]) -> Reply:
    reply = Reply.text(text, n_chunks=2)
    assert reply.chunks is not None
    for response in (reply.body, reply.chunks[-1]):
        response["candidates"][0]["groundingMetadata"] = grounding
    return reply


def test_search_sends_the_tool_and_prints_sources(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    grounding = {
        "webSearchQueries": ["euro 2024 winner"],
        "groundingChunks": [
            {"web": {"uri": "https://vertexaisearch.example/1", "title": "uefa.com"}},
            {"web": {"uri": "https://vertexaisearch.example/2", "title": "bbc.co.uk"}},
        ],
    }
    online.enqueue(grounded("Spain won Euro 2024.", grounding))
    code, out, _ = run_main(monkeypatch, "--search", "-m", FLASH, "Who won?")
    assert code == 0
    assert out.getvalue() == (
        "Spain won Euro 2024.\n\nSearched: euro 2024 winner\nSources:\n"
        "  [1] uefa.com <https://vertexaisearch.example/1>\n"
        "  [2] bbc.co.uk <https://vertexaisearch.example/2>\n"
    )
    assert online.last_request.body["tools"] == [{"googleSearch": {}}]


def test_a_model_status_warning_is_one_line_on_stderr(
    gemini_emulator: GeminiEmulator,
) -> None:
    reply = Reply.text("Still here")
    status = {"modelStage": "DEPRECATED", "retirementTime": "2026-06-01T00:00:00Z"}
    assert reply.chunks is not None
    reply.chunks[-1]["modelStatus"] = status
    gemini_emulator.enqueue(reply)
    env = {**online_env(gemini_emulator), "PYTHONWARNINGS": "default"}
    result = run_cli("-m", FLASH, "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Still here\n"
    [warning] = [line for line in result.stderr.splitlines() if "DEPRECATED" in line]
    assert warning.startswith("cometgemini: warning: Gemini model 'gemini-2.5-flash'")
    assert "2026-06-01T00:00:00Z" in warning
    assert "warnings.warn" not in result.stderr  # no source line, no file path
    assert ".py:" not in result.stderr


def test_safety_finish_is_reported(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    online.enqueue(Reply.text("I can", finish_reason="SAFETY"))
    code, out, err = run_main(monkeypatch, "-m", FLASH, "something")
    assert code == 0
    assert out.getvalue() == "I can\n"
    assert "the answer stopped early: finish_reason=SAFETY" in err.getvalue()


@pytest.mark.parametrize("schema", [False, True], ids=["text", "json-schema"])
@pytest.mark.parametrize(
    ("reply", "label"),
    [
        (
            Reply.empty("MALFORMED_FUNCTION_CALL", finish_message="Malformed: f(x="),
            "MALFORMED_FUNCTION_CALL",
        ),
        (Reply.empty("SAFETY"), "SAFETY"),
        (Reply.empty("SPII", prompt_blocked=True), "prompt blocked: SPII"),
        (Reply.empty("MAX_TOKENS", thought="Hmm"), "MAX_TOKENS"),
    ],
    ids=["malformed-call", "safety", "blocked-prompt", "max-tokens"],
)
def test_an_answer_without_content_is_one_line_exit_1(
    online: GeminiEmulator,
    monkeypatch: pytest.MonkeyPatch,
    reply: Reply,
    label: str,
    schema: bool,
) -> None:
    online.enqueue(reply)
    args = ["--json-schema", '{"type": "object"}'] if schema else []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Python warning reaches the terminal
        code, out, err = run_main(monkeypatch, "-m", FLASH, *args, "something")
    assert code == 1
    assert out.getvalue().strip() in ("", "Thinking: Hmm")  # thoughts shown
    expected = (
        f"cometgemini: error: no answer (Gemini returned no usable content ({label})"
    )
    assert err.getvalue().startswith(expected)
    assert err.getvalue().count("\n") == 1
    assert len(online.requests) == 1


def test_the_max_tokens_advice_names_what_the_command_can_do(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    online.enqueue(Reply.empty("MAX_TOKENS", thought="Long thoughts"))
    code, _, err = run_main(monkeypatch, "-m", FLASH, "something")
    assert code == 1
    assert "max_output_tokens" not in err.getvalue()  # no such option here
    assert "--thinking-budget" in err.getvalue()


def test_a_lone_surrogate_in_structured_output_is_printed_escaped(
    gemini_emulator: GeminiEmulator,
) -> None:
    # The model's JSON text escapes a lone surrogate, which UTF-8 cannot carry.
    gemini_emulator.enqueue(Reply.text('{"city": "Par\\ud800is"}'))
    schema = '{"type": "object", "properties": {"city": {"type": "string"}}}'
    result = run_cli("--json-schema", schema, "x", env=online_env(gemini_emulator))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"city": "Par\ud800is"}  # nothing lost


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["-m", "gemini 2.5"], "model 'gemini 2.5' cannot be a Gemini model id"),
        (["-m", FLASH, "-t", "high"], "gemini-2.5-flash takes a thinking_budget"),
        (
            ["-m", "gemini-3-pro-preview", "-t", "minimal"],
            "gemini-3-pro-preview accepts thinking_level low, high only",
        ),
    ],
    ids=["model-id", "level-on-2.5", "level-not-in-profile"],
)
def test_settings_the_model_refuses_are_bad_usage_in_one_line(
    online: GeminiEmulator,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    said: str,
) -> None:
    code, out, err = run_main(monkeypatch, *argv, "hi")
    assert code == 2
    assert err.getvalue().startswith(f"cometgemini: error: {said}")
    assert err.getvalue().count("\n") == 1
    assert "validation error" not in err.getvalue()  # not pydantic's report
    assert out.getvalue() == ""
    assert online.requests == []


def test_rate_limit_in_process(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    online.enqueue(*[Reply.rate_limited("0s")] * 3)
    code, out, err = run_main(monkeypatch, "-m", FLASH, "hi")
    assert code == 1
    assert out.getvalue() == ""
    assert err.getvalue().startswith("cometgemini: error: rate limited")
    assert "RESOURCE_EXHAUSTED" in err.getvalue()
    assert err.getvalue().count("\n") == 1


def test_schema_mismatch_is_one_line(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    online.enqueue(Reply.text("not json at all"))
    schema = '{"type": "object", "properties": {"a": {"type": "string"}}}'
    code, _, err = run_main(monkeypatch, "--json-schema", schema, "-m", FLASH, "x")
    assert code == 1
    assert "did not match the JSON schema" in err.getvalue()
    config = online.last_request.generation_config
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"]["properties"] == {"a": {"type": "string"}}


# -- in process: the CLI's own offline emulator ---


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMETAPI_KEY", raising=False)
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)


def test_offline_flag_wins_over_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMETAPI_KEY", "real-looking-key")
    monkeypatch.setenv("COMETAPI_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    code, out, err = run_main(monkeypatch, "--offline", "hi")
    assert code == 0, err.getvalue()
    assert out.getvalue() == "Echo: hi\n"
    assert err.getvalue().startswith(NOTICE)
    assert "COMETAPI_KEY" not in err.getvalue()  # it is set: no advice to set it
    assert "real-looking-key" not in err.getvalue() + out.getvalue()


@pytest.mark.usefixtures("no_key")
def test_offline_show_thoughts(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run_main(monkeypatch, "--offline", "--show-thoughts", "hi")
    assert code == 0, err.getvalue()
    thought, _, answer = out.getvalue().partition("\n\n")
    assert thought.startswith("Thinking: ")
    assert answer == "Echo: hi\n"
    assert "thinking)" in err.getvalue()  # reasoning tokens in the usage line


@pytest.mark.usefixtures("no_key")
def test_offline_search_prints_labelled_fake_sources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_main(monkeypatch, "--offline", "--search", "who won?")
    assert code == 0, err.getvalue()
    assert out.getvalue().startswith("Echo: who won?\n\n")
    assert "Sources:\n  [1] Offline emulator (no real search was made)" in (
        out.getvalue()
    )


def test_attachments_reach_the_server_inline_and_as_urls(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    (tmp_path / "shot.dat").write_bytes(png)
    url = "gs://bucket/media/talk.mp3"  # URLs follow the media rules of the model
    code, out, err = run_main(
        monkeypatch,
        *("-m", FLASH, "-a", str(tmp_path / "shot.dat"), "-a", url),
        *("--attachment-type", "gs://bucket/clip", "video/webm", "What is this?"),
    )
    assert code == 0, err.getvalue()
    assert out.getvalue() == "Echo: What is this?\n"
    parts = online.last_request.contents[-1]["parts"]
    assert parts[0] == {"text": "What is this?"}
    assert parts[1] == {
        "inlineData": {
            "mimeType": "image/png",
            "data": __import__("base64").b64encode(png).decode(),
        }
    }
    assert parts[2]["fileData"] == {"fileUri": url, "mimeType": "audio/mpeg"}
    assert parts[3]["fileData"] == {
        "fileUri": "gs://bucket/clip",
        "mimeType": "video/webm",
    }


def test_a_private_media_url_names_the_option_that_allows_it(
    gemini_emulator: GeminiEmulator,
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(40)
    url = gemini_emulator.serve_file("/cat.png", png, "image/png")  # on 127.0.0.1
    args = ("-m", FLASH, "-a", url, "What is it?")
    refused = run_cli(*args, env=online_env(gemini_emulator))
    assert_one_line_error(refused, "Pass --allow-private-media-urls to allow it")
    assert "allow_private_media_urls" not in refused.stderr  # no Python field
    assert [r.method for r in gemini_emulator.requests] == []  # nothing fetched

    allowed = run_cli(
        "--allow-private-media-urls", *args, env=online_env(gemini_emulator)
    )
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout == "Echo: What is it?\n"
    fetched, sent = gemini_emulator.requests
    assert (fetched.method, fetched.path) == ("GET", "/cat.png")
    inline = sent.contents[-1]["parts"][1]["inlineData"]
    assert inline["mimeType"] == "image/png"
    assert __import__("base64").b64decode(inline["data"]) == png


def read_until(main_fd: int, marker: bytes) -> bytes:
    """What a pseudo-terminal shows, up to and including ``marker``.

    Fails (instead of hanging) if nothing is shown for a whole minute.
    """
    shown = b""
    while marker not in shown:
        ready, _, _ = select.select([main_fd], [], [], 60)
        assert ready, f"nothing more shown after {shown!r}"
        data = os.read(main_fd, 4096)
        assert data, shown
        shown += data
    return shown


def test_an_open_stdin_pipe_is_announced_on_a_terminal() -> None:
    import pty

    base = {k: v for k, v in os.environ.items() if not k.startswith("COMETAPI_")}
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "langchain_cometgemini", "--offline", "Shorten:"],
        stdin=subprocess.PIPE,  # a pipe that stays open until the test closes it
        stdout=subprocess.PIPE,
        stderr=child_fd,
        env={**base, "PYTHONWARNINGS": "ignore"},
    )
    os.close(child_fd)
    try:
        assert process.stdin is not None and process.stdout is not None
        notice = read_until(main_fd, b"< /dev/null").decode()
        process.stdin.write(b"the notes\n")
        process.stdin.close()
        answer = process.stdout.read()
        process.wait(timeout=60)
        read_terminal(main_fd)
    finally:
        process.kill()
        os.close(main_fd)
    assert process.returncode == 0
    assert "cometgemini: reading the prompt from stdin" in notice
    assert "run with '< /dev/null' to send the words alone" in notice
    assert answer == b"Echo: Shorten:\n\nthe notes\n"


def test_missing_attachment_is_a_usage_error() -> None:
    result = run_cli("--offline", "-a", "/nonexistent/cat.png", "hi")
    assert result.returncode == 2
    assert "cometgemini: error: --attachment: no such file: /nonexistent/cat.png" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


# -- python -m langchain_cometgemini.testing ---


def run_emulator_main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "langchain_cometgemini.testing", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_emulator_main_busy_port_is_one_line_exit_2() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_emulator_main("--port", str(port))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        f"python -m langchain_cometgemini.testing: error: cannot listen on "
        f"127.0.0.1:{port}: "
    )


@pytest.mark.parametrize("port", ["70000", "http", "-1"])
def test_emulator_main_invalid_port_is_one_line_exit_2(port: str) -> None:
    result = run_emulator_main("--port", port)
    assert result.returncode == 2
    assert result.stderr == (
        f"python -m langchain_cometgemini.testing: error: invalid port {port!r}: "
        "give a number from 0 to 65535\n"
    )


def test_emulator_main_prints_the_url_and_the_key_it_expects() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "langchain_cometgemini.testing", "--api-key", "k-123"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base = process.stdout.readline().strip()
        exports = process.stdout.readline().strip()
        assert exports == f"export COMETAPI_BASE_URL={base} COMETAPI_KEY=k-123"
        result = run_cli(
            "-m", FLASH, "hi", env={"COMETAPI_BASE_URL": base, "COMETAPI_KEY": "k-123"}
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "Echo: hi\n"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_attachment_from_stdin_and_the_prompt_from_the_words(
    gemini_emulator: GeminiEmulator,
) -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
    base = {k: v for k, v in os.environ.items() if not k.startswith("COMETAPI_")}
    result = subprocess.run(
        [sys.executable, "-m", "langchain_cometgemini", "-m", FLASH, "-a", "-"]
        + ["Summarize", "it."],
        input=pdf,
        capture_output=True,
        env={**base, **online_env(gemini_emulator)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"Echo: Summarize it.\n"
    parts = gemini_emulator.last_request.contents[-1]["parts"]
    assert parts[0] == {"text": "Summarize it."}  # stdin did not join the prompt
    inline = parts[1]["inlineData"]
    assert inline["mimeType"] == "application/pdf"
    assert __import__("base64").b64decode(inline["data"]) == pdf
