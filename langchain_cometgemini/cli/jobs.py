"""``cometgemini batch``'s files: the input's jobs, the output's answered ids.

Flow::

    load_jobs(lines)       INPUT -> [Job]: an ``id`` and a ``prompt`` or LangChain
                           ``messages``, optional ``model``, ``system``, ``schema``;
                           a bad line or a repeated id: BatchInputError
    load_answered(path)    OUTPUT already there: the ids it answers, and whether it
                           also holds failed, repeated or torn lines; a line that
                           cannot be read at all (too many digits, too deep):
                           BatchInputError, the file is left alone
    compact(path)          OUTPUT rewritten whole (atomically), one line per id
    record_line(record)    one output line; text that UTF-8 cannot carry (a lone
                           surrogate) is written escaped, never lost

Every JSON line is read by :func:`parse_line`: whatever ``json.loads`` refuses
(a 5,000-digit number, 100,000 nested arrays) is one ``BatchInputError``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from langchain_core.messages import (
    BaseMessage,
    HumanMessage,
    SystemMessage,
    convert_to_messages,
)

from langchain_cometgemini.cli.terminal import json_text, one_line


class BatchInputError(ValueError):
    """A line of the input (or of an existing output) cannot be used."""


class UnreadableLineError(BatchInputError):
    """A line holds JSON beyond what can be read (digits, depth)."""


@dataclass
class Job:
    """One input line to answer."""

    id: Any
    key: str
    messages: list[BaseMessage]
    model: str | None = None
    schema: dict[str, Any] | None = None
    line: int = 0
    """Its line in the input (for errors)."""


def parse_line(line: str, where: str) -> Any:
    """The JSON value of one line.

    Raises:
        BatchInputError: Not JSON, or JSON beyond what can be read (a number
            of more than 4,300 digits, nesting deeper than the recursion limit).
    """
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise BatchInputError(f"{where}: invalid JSON ({exc.msg})") from None
    except RecursionError:
        msg = f"{where}: JSON nested too deeply to read"
        raise UnreadableLineError(msg) from None
    except ValueError:  # int(): "Exceeds the limit (4300 digits)..."
        limit = sys.get_int_max_str_digits()
        msg = f"{where}: unreadable JSON (a number of more than {limit} digits)"
        raise UnreadableLineError(msg) from None


def id_key(job_id: Any) -> str:
    """The id as one comparable string (``1`` and ``"1"`` stay distinct)."""
    return json.dumps(job_id, ensure_ascii=False)


def record_line(record: dict[str, Any]) -> str:
    """One output line: compact JSON (escaped where UTF-8 cannot carry it)."""
    return json_text(record) + "\n"


# -- input ------------------------------------------------------------------------


def text_lines(
    file: IO[bytes], where: str = "", *, torn: bool = False
) -> Iterator[tuple[int, str | None]]:
    """``(number, line)`` of a JSONL file, decoded line by line.

    With ``torn`` (an output file), a last line without its newline is None:
    the process died in the middle of writing it, perhaps inside a character.
    A byte order mark before the first line is skipped.

    Raises:
        BatchInputError: A line is not UTF-8 text (named with ``where``).
    """
    for number, raw in enumerate(file, start=1):
        if torn and not raw.endswith(b"\n"):
            yield number, None
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            msg = f"{where}line {number}: not UTF-8 text"
            raise UnreadableLineError(msg) from None
        yield number, line.removeprefix("\ufeff") if number == 1 else line


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
    item = parse_line(line, where)
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
    return Job(job_id, id_key(job_id), messages, model, schema, number)


def _messages(item: dict[str, Any], where: str) -> list[BaseMessage]:
    if isinstance(item.get("prompt"), str) and "messages" not in item:
        return [HumanMessage(item["prompt"])]
    if "messages" not in item:
        raise BatchInputError(f"{where}: give a 'prompt' string or 'messages'")
    try:
        messages = convert_to_messages(item["messages"])
    except (ValueError, TypeError, KeyError, NotImplementedError) as exc:
        detail = one_line(str(exc), 120)
        raise BatchInputError(f"{where}: unusable 'messages' ({detail})") from None
    if not messages:
        raise BatchInputError(f"{where}: 'messages' is empty")
    return messages


# -- existing output ----------------------------------------------------------------


def load_answered(path: Path) -> tuple[set[str], bool]:
    """Read an existing output file.

    Returns:
        The keys of the ids it answers, and whether the file must be rewritten
        (it also holds failed, repeated or torn lines, which are dropped).

    Raises:
        BatchInputError: A whole line cannot be read (the file is not touched).
    """
    answered: set[str] = set()
    if not path.exists():
        return answered, False
    rewrite = False
    with path.open("rb") as file:
        for number, line in text_lines(file, f"{path}: ", torn=True):
            record = _record(line, f"{path}: line {number}")
            if record is None or "error" in record or id_key(record["id"]) in answered:
                rewrite = True
                continue
            answered.add(id_key(record["id"]))
    return answered, rewrite


def _record(line: str | None, where: str) -> dict[str, Any] | None:
    """An answered or failed line's record; None for a torn or foreign line."""
    if line is None:
        return None  # torn: the process died in the middle of this write
    try:
        record = parse_line(line, where)
    except UnreadableLineError:
        raise  # maybe an answer already paid for: never dropped unread
    except BatchInputError:
        return None  # not JSON: dropped like a torn line
    return record if isinstance(record, dict) and "id" in record else None


def compact(path: Path) -> None:
    """Rewrite ``path`` with only its first answered line per id (atomically)."""
    kept: set[str] = set()
    handle, temporary = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            with path.open("rb") as file:
                for _, line in text_lines(file, f"{path}: ", torn=True):
                    record = _record(line, str(path))
                    if line is None or record is None or "error" in record:
                        continue
                    key = id_key(record["id"])
                    if key not in kept:
                        kept.add(key)
                        out.write(line)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
