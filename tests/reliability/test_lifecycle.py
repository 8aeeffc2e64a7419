"""close()/aclose(): connections released; a closed model opens new ones."""

from __future__ import annotations

import asyncio
import gc
import warnings

from langchain_cometgemini.testing import GeminiEmulator

from .conftest import make_llm


def test_close_releases_and_a_closed_model_reconnects(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)
    assert llm.invoke("one").content
    llm.close()
    assert llm.invoke("two").content
    assert emu.connections_opened == 2  # the second call had to connect again


def test_aclose_releases_and_a_closed_model_reconnects(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)

    async def calls() -> None:
        assert (await llm.ainvoke("one")).content
        await llm.aclose()
        assert (await llm.ainvoke("two")).content
        await llm.aclose()

    asyncio.run(calls())
    assert emu.connections_opened == 2


def test_a_collected_model_leaves_no_unclosed_socket(emu: GeminiEmulator) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            llm = make_llm(emu)
            assert llm.invoke("hi").content
            del llm
            gc.collect()
    unclosed = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []
