"""``cometgemini batch``'s pure parts: input lines, resume state, pacing, progress."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from langchain_cometgemini.cli import batch
from langchain_cometgemini.cli import jobs as batch_jobs
from langchain_cometgemini.cli.progress import Progress, Tally, summary


def test_jobs_from_prompts_and_messages() -> None:
    lines = [
        json.dumps({"id": "a", "prompt": "hi"}),
        "",
        json.dumps({"prompt": "no id"}),
        json.dumps(
            {
                "id": 1,
                "messages": [["human", "x"], {"role": "assistant", "content": "y"}],
                "model": "gemini-2.5-pro",
                "schema": {"type": "object"},
            }
        ),
        json.dumps({"id": "1", "prompt": "string one", "system": "Own."}),
    ]
    jobs = batch_jobs.load_jobs(lines, system="Default.")
    assert [(j.id, j.key) for j in jobs] == [
        ("a", '"a"'),
        (3, "3"),
        (1, "1"),
        ("1", '"1"'),
    ]
    assert jobs[0].messages == [SystemMessage("Default."), HumanMessage("hi")]
    assert jobs[1].id == 3  # no id: the line number
    assert isinstance(jobs[2].messages[2], AIMessage)
    assert (jobs[2].model, jobs[2].schema) == ("gemini-2.5-pro", {"type": "object"})
    assert jobs[3].messages[0] == SystemMessage("Own.")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1]", "line 1: expected a JSON object"),
        ('{"id": true, "prompt": "a"}', "'id' must be a string or an integer"),
        ('{"id": 1, "messages": []}', "line 1: 'messages' is empty"),
        ('{"id": 1, "messages": [{"role": "wizard"}]}', "line 1: unusable 'messages'"),
        ('{"id": 1, "prompt": "a", "model": 3}', "'model' must be a string"),
    ],
)
def test_bad_lines(line: str, message: str) -> None:
    with pytest.raises(batch_jobs.BatchInputError, match=message.replace("(", r"\(")):
        batch_jobs.load_jobs([line])


def test_answered_ids_and_what_forces_a_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    assert batch_jobs.load_answered(path) == (set(), False)
    path.write_text('{"id": 1, "text": "a"}\n{"id": "1", "text": "b"}\n', "utf-8")
    assert batch_jobs.load_answered(path) == ({"1", '"1"'}, False)
    path.write_text(
        '{"id": 1, "text": "a"}\n{"id": 2, "error": {"type": "X"}}\n'
        '{"id": 1, "text": "again"}\n{"id": 3, "te',
        "utf-8",
    )
    assert batch_jobs.load_answered(path) == ({"1"}, True)
    batch_jobs.compact(path)
    assert path.read_text("utf-8") == '{"id": 1, "text": "a"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temp file left


async def test_rate_limiter_spaces_the_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("langchain_cometgemini.cli.batch.asyncio.sleep", fake_sleep)
    limiter = batch.RateLimiter(rpm=600)  # one start every 0.1 s
    start = asyncio.get_running_loop().time()
    for _ in range(5):
        await limiter.wait()
    assert len(slept) == 4  # the first starts at once
    assert slept == sorted(slept)
    assert all(0 < s <= 0.1 * (i + 1) for i, s in enumerate(slept))
    assert limiter._next == pytest.approx(start + 0.5, abs=0.05)
    unlimited = batch.RateLimiter(None)
    await unlimited.wait()
    assert len(slept) == 4


def tally() -> Tally:
    t = Tally(total=12, skipped=2)
    for n in range(5):
        t.add(
            {
                "id": n,
                "text": "x",
                "usage": {
                    "input_tokens": 3,
                    "output_tokens": 4,
                    "output_token_details": {"reasoning": 1},
                },
            }
        )
    t.add({"id": 9, "error": {"type": "ServerError", "message": "503"}})
    return t


def test_progress_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    Progress(tally(), stream, every=10.0, tty=False).show()
    line = stream.getvalue()
    assert line.startswith("cometgemini batch: 6/10 done, 1 failed, ")
    assert "/s, tokens 15 in / 20 out, ETA " in line
    assert line.count("\n") == 1 and "\r" not in line


def test_progress_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(tally(), stream, every=10.0, tty=True)
    progress.show()
    progress.end()
    drawn = stream.getvalue()
    assert drawn.startswith("\r[" + "#" * 14 + "-" * 10 + "] 6/10 done, 1 failed")
    assert drawn.endswith("\033[K\n")


def test_summary_counts_tokens_and_says_what_next() -> None:
    line = summary(tally(), Path("out.jsonl"))
    assert line.startswith(
        "cometgemini batch: 7/12 answered (2 from an earlier run), 1 failed; "
        "tokens: 15 in, 20 out, 5 thinking; "
    )
    assert line.endswith("-> out.jsonl; rerun the same command to retry the failed ids")
    interrupted = summary(tally(), Path("o"), interrupted=True)
    assert interrupted.endswith("interrupted: rerun the same command to resume")


def test_a_second_interrupt_stops_at_once() -> None:
    runner = batch.BatchRunner([], io.StringIO(), connection={}, kwargs={})
    runner.interrupt()
    assert runner.interrupted
    with pytest.raises(KeyboardInterrupt):
        runner.interrupt()
