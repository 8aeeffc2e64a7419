"""Compare the targets of two sets of full runs, with their run-to-run spread.

A single run of each side cannot tell a change from noise on a small shared
machine (ratios move by 10-30% between runs of the same code). Run the same
full benchmark several times for each side, alternating (before, after,
before, after: the machine drifts), then::

    python benchmarks/compare.py --before b1.json b2.json --after a1.json a2.json

prints one markdown row per target found on both sides: every run's value,
and a verdict on the figure, in the direction the target wants (lower for
``<=``, higher for ``>=``):

* ``better`` / ``worse``: every run of one side beats every run of the other
  (the ranges do not overlap);
* ``within spread``: the ranges overlap: the difference is no larger than the
  runs of one side differ among themselves.

Rows are matched by their target text (the ``issue``/``group`` label may
differ between rounds). ``--out FILE`` writes the table instead of printing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def targets(path: Path) -> dict[str, dict[str, Any]]:
    """The targets of one run's ``latest.json``, by their text."""
    data = json.loads(path.read_text())
    found = data.get("targets", [])
    return {t["target"]: t for t in found if t.get("value") is not None}


def verdict(op: str, before: list[float], after: list[float]) -> str:
    """``better``, ``worse`` or ``within spread`` (see the module docstring)."""
    if op == ">=":  # higher is better: compare the negated values
        before, after = [-v for v in before], [-v for v in after]
    if max(after) < min(before):
        return "better"
    if min(after) > max(before):
        return "worse"
    return "within spread"


def compare(before: list[Path], after: list[Path]) -> str:
    """The markdown table of every target the two sides share."""
    runs_before = [targets(p) for p in before]
    runs_after = [targets(p) for p in after]
    names = [n for n in runs_after[0] if all(n in r for r in runs_before + runs_after)]
    lines = [
        "| target | limit | before (each run) | after (each run) | after vs before |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        first = runs_after[0][name]
        old = [r[name]["value"] for r in runs_before]
        new = [r[name]["value"] for r in runs_after]
        shown = " / ".join
        lines.append(
            f"| {name} | {first['op']} {first['limit']} "
            f"| {shown(f'{v:.2f}' for v in old)} | {shown(f'{v:.2f}' for v in new)} "
            f"| {verdict(first['op'], old, new)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", nargs="+", type=Path, required=True)
    parser.add_argument("--after", nargs="+", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    table = compare(args.before, args.after)
    if args.out is None:
        print(table, end="")
    else:
        args.out.write_text(table)


if __name__ == "__main__":
    main()
