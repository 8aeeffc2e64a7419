"""Models collected with open async pools leave no ``ResourceWarning``.

An async client's connections can only be closed in their own event loop.
The package ties every async client it builds to its loop: closed by
``loop.shutdown_asyncgens()`` (which ``asyncio.run`` calls) or, when the model
is collected while the loop still runs, by a close the loop schedules. Each
test records every warning while the model is used, dropped and collected,
over real keep-alive connections to the emulator.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model


async def _use(llm: ChatCometGemini, mode: str) -> None:
    if mode == "ainvoke":
        assert (await llm.ainvoke("hi")).content
    else:
        assert [chunk async for chunk in llm.astream("hi")]


@pytest.fixture
def resource_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Every ``ResourceWarning`` raised inside the test, collections included."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", ResourceWarning)
        yield seen
        gc.collect()
    found = [w for w in seen if issubclass(w.category, ResourceWarning)]
    assert not found, [str(w.message) for w in found]


@pytest.mark.parametrize("mode", ["ainvoke", "astream"])
def test_model_used_in_two_asyncio_runs_then_collected(
    emu: GeminiEmulator,
    resource_warnings: list[warnings.WarningMessage],
    mode: str,
) -> None:
    llm = make_model(emu)
    asyncio.run(_use(llm, mode))
    asyncio.run(_use(llm, mode))  # a second loop: a second client
    del llm
    gc.collect()
    assert emu.connections_opened == 2


def test_connections_of_a_finished_asyncio_run_are_closed_at_its_end(
    emu: GeminiEmulator,
    resource_warnings: list[warnings.WarningMessage],
) -> None:
    llm = make_model(emu)
    asyncio.run(_use(llm, "ainvoke"))
    (client,) = llm._engine().loop_clients()
    assert client.is_closed  # closed by asyncio.run, before the model is dropped
    assert asyncio.run(llm.ainvoke("again")).content  # a new loop, a new client


def test_model_collected_while_its_loop_runs(
    emu: GeminiEmulator,
    resource_warnings: list[warnings.WarningMessage],
) -> None:
    async def main() -> None:
        llm = make_model(emu)
        await _use(llm, "ainvoke")
        client = llm._engine().async_client  # kept: only the model goes
        del llm
        gc.collect()  # the loop schedules the client's close
        for _ in range(1000):  # up to 10 s on a busy machine
            if client.is_closed:
                break
            await asyncio.sleep(0.01)
        assert client.is_closed

    asyncio.run(main())


def test_aclose_then_use_again_in_the_same_loop(
    emu: GeminiEmulator,
    resource_warnings: list[warnings.WarningMessage],
) -> None:
    async def main() -> None:
        llm = make_model(emu)
        await _use(llm, "ainvoke")
        await llm.aclose()
        await _use(llm, "astream")

    asyncio.run(main())
    assert emu.connections_opened == 2
