"""Pytest plugin (entry point ``cometgemini``): the ``gemini_emulator`` fixture.

Installed with the package, so any test can ask for it::

    def test_my_chain(gemini_emulator):
        llm = ChatCometGemini(
            model="gemini-2.5-flash",
            base_url=gemini_emulator.base_url,
            api_key=gemini_emulator.api_key,
        )
        assert llm.invoke("hi").content == "Echo: hi"

Loading the plugin imports only pytest: the emulator is imported when a test
first asks for the fixture, so a project that never uses it pays nothing, and
an error importing the emulator fails only the tests that use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from langchain_cometgemini.testing import GeminiEmulator


@pytest.fixture
def gemini_emulator() -> Iterator[GeminiEmulator]:
    """Yield a started ``GeminiEmulator`` (key ``test-key``), stopped after.

    A responder that raised during the test fails it at teardown, with the
    responder's traceback (``GeminiEmulator.check``).
    """
    from langchain_cometgemini.testing import GeminiEmulator

    emulator = GeminiEmulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()
    emulator.check()
