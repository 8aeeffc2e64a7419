"""Shared test helpers: captured Gemini traffic and the one emulator fixture.

Models are built with ``tests.support.make_model``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from langchain_cometgemini.testing import GeminiEmulator

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


@pytest.fixture
def emu(gemini_emulator: GeminiEmulator) -> GeminiEmulator:
    """The started emulator: the package plugin's ``gemini_emulator``, short name."""
    return gemini_emulator
