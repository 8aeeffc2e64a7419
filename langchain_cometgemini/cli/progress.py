"""``cometgemini batch``'s progress on stderr and its closing summary.

``Tally`` counts what the run produced; ``Progress`` shows it: a bar redrawn
in place on a terminal, else a plain line every few seconds; ``summary`` is
the closing line (answered, failed, tokens, and what to do next).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from langchain_cometgemini.cli.options import BATCH_PROG as PROG
from langchain_cometgemini.cli.terminal import isatty


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
        """Count one output record (a failed one's tokens too, if it was billed)."""
        if "error" in record:
            self.failed += 1
        else:
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
        self.tty = isatty(stream) if tty is None else tty
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
