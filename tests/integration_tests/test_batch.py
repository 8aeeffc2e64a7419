"""``cometgemini batch`` end to end against the emulator on 127.0.0.1.

The big test runs the real command in a subprocess on 2,000 lines with
injected 503s, interrupts it with SIGINT half-way (the emulator holds every
answer past the 1,000th until the signal is sent, so "half-way" is a fact, not
a timing), then resumes it and checks that every id ends up answered exactly
once, with its own answer, and that answered ids were never asked again.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_cometgemini import cli
from langchain_cometgemini.testing import GeminiEmulator, RecordedRequest, Reply
from tests.support import read_terminal

FLASH = "gemini-2.5-flash"


def clean_env(emu: GeminiEmulator | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMETAPI_")}
    env["PYTHONWARNINGS"] = "ignore"
    if emu is not None:
        env |= {"COMETAPI_KEY": str(emu.api_key), "COMETAPI_BASE_URL": emu.base_url}
    return env


def batch_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "langchain_cometgemini", "batch", *args]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")  # never a torn last line
    return [json.loads(line) for line in text.splitlines()]


# -- 2,000 lines, 503s, SIGINT half-way, resume -------------------------------------


class FlakyServer:
    """Responder: id % 10 == 3 gets one 503 first, id % 250 == 7 only 503s (until
    ``healthy``); after ``gate_at`` successes, answers wait for ``gate``."""

    def __init__(self, gate_at: int) -> None:
        self.lock = threading.Lock()
        self.attempts: Counter[int] = Counter()
        self.successes = 0
        self.gate_at = gate_at
        self.gate = threading.Event()
        self.healthy = False

    def __call__(self, request: RecordedRequest) -> Reply:
        number = int(request.text.split()[-1])
        with self.lock:
            self.attempts[number] += 1
            first = self.attempts[number] == 1
            broken = number % 250 == 7 and not self.healthy
            if not (broken or (number % 10 == 3 and first)):
                self.successes += 1
                held = self.successes > self.gate_at and not self.gate.is_set()
        if broken or (number % 10 == 3 and first):
            return Reply.error(503, "The model is overloaded.", "UNAVAILABLE")
        if held:
            self.gate.wait(60)
        return Reply.text(f"answer {number}")


def wait_for(condition: Any, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def answered_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return [json.loads(ln) for ln in lines if ln.endswith("\n")]


def test_2000_lines_with_503s_interrupted_then_resumed(
    gemini_emulator: GeminiEmulator, tmp_path: Path
) -> None:
    total = 2000
    broken = [n for n in range(total) if n % 250 == 7]
    first_half_broken = [n for n in broken if n < total // 2]
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(
        source, [{"id": f"q{n}", "prompt": f"question {n}"} for n in range(total)]
    )
    server = FlakyServer(gate_at=total // 2)
    gemini_emulator.responder = server
    args = batch_command(str(source), "-o", str(output), "-j", "16", "-m", FLASH)

    process = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(gemini_emulator),
    )
    try:

        def half_way() -> bool:
            lines = answered_lines(output)
            failed = {r["id"] for r in lines if "error" in r}
            texts = sum("text" in r for r in lines)
            return texts >= total // 2 and failed >= {
                f"q{n}" for n in first_half_broken
            }

        wait_for(half_way)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        server.gate.set()
        process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.splitlines()[-1].endswith(
        "interrupted: rerun the same command to resume"
    )
    first = read_jsonl(output)  # valid JSONL: every line whole
    assert len({r["id"] for r in first}) == len(first)
    done_first = {r["id"] for r in first if "text" in r}
    assert total // 2 <= len(done_first) < total
    for record in first:
        if "error" in record:
            assert record["error"]["type"] == "ServerError"
            assert record["error"]["status_code"] == 503
            assert "overloaded" in record["error"]["message"]
    retried = [n for n in range(total) if n % 10 == 3 and f"q{n}" in done_first]
    assert retried and all(server.attempts[n] >= 2 for n in retried)
    assert all(server.attempts[n] == 3 for n in first_half_broken)  # 1 + max_retries

    gemini_emulator.clear()
    server.healthy, server.gate_at = True, total * 10
    resumed = subprocess.run(
        args,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(gemini_emulator),
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    final = read_jsonl(output)
    assert Counter(r["id"] for r in final) == Counter(f"q{n}" for n in range(total))
    assert all(r["text"] == f"answer {r['id'][1:]}" for r in final)  # its own answer
    assert all(
        r["finish_reason"] == "STOP" and r["usage"]["output_tokens"] == 2 for r in final
    )
    asked_again = {f"q{r.text.split()[-1]}" for r in gemini_emulator.requests}
    assert asked_again.isdisjoint(done_first)
    assert asked_again >= {f"q{n}" for n in range(total)} - done_first
    assert (
        f"resuming: {len(done_first)} of {total} ids already answered" in resumed.stderr
    )
    assert resumed.stderr.splitlines()[-1].startswith(
        f"cometgemini batch: {total}/{total} answered ({len(done_first)} from an "
        "earlier run), 0 failed; tokens: "
    )


# -- in process --------------------------------------------------------------------


def run_batch(monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str]:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    return cli.main(["batch", *argv]), err.getvalue()


@pytest.fixture
def online(
    gemini_emulator: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GeminiEmulator]:
    monkeypatch.setenv("COMETAPI_KEY", str(gemini_emulator.api_key))
    monkeypatch.setenv("COMETAPI_BASE_URL", gemini_emulator.base_url)
    yield gemini_emulator


SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
}


def test_each_line_sends_its_own_model_system_and_schema(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(
        source,
        [
            {"id": "plain", "prompt": "hello"},
            {"id": 7, "prompt": "hola", "model": "gemini-2.5-pro", "system": "Short."},
            {"id": "city", "prompt": "a city", "schema": SCHEMA},
            {
                "id": "chat",
                "messages": [
                    {"role": "user", "content": "My name is Ada."},
                    {"role": "assistant", "content": "Hi Ada."},
                    {"role": "user", "content": "What is my name?"},
                ],
            },
        ],
    )
    code, err = run_batch(
        monkeypatch, str(source), "-o", str(output), "-m", FLASH, "-s", "Default."
    )
    assert code == 0, err
    records = {r["id"]: r for r in read_jsonl(output)}
    assert records["plain"]["text"] == "Echo: hello"
    assert records[7]["text"] == "Echo: hola"
    assert set(records["city"]["output"]) == {"city", "population"}
    assert records["chat"]["text"] == "Echo: What is my name?"
    sent = {r.text: r for r in online.requests}
    assert (sent["hello"].model, sent["hello"].system_text) == (FLASH, "Default.")
    assert (sent["hola"].model, sent["hola"].system_text) == (
        "gemini-2.5-pro",
        "Short.",
    )
    config = sent["a city"].generation_config
    assert config["responseJsonSchema"]["required"] == ["city", "population"]
    assert [c["role"] for c in sent["What is my name?"].contents] == [
        "user",
        "model",
        "user",
    ]
    assert err.splitlines()[-1].startswith("cometgemini batch: 4/4 answered, 0 failed")


def test_failed_lines_exit_1_then_a_rerun_retries_only_them(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": n, "prompt": f"p {n}"} for n in range(6)])

    def refuse_p4(request: RecordedRequest) -> Reply:
        if request.text == "p 4":
            return Reply.error(400, "Bad p4.", "INVALID_ARGUMENT")
        return Reply.text(f"ok {request.text}")

    online.responder = refuse_p4
    code, err = run_batch(monkeypatch, str(source), "-o", str(output), "-j", "2")
    assert code == 1
    first = read_jsonl(output)
    assert len(first) == 6
    [failed] = [r for r in first if "error" in r]
    assert failed["id"] == 4
    assert failed["error"]["type"] == "BadRequestError"
    assert failed["error"]["status_code"] == 400
    assert "Bad p4." in failed["error"]["message"]
    assert sum(r.text == "p 4" for r in online.requests) == 1  # 400: never retried
    assert "5/6 answered, 1 failed" in err
    assert "rerun the same command to retry the failed ids" in err

    online.clear()
    online.responder = None
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 0, err
    assert [r.text for r in online.requests] == ["p 4"]
    final = read_jsonl(output)
    assert sorted(r["id"] for r in final) == list(range(6))  # the error line is gone
    assert next(r for r in final if r["id"] == 4)["text"] == "Echo: p 4"


def test_a_torn_last_line_is_dropped_and_asked_again(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "a", "prompt": "one"}, {"id": "b", "prompt": "two"}])
    output.write_text('{"id": "a", "text": "old"}\n{"id": "b", "te', encoding="utf-8")
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 0, err
    assert [r.text for r in online.requests] == ["two"]
    assert read_jsonl(output) == [
        {"id": "a", "text": "old"},
        {
            "id": "b",
            "text": "Echo: two",
            "usage": read_jsonl(output)[1]["usage"],
            "finish_reason": "STOP",
        },
    ]


def test_concurrency_is_bounded(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lock, state = threading.Lock(), {"now": 0, "peak": 0}

    def slow(request: RecordedRequest) -> Reply:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return Reply.text("done")

    online.responder = slow
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": n, "prompt": f"p {n}"} for n in range(24)])
    code, err = run_batch(monkeypatch, str(source), "-o", str(output), "-j", "3")
    assert code == 0, err
    assert len(online.requests) == 24
    assert 2 <= state["peak"] <= 3


def test_bad_input_is_exit_2_and_nothing_is_sent(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    cases = [
        (
            '{"id": 1, "prompt": "a"}\n{"id": 1, "prompt": "b"}\n',
            "line 2: id 1 repeats line 1",
        ),
        ('{"id": 1, "prompt": "a"}\nnot json\n', "line 2: invalid JSON"),
        ('{"id": 1}\n', "line 1: give a 'prompt' string or 'messages'"),
        ('{"id": [1], "prompt": "a"}\n', "line 1: 'id' must be a string or an integer"),
        (
            '{"id": 1, "prompt": "a", "schema": "city"}\n',
            "line 1: 'schema' must be a JSON object",
        ),
    ]
    for text, message in cases:
        source.write_text(text, encoding="utf-8")
        code, err = run_batch(monkeypatch, str(source), "-o", str(output))
        assert code == 2
        assert err.startswith(f"cometgemini batch: error: {message}")
        assert err.count("\n") == 1
    assert online.requests == []
    assert not output.exists()


def test_no_key_in_a_script_is_one_line_exit_1(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    write_jsonl(source, [{"id": 1, "prompt": "a"}])
    result = subprocess.run(
        batch_command(str(source), "-o", str(tmp_path / "out.jsonl")),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "cometgemini batch: error: COMETAPI_KEY is not set; set it, or pass "
        "--offline to answer from the built-in emulator\n"
    )


def test_offline_answers_from_the_built_in_emulator(tmp_path: Path) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": n, "prompt": f"hello {n}"} for n in range(3)])
    result = subprocess.run(
        batch_command(str(source), "-o", str(output), "--offline"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(r["text"] for r in read_jsonl(output)) == [
        "Echo: hello 0",
        "Echo: hello 1",
        "Echo: hello 2",
    ]
    assert result.stderr.splitlines()[-1].startswith(
        "cometgemini batch: 3/3 answered, 0 failed; tokens: 6 in, 9 out, 0 thinking"
    )


def test_progress_bar_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    import pty

    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": n, "prompt": f"hello {n}"} for n in range(40)])
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen(
        batch_command(str(source), "-o", str(output), "--offline", "-j", "4"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=child_fd,
        env=clean_env(),
    )
    os.close(child_fd)
    try:
        shown = read_terminal(main_fd)
        process.wait(timeout=60)
    finally:
        process.kill()
        os.close(main_fd)
    assert process.returncode == 0
    text = shown.decode()
    final_bar = "\r[" + "#" * 24 + "] 40/40 done, 0 failed, "
    assert final_bar in text  # redrawn in place, ending full
    assert "\x1b[K" in text
    assert (
        text.rstrip().splitlines()[-1].startswith("cometgemini batch: 40/40 answered")
    )
    assert len(read_jsonl(output)) == 40


def test_progress_lines_keep_coming_while_every_request_waits(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", io.StringIO())

    def stalled(request: RecordedRequest) -> Reply:
        # Answer only once a progress line has been printed with nothing done.
        wait_for(lambda: "cometgemini batch: 0/1 done" in err.getvalue(), 30)
        return Reply.text("finally")

    online.responder = stalled
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "slow", "prompt": "wait"}])
    args = [str(source), "-o", str(output), "--progress-every", "0.05"]
    assert cli.main(["batch", *args]) == 0
    assert read_jsonl(output)[0]["text"] == "finally"
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("cometgemini batch: 0/1 done, 0 failed, 0.0/s")
    assert lines[-1].startswith("cometgemini batch: 1/1 answered, 0 failed")


# -- lines beyond what JSON can read, text UTF-8 cannot carry ------------------------

HUGE_ID = '{"id": ' + "9" * 5000 + ', "prompt": "a"}'
DEEP = '{"id": 1, "prompt": "a", "schema": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (HUGE_ID, "line 2: unreadable JSON (a number of more than 4300 digits)\n"),
        (DEEP, "line 2: JSON nested too deeply to read"),
    ],
    ids=["5000-digit-id", "100000-deep"],
)
def test_an_unreadable_input_line_is_one_line_exit_2(
    online: GeminiEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    line: str,
    message: str,
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text('{"id": 0, "prompt": "fine"}\n' + line + "\n", encoding="utf-8")
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 2
    assert err.startswith(f"cometgemini batch: error: {message}")
    assert err.count("\n") == 1
    assert online.requests == []


@pytest.mark.parametrize("line", [HUGE_ID, DEEP], ids=["5000-digit-id", "100000-deep"])
def test_an_unreadable_line_in_the_output_stops_the_resume(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, line: str
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "a", "prompt": "one"}, {"id": "b", "prompt": "two"}])
    before = '{"id": "a", "text": "paid for"}\n' + line + "\n"
    output.write_text(before, encoding="utf-8")
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 2
    assert err.startswith(f"cometgemini batch: error: {output}: line 2: ")
    assert err.count("\n") == 1
    assert output.read_text(encoding="utf-8") == before  # nothing dropped unread
    assert online.requests == []


def test_an_answer_without_content_is_a_failed_line_asked_again_on_resume(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "a", "prompt": "x"}, {"id": "b", "prompt": "y"}])
    online.responder = lambda r: Reply.empty("SAFETY") if r.text == "x" else None
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 1, err
    records = {r["id"]: r for r in read_jsonl(output)}
    assert records["b"]["text"] == "Echo: y"
    failed = records["a"]["error"]
    assert failed["type"] == "AnswerRefusedError"
    assert failed["finish_reason"] == "SAFETY"
    assert "withheld by the safety filters" in failed["message"]
    assert "1/2 answered, 1 failed" in err
    billed = records["a"]["usage"]["input_tokens"]  # an empty answer is billed
    assert billed > 0
    total = billed + records["b"]["usage"]["input_tokens"]
    assert f"tokens: {total} in" in err  # and counted in the summary

    online.responder = None
    online.clear()
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 0, err
    assert [r.text for r in online.requests] == ["x"]  # only the empty one again
    assert {r["id"]: r.get("text") for r in read_jsonl(output)} == {
        "a": "Echo: x",
        "b": "Echo: y",
    }


def test_a_last_line_torn_inside_a_character_is_dropped_on_resume(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "a", "prompt": "one"}, {"id": "b", "prompt": "two"}])
    paid = '{"id": "a", "text": "paid for"}\n'
    torn = '{"id": "b", "text": "caf\u00e9'.encode()[:-1]  # the crash cut the é
    output.write_bytes(paid.encode() + torn)
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 0, err
    assert [r.text for r in online.requests] == ["two"]
    assert [r["id"] for r in read_jsonl(output)] == ["a", "b"]


def test_an_input_saved_with_a_byte_order_mark_is_read(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    # and without a newline after its last line, as editors may save it
    source.write_text('{"id": "a", "prompt": "one"}', encoding="utf-8-sig")
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 0, err
    assert [r["text"] for r in read_jsonl(output)] == ["Echo: one"]


@pytest.mark.parametrize("in_output", [False, True], ids=["input", "output"])
def test_a_line_that_is_not_utf8_is_one_line_exit_2(
    online: GeminiEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    in_output: bool,
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    good, bad = b'{"id": "a", "prompt": "one"}\n', b'{"id": "b", "text": "\xff"}\n'
    source.write_bytes(good + (b"" if in_output else bad))
    before = b'{"id": "a", "text": "paid"}\n' + bad
    if in_output:
        output.write_bytes(before)
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 2
    where = f"{output}: line 2" if in_output else "line 2"
    assert err == f"cometgemini batch: error: {where}: not UTF-8 text\n"
    assert online.requests == []
    if in_output:
        assert output.read_bytes() == before  # never dropped unread


@pytest.mark.parametrize(
    ("rows", "argv", "said"),
    [
        (
            [{"id": "a", "prompt": "x"}, {"id": "b", "prompt": "y", "model": "a b"}],
            [],
            "line 2: model 'a b' cannot be a Gemini model id",
        ),
        (
            [{"id": "a", "prompt": "x"}],
            ["-m", FLASH, "-t", "high"],
            "gemini-2.5-flash takes a thinking_budget",
        ),
        (
            [{"id": "a", "prompt": "x"}, {"id": "b", "prompt": "y", "model": FLASH}],
            ["-t", "high"],
            "line 2: gemini-2.5-flash takes a thinking_budget",
        ),
    ],
    ids=["line-model", "options", "line-model-with-options"],
)
def test_settings_the_model_refuses_stop_the_job_before_anything_is_sent(
    online: GeminiEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    rows: list[dict[str, Any]],
    argv: list[str],
    said: str,
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, rows)
    code, err = run_batch(monkeypatch, str(source), "-o", str(output), *argv)
    assert code == 2
    assert err.startswith(f"cometgemini batch: error: {said}")
    assert err.count("\n") == 1
    assert online.requests == []


def test_a_lone_surrogate_id_is_written_escaped_and_resumes(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    # The JSON escapes stand for lone surrogates, which UTF-8 cannot encode.
    source.write_text(
        '{"id": "\\ud800", "prompt": "x"}\n{"id": "b", "prompt": "y"}\n',
        encoding="utf-8",
    )
    online.responder = lambda r: (
        Reply.text("half \udc00 way") if r.text == "y" else None
    )
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 0, err
    assert '{"id": "\\ud800", "text": "Echo: x"' in output.read_text(encoding="utf-8")
    records = {r["id"]: r for r in read_jsonl(output)}
    assert records["\ud800"]["text"] == "Echo: x"
    assert records["b"]["text"] == "half \ufffd way"  # as the model gave it

    online.clear()
    code, err = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 0, err
    assert online.requests == []  # both answers were kept: none asked again
    assert "resuming: 2 of 2 ids already answered" in err


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (signal.SIGINT, signal.SIGINT),
        (signal.SIGTERM, signal.SIGTERM),
        (signal.SIGINT, signal.SIGTERM),
        (signal.SIGTERM, signal.SIGINT),
    ],
    ids=["ctrl-c-twice", "sigterm-twice", "ctrl-c-then-sigterm", "sigterm-then-ctrl-c"],
)
def test_a_second_signal_still_exits_130(
    gemini_emulator: GeminiEmulator,
    tmp_path: Path,
    first: signal.Signals,
    second: signal.Signals,
) -> None:
    gate = threading.Event()

    def held(request: RecordedRequest) -> Reply:
        gate.wait(60)
        return Reply.text("late")

    gemini_emulator.responder = held
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": n, "prompt": f"p {n}"} for n in range(8)])
    process = subprocess.Popen(
        batch_command(str(source), "-o", str(output), "-j", "4", "-m", FLASH),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(gemini_emulator),
    )
    try:
        assert process.stderr is not None
        wait_for(lambda: len(gemini_emulator.requests) == 4)
        process.send_signal(first)
        last = process.stderr.readline()  # the summary: signals are ignored from here
        process.send_signal(second)  # while Python shuts down
        rest = process.stderr.read()
        process.wait(timeout=60)
    finally:
        gate.set()
        process.kill()
    assert process.returncode == 130, last + rest
    assert last.rstrip().endswith("interrupted: rerun the same command to resume")
    assert "Traceback" not in rest


def test_a_private_media_url_fails_its_line_naming_the_option(
    online: GeminiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(40)
    url = online.serve_file("/cat.png", png, "image/png")  # on 127.0.0.1
    content = [{"type": "text", "text": "What?"}, {"type": "image", "url": url}]
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(
        source, [{"id": "img", "messages": [{"role": "user", "content": content}]}]
    )
    code, _ = run_batch(monkeypatch, str(source), "-o", str(output))
    assert code == 1
    [failed] = read_jsonl(output)
    assert failed["error"]["type"] == "MediaFetchError"
    assert "Pass --allow-private-media-urls to allow it" in failed["error"]["message"]

    args = [str(source), "-o", str(output), "--allow-private-media-urls"]
    code, err = run_batch(monkeypatch, *args)
    assert code == 0, err
    assert read_jsonl(output)[0]["text"] == "Echo: What?"
    assert [r.path for r in online.requests if r.method == "GET"] == ["/cat.png"]
