"""Shared test helpers: captured Gemini traffic and a model wired to the emulator."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CAPTURES = Path(__file__).parent / "data" / "captures"
# Relative names in Reply.from_capture(...) resolve here, wherever the clone is.
os.environ.setdefault("COMETGEMINI_CAPTURES", str(CAPTURES))


def load_capture(name: str) -> Any:
    """A captured body (``.json``) or list of stream events (other endings)."""
    path = CAPTURES / name
    text = path.read_text()
    if path.suffix == ".json":
        return json.loads(text)
    events = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("data:"):
            line = line[len("data:") :].strip()
        if line.startswith("{"):
            events.append(json.loads(line))
    return events


@pytest.fixture
def capture() -> Callable[[str], Any]:
    """Loader for files in tests/data/captures."""
    return load_capture
