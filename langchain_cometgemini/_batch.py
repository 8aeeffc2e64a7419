"""``cometgemini batch``: a JSONL file of prompts -> a JSONL file of answers.

Flow::

    main(argv)
      -> parse_args        INPUT, -o OUTPUT, -j, --rpm, --max-retries, model options
      -> load_jobs         INPUT -> [Job]: an ``id`` and a ``prompt`` or LangChain
                           ``messages``, optional ``model``, ``system``, ``schema``;
                           a bad line or a repeated id: exit 2, nothing sent
      -> load_answered     OUTPUT already there: its answered ids are skipped;
                           failed or torn lines are dropped (file rewritten whole,
                           atomically), so a finished job has one line per id
      -> cli.choose_backend  the key rules of ``cometgemini`` (--offline: emulator)
      -> BatchRunner.run   ``-j`` asyncio workers share one ``ChatCometGemini`` per
                           model (one async client, its retry policy); each job:
                           RateLimiter.wait -> ainvoke -> one JSON line, flushed
      -> Progress          stderr: a bar on a terminal, else a line every few
                           seconds; the summary at the end
      SIGINT / SIGTERM     workers cancelled (in-flight requests dropped); the file
                           holds whole lines only; exit 130, rerun to resume

Output lines, in the order answers arrive: ``{"id", "text" | "output", "usage",
"finish_reason"}`` or ``{"id", "error": {"type", "message"}}``. Exit status: 0
only if every input line is answered, 1 if some failed, 2 bad usage, 130
interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    convert_to_messages,
)

from langchain_cometgemini import ChatCometGemini, cli

PROG = "cometgemini batch"
DEFAULT_CONCURRENCY = 16
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

EPILOG = """\
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


class BatchInputError(ValueError):
    """A line of the input (or of an existing output) cannot be used."""


@dataclass
class Job:
    """One input line to answer."""

    id: Any
    key: str
    messages: list[BaseMessage]
    model: str | None = None
    schema: dict[str, Any] | None = None


# -- command line -------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``cometgemini batch``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Answer a JSONL file of prompts; resumable, bounded concurrency.",
        epilog=EPILOG,
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
    parser.add_argument(
        "-m", "--model", help=f"default model (default: {cli.default_model()})"
    )
    parser.add_argument("-s", "--system", help="default system instruction")
    parser.add_argument("--temperature", type=float, help="sampling temperature")
    parser.add_argument(
        "-t",
        "--thinking-level",
        choices=("minimal", "low", "medium", "high"),
        help="Gemini 3 thinking level",
    )
    parser.add_argument(
        "--thinking-budget", type=int, metavar="N", help="Gemini 2.5 thinking budget"
    )
    parser.add_argument(
        "--progress-every",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds between progress lines when stderr is not a terminal",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="use the built-in emulator even when COMETAPI_KEY is set",
    )
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse ``cometgemini batch`` options; exits 2 on bad usage."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.concurrency < 1:
        parser.error("-j/--concurrency must be at least 1")
    if args.rpm is not None and args.rpm <= 0:
        parser.error("--rpm must be positive")
    if args.max_retries is not None and args.max_retries < 0:
        parser.error("--max-retries must be 0 or more")
    if args.thinking_level is not None and args.thinking_budget is not None:
        parser.error("--thinking-level and --thinking-budget cannot be combined")
    if args.progress_every <= 0:
        parser.error("--progress-every must be positive")
    return args


def model_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Map the options to ``ChatCometGemini`` arguments (unset ones left out)."""
    kwargs = {
        "model": args.model,
        "temperature": args.temperature,
        "thinking_level": args.thinking_level,
        "thinking_budget": args.thinking_budget,
        "max_retries": args.max_retries,
    }
    return {key: value for key, value in kwargs.items() if value is not None}


# -- input and existing output ---------------------------------------------------


def load_jobs(lines: Iterable[str], system: str | None = None) -> list[Job]:
    """Parse the input lines (blank lines skipped) into jobs.

    Raises:
        BatchInputError: A line is not a usable job, or an id repeats.
    """
    jobs: list[Job] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        job = _job(line, number, system)
        if job.key in seen:
            raise BatchInputError(
                f"line {number}: id {job.key} repeats line {seen[job.key]}"
            )
        seen[job.key] = number
        jobs.append(job)
    return jobs


def _job(line: str, number: int, system: str | None) -> Job:
    where = f"line {number}"
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BatchInputError(f"{where}: invalid JSON ({exc.msg})") from None
    if not isinstance(item, dict):
        raise BatchInputError(f"{where}: expected a JSON object")
    job_id = item.get("id", number)
    if isinstance(job_id, bool) or not isinstance(job_id, (str, int)):
        raise BatchInputError(f"{where}: 'id' must be a string or an integer")
    messages = _messages(item, where)
    line_system = item.get("system", system)
    if line_system is not None and not isinstance(line_system, str):
        raise BatchInputError(f"{where}: 'system' must be a string")
    if line_system and not isinstance(messages[0], SystemMessage):
        messages.insert(0, SystemMessage(line_system))
    model = item.get("model")
    if model is not None and not isinstance(model, str):
        raise BatchInputError(f"{where}: 'model' must be a string")
    schema = item.get("schema", item.get("json_schema"))
    if schema is not None and not isinstance(schema, dict):
        raise BatchInputError(f"{where}: 'schema' must be a JSON object")
    return Job(job_id, id_key(job_id), messages, model, schema)


def _messages(item: dict[str, Any], where: str) -> list[BaseMessage]:
    if isinstance(item.get("prompt"), str) and "messages" not in item:
        return [HumanMessage(item["prompt"])]
    if "messages" not in item:
        raise BatchInputError(f"{where}: give a 'prompt' string or 'messages'")
    try:
        messages = convert_to_messages(item["messages"])
    except (ValueError, TypeError, KeyError, NotImplementedError) as exc:
        detail = cli._one_line(str(exc), 120)
        raise BatchInputError(f"{where}: unusable 'messages' ({detail})") from None
    if not messages:
        raise BatchInputError(f"{where}: 'messages' is empty")
    return messages


def id_key(job_id: Any) -> str:
    """The id as one comparable string (``1`` and ``"1"`` stay distinct)."""
    return json.dumps(job_id, ensure_ascii=False)


def load_answered(path: Path) -> tuple[set[str], bool]:
    """Read an existing output file.

    Returns:
        The keys of the ids it answers, and whether the file must be rewritten
        (it also holds failed, repeated or torn lines, which are dropped).
    """
    answered: set[str] = set()
    if not path.exists():
        return answered, False
    rewrite = False
    with path.open(encoding="utf-8") as file:
        for line in file:
            record = _record(line)
            if record is None or "error" in record or id_key(record["id"]) in answered:
                rewrite = True
                continue
            answered.add(id_key(record["id"]))
    return answered, rewrite


def _record(line: str) -> dict[str, Any] | None:
    if not line.endswith("\n"):
        return None  # torn: the process died in the middle of this write
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) and "id" in record else None


def compact(path: Path) -> None:
    """Rewrite ``path`` with only its first answered line per id (atomically)."""
    kept: set[str] = set()
    handle, temporary = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            with path.open(encoding="utf-8") as file:
                for line in file:
                    record = _record(line)
                    if record is None or "error" in record:
                        continue
                    key = id_key(record["id"])
                    if key not in kept:
                        kept.add(key)
                        out.write(line)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


# -- running ---------------------------------------------------------------------


class RateLimiter:
    """Space request starts so that at most ``rpm`` start per minute."""

    def __init__(self, rpm: float | None) -> None:
        self.interval = 60.0 / rpm if rpm else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        """Return when the next request may start."""
        if not self.interval:
            return
        now = asyncio.get_running_loop().time()
        start = max(now, self._next)
        self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


@dataclass
class Tally:
    """What the run has produced so far."""

    total: int
    skipped: int = 0
    answered: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> int:
        """Lines finished in this run (answered or failed)."""
        return self.answered + self.failed

    def add(self, record: dict[str, Any]) -> None:
        """Count one output record."""
        if "error" in record:
            self.failed += 1
            return
        self.answered += 1
        usage = record.get("usage") or {}
        self.input_tokens += int(usage.get("input_tokens") or 0)
        self.output_tokens += int(usage.get("output_tokens") or 0)
        details = usage.get("output_token_details") or {}
        self.thinking_tokens += int(details.get("reasoning") or 0)


class Progress:
    """Progress on stderr: a redrawn bar on a terminal, else periodic lines."""

    WIDTH = 24

    def __init__(
        self, tally: Tally, stream: IO[str], every: float, *, tty: bool | None = None
    ) -> None:
        self.tally, self.stream, self.every = tally, stream, every
        self.tty = cli._isatty(stream) if tty is None else tty
        self._last = time.monotonic()
        self._drawn = False

    def update(self) -> None:
        """Show progress if it is time to."""
        now = time.monotonic()
        if now - self._last >= (0.1 if self.tty else self.every):
            self._last = now
            self.show()

    def show(self) -> None:
        """Show the current state now."""
        if self.tty:
            self.stream.write("\r" + self.bar() + "\033[K")
            self._drawn = True
        else:
            self.stream.write(f"{PROG}: {self.status()}\n")
        self.stream.flush()

    def end(self) -> None:
        """Leave the bar (if any) on its own line."""
        if self.tty and self._drawn:
            self.show()
            self.stream.write("\n")
            self.stream.flush()

    def bar(self) -> str:
        """``[#####-----] 1200/2000 ...`` for a terminal."""
        t = self.tally
        todo = t.total - t.skipped
        filled = int(self.WIDTH * t.done / todo) if todo else self.WIDTH
        return f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {self.status()}"

    def status(self) -> str:
        """Done / total, rate, errors, tokens so far and ETA, in one line."""
        t = self.tally
        todo = t.total - t.skipped
        elapsed = max(time.monotonic() - t.started, 1e-9)
        rate = t.done / elapsed
        eta = (todo - t.done) / rate if rate else None
        return (
            f"{t.done}/{todo} done, {t.failed} failed, {rate:.1f}/s, "
            f"tokens {_count(t.input_tokens)} in / {_count(t.output_tokens)} out, "
            f"ETA {_duration(eta)}"
        )


def _count(n: int) -> str:
    return (
        f"{n / 1e6:.1f}M" if n >= 10**6 else f"{n / 1e3:.1f}k" if n >= 10**4 else str(n)
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds + 0.5)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class BatchRunner:
    """Answer jobs with bounded concurrency, writing each result as it arrives.

    Args:
        jobs: The jobs still to answer.
        out: The output file, opened for appending.
        connection: ``base_url`` / ``api_key`` for the models (may be empty).
        kwargs: ``ChatCometGemini`` arguments shared by every model.
        concurrency: Requests in flight at once.
        rpm: Requests started per minute at most (None: no limit).
        on_record: Called with each record after it is written.
        on_tick: Called every ``tick_every`` seconds while the run lasts (so
            progress shows even while every request waits on a retry).
        tick_every: Seconds between ``on_tick`` calls.
    """

    def __init__(
        self,
        jobs: list[Job],
        out: IO[str],
        *,
        connection: dict[str, Any],
        kwargs: dict[str, Any],
        concurrency: int = DEFAULT_CONCURRENCY,
        rpm: float | None = None,
        on_record: Callable[[dict[str, Any]], None] | None = None,
        on_tick: Callable[[], None] | None = None,
        tick_every: float = 1.0,
    ) -> None:
        self.jobs, self.out = jobs, out
        self.connection, self.kwargs = connection, kwargs
        self.concurrency, self.limiter = concurrency, RateLimiter(rpm)
        self.on_record = on_record
        self.on_tick, self.tick_every = on_tick, tick_every
        self.interrupted = False
        self._models: dict[str | None, ChatCometGemini] = {}
        self._workers: list[asyncio.Task[None]] = []

    def model(self, name: str | None) -> ChatCometGemini:
        """The model for a line's ``model`` (one per name, built once)."""
        llm = self._models.get(name)
        if llm is None:
            extra = {"model": name} if name else {}
            llm = ChatCometGemini(**{**self.connection, **self.kwargs, **extra})
            self._models[name] = llm
        return llm

    async def run(self) -> None:
        """Answer every job, or stop early on SIGINT/SIGTERM (``interrupted``)."""
        pending = iter(self.jobs)
        count = min(self.concurrency, len(self.jobs))
        self._workers = [
            asyncio.create_task(self._worker(pending)) for _ in range(count)
        ]
        handled = self._catch_signals()
        ticker = asyncio.create_task(self._tick()) if self.on_tick else None
        try:
            results = await asyncio.gather(*self._workers, return_exceptions=True)
        finally:
            if ticker is not None:
                ticker.cancel()
            for sig in handled:
                asyncio.get_running_loop().remove_signal_handler(sig)
        for result in results:
            if isinstance(result, asyncio.CancelledError) and self.interrupted:
                continue
            if isinstance(result, BaseException):
                raise result

    def interrupt(self) -> None:
        """Stop: cancel every worker (their in-flight requests with them).

        A second signal while they wind down stops at once (KeyboardInterrupt).
        """
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        for worker in self._workers:
            worker.cancel()

    def _catch_signals(self) -> list[signal.Signals]:
        loop = asyncio.get_running_loop()
        handled = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.interrupt)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or Windows: KeyboardInterrupt
            handled.append(sig)
        return handled

    async def _tick(self) -> None:
        assert self.on_tick is not None
        while True:
            await asyncio.sleep(self.tick_every)
            self.on_tick()

    async def _worker(self, pending: Any) -> None:
        for job in pending:
            await self.limiter.wait()
            record = await self.answer(job)
            self.write(record)

    async def answer(self, job: Job) -> dict[str, Any]:
        """Ask the model for one job; return its output record."""
        llm = self.model(job.model)
        try:
            if job.schema is None:
                message = await llm.ainvoke(job.messages)
                record: dict[str, Any] = {"id": job.id, "text": message.text}
            else:
                runnable = llm.with_structured_output(
                    job.schema, method="json_schema", include_raw=True
                )
                result = await runnable.ainvoke(job.messages)
                if result.get("parsing_error") is not None:
                    raise result["parsing_error"]
                message = result["raw"]
                record = {"id": job.id, "output": result["parsed"]}
        except Exception as exc:  # noqa: BLE001 - every failure is a line
            return {"id": job.id, "error": error_record(exc)}
        if isinstance(message, AIMessage):
            record["usage"] = message.usage_metadata
            record["finish_reason"] = message.response_metadata.get("finish_reason")
        return record

    def write(self, record: dict[str, Any]) -> None:
        """Write one record as a whole line and flush it."""
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        self.out.write(line)
        self.out.flush()
        if self.on_record is not None:
            self.on_record(record)


def error_record(exc: BaseException) -> dict[str, Any]:
    """``{"type", "message"}`` of a failed line (HTTP status when there is one)."""
    error: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        error["status_code"] = status
    return error


# -- entry point ----------------------------------------------------------------


def main(argv: list[str]) -> int:
    """Run ``cometgemini batch``; return the exit status."""
    args = parse_args(argv)
    try:
        return _main(args, sys.stderr)
    except KeyboardInterrupt:  # before or after the run: nothing half-written
        sys.stderr.write(f"\n{PROG}: interrupted\n")
        return EXIT_INTERRUPTED


def _main(args: argparse.Namespace, err: IO[str]) -> int:
    output = Path(args.output)
    try:
        jobs = _read_jobs(args)
        answered, rewrite = load_answered(output)
        output.open("a", encoding="utf-8").close()  # writable, before any request
    except (OSError, BatchInputError) as exc:
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    todo = [job for job in jobs if job.key not in answered]
    tally = Tally(total=len(jobs), skipped=len(jobs) - len(todo))
    if tally.skipped:
        err.write(
            f"{PROG}: resuming: {tally.skipped} of {len(jobs)} ids already "
            f"answered in {output}\n"
        )
    if not todo:
        if rewrite:
            compact(output)
        err.write(summary(tally, output) + "\n")
        return EXIT_OK
    try:
        notice = cli.choose_backend(args.offline, cli._isatty(sys.stdout))
    except cli.NoKeyError as exc:
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_FAILED
    if rewrite:
        compact(output)
    progress = Progress(tally, err, args.progress_every)

    def on_record(record: dict[str, Any]) -> None:
        tally.add(record)
        progress.update()

    with cli.open_backend(notice, err) as connection:
        with output.open("a", encoding="utf-8", newline="\n") as out:
            runner = BatchRunner(
                todo,
                out,
                connection=connection,
                kwargs=model_kwargs(args),
                concurrency=args.concurrency,
                rpm=args.rpm,
                on_record=on_record,
                on_tick=progress.update,
                tick_every=min(1.0, args.progress_every),
            )
            try:
                asyncio.run(runner.run())
            except KeyboardInterrupt:  # where signal handlers cannot be set
                runner.interrupted = True
    progress.end()
    err.write(summary(tally, output, interrupted=runner.interrupted) + "\n")
    if runner.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if tally.answered + tally.skipped == tally.total else EXIT_FAILED


def _read_jobs(args: argparse.Namespace) -> list[Job]:
    if args.input == "-":
        return load_jobs(sys.stdin, args.system)
    with open(args.input, encoding="utf-8") as file:
        return load_jobs(file, args.system)


def summary(tally: Tally, output: Path, *, interrupted: bool = False) -> str:
    """The closing line: answered, failed, tokens, and what to do next."""
    done = tally.answered + tally.skipped
    line = f"{PROG}: {done}/{tally.total} answered"
    if tally.skipped:
        line += f" ({tally.skipped} from an earlier run)"
    line += (
        f", {tally.failed} failed; tokens: {tally.input_tokens} in, "
        f"{tally.output_tokens} out, {tally.thinking_tokens} thinking; "
        f"{time.monotonic() - tally.started:.1f}s -> {output}"
    )
    if interrupted:
        line += "; interrupted: rerun the same command to resume"
    elif done < tally.total:
        line += "; rerun the same command to retry the failed ids"
    return line
