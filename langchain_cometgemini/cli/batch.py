"""``cometgemini batch``: a JSONL file of prompts -> a JSONL file of answers.

Flow::

    run(args)              args from ``options.parse_batch``
      -> jobs.load_jobs    INPUT -> [Job]; a bad line or a repeated id: exit 2,
                           nothing sent
      -> jobs.load_answered  OUTPUT already there: its answered ids are skipped;
                           failed or torn lines are dropped (file rewritten whole,
                           atomically), so a finished job has one line per id;
                           a line that cannot be read: exit 2, the file untouched
      -> backend.choose_backend  the key rules of ``cometgemini`` (--offline)
      -> BatchRunner.run   ``-j`` asyncio workers share one ``ChatCometGemini`` per
                           model (one async client, its retry policy); each job:
                           RateLimiter.wait -> ainvoke -> one JSON line, flushed
      -> progress.Progress stderr: a bar on a terminal, else a line every few
                           seconds; progress.summary at the end
      SIGINT / SIGTERM     workers cancelled (in-flight requests dropped); the file
                           holds whole lines only; exit 130, rerun to resume; a
                           second signal while they wind down: exit 130 at once

Output lines, in the order answers arrive: ``{"id", "text" | "output", "usage",
"finish_reason"}`` or ``{"id", "error": {"type", "message"}}``. Exit status: 0
only if every input line is answered, 1 if some failed, 2 bad usage, 130
interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from langchain_core.messages import AIMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.cli import options
from langchain_cometgemini.cli.backend import NoKeyError, choose_backend, open_backend
from langchain_cometgemini.cli.jobs import (
    BatchInputError,
    Job,
    compact,
    load_answered,
    load_jobs,
    record_line,
    text_lines,
)
from langchain_cometgemini.cli.options import (
    BATCH_PROG as PROG,
)
from langchain_cometgemini.cli.options import (
    DEFAULT_CONCURRENCY,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)
from langchain_cometgemini.cli.progress import Progress, Tally, summary
from langchain_cometgemini.cli.terminal import (
    ignore_further_interrupts,
    isatty,
    read_stdin,
)
from langchain_cometgemini.errors import EmptyAnswerError

STDIN_NOTICE = (
    f"{PROG}: reading the prompts from stdin (a pipe that is still open); "
    "end it, or give the input file's name"
)


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
            defaults = options.COMMAND_DEFAULTS
            llm = ChatCometGemini(
                **{**defaults, **self.connection, **self.kwargs, **extra}
            )
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
            failed: dict[str, Any] = {"id": job.id, "error": error_record(exc)}
            if isinstance(exc, EmptyAnswerError) and exc.usage_metadata:
                failed["usage"] = exc.usage_metadata  # billed all the same
            return failed
        if isinstance(message, AIMessage):
            record["usage"] = message.usage_metadata
            record["finish_reason"] = message.response_metadata.get("finish_reason")
        return record

    def write(self, record: dict[str, Any]) -> None:
        """Write one record as a whole line and flush it."""
        self.out.write(record_line(record))
        self.out.flush()
        if self.on_record is not None:
            self.on_record(record)


def error_record(exc: BaseException) -> dict[str, Any]:
    """``{"type", "message"}`` of a failed line (HTTP status when there is one)."""
    message = options.command_advice(str(exc))
    error: dict[str, Any] = {"type": type(exc).__name__, "message": message}
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        error["status_code"] = status
    if isinstance(exc, EmptyAnswerError):
        error["finish_reason"] = exc.finish_reason
    return error


# -- entry point ----------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Answer the input file of parsed ``cometgemini batch`` options."""
    try:
        return _run(args, sys.stderr)
    except KeyboardInterrupt:  # before or after the run: nothing half-written
        ignore_further_interrupts()
        sys.stderr.write(f"\n{PROG}: interrupted\n")
        return EXIT_INTERRUPTED


def _run(args: argparse.Namespace, err: IO[str]) -> int:
    output = Path(args.output)
    try:
        jobs = _read_jobs(args, err)
        _check_settings(jobs, options.model_kwargs(args))
        answered, rewrite = load_answered(output)
        output.open("a", encoding="utf-8").close()  # writable, before any request
    except (OSError, UnicodeDecodeError, BatchInputError) as exc:
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
        notice = choose_backend(args.offline, isatty(sys.stdout))
    except NoKeyError as exc:
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_FAILED
    if rewrite:
        compact(output)
    interrupted = _answer_all(args, todo, tally, output, notice, err)
    if interrupted:
        ignore_further_interrupts()
    err.write(summary(tally, output, interrupted=interrupted) + "\n")
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if tally.answered + tally.skipped == tally.total else EXIT_FAILED


def _answer_all(
    args: argparse.Namespace,
    todo: list[Job],
    tally: Tally,
    output: Path,
    notice: str | None,
    err: IO[str],
) -> bool:
    """Run the jobs, appending to ``output``; return whether it was interrupted."""
    progress = Progress(tally, err, args.progress_every)

    def on_record(record: dict[str, Any]) -> None:
        tally.add(record)
        progress.update()

    with open_backend(notice, err) as connection:
        with output.open("a", encoding="utf-8", newline="\n") as out:
            runner = BatchRunner(
                todo,
                out,
                connection=connection,
                kwargs=options.model_kwargs(args),
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
    return runner.interrupted


def _check_settings(jobs: list[Job], kwargs: dict[str, Any]) -> None:
    """Every model the jobs name takes the options, else BatchInputError."""
    refusal = options.settings_refusal(kwargs)
    if refusal is not None:
        raise BatchInputError(refusal)
    first: dict[str, int] = {}
    for job in jobs:
        if job.model is not None:
            first.setdefault(job.model, job.line)
    for model, line in first.items():
        refusal = options.settings_refusal({**kwargs, "model": model})
        if refusal is not None:
            raise BatchInputError(f"line {line}: {refusal}")


def _read_jobs(args: argparse.Namespace, err: IO[str]) -> list[Job]:
    if args.input == "-":
        text = read_stdin(sys.stdin, err, STDIN_NOTICE).removeprefix("\ufeff")
        return load_jobs(text.splitlines(keepends=True), args.system)
    with open(args.input, "rb") as file:
        lines = (line for _, line in text_lines(file) if line is not None)
        return load_jobs(lines, args.system)
