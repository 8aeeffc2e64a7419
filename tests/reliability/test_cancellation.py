"""Leaving a stream early closes its connection, and leaks nothing.

The emulator counts a disconnect when its next write finds the client gone,
so each test streams slowly (``event_delay``) and waits for that count.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import time
from collections.abc import AsyncGenerator, Generator

import pytest

from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.support import make_model

from .conftest import asettle, make_llm, open_fds, settle
from .hostile import Seen, head, hostile

LONG = " ".join(f"w{i}" for i in range(40))


def slow_stream() -> Reply:
    """Forty events, 30 ms apart (over a second in all)."""
    reply = Reply.text(LONG, n_chunks=40)
    reply.event_delay = 0.03
    return reply


async def test_astream_closed_halfway_disconnects(emu: GeminiEmulator) -> None:
    gc.collect()
    fd_baseline = open_fds()  # here: the event loop's own fds already exist
    llm = make_llm(emu)
    emu.enqueue(slow_stream())
    stream = llm.astream("go")
    assert isinstance(stream, AsyncGenerator)
    seen = [(await anext(stream)).text for _ in range(3)]
    await stream.aclose()
    assert seen == ["w0", " w1", " w2"]
    assert await asettle(lambda: emu.disconnects == 1)
    # the model is still usable, and its connections can be released
    assert (await llm.ainvoke("after")).text == "Echo: after"
    await llm.aclose()
    assert await asettle(lambda: open_fds() <= fd_baseline + 2), (
        open_fds(),
        fd_baseline,
    )


async def test_cancelled_astream_task_disconnects(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)
    emu.enqueue(slow_stream())
    got: list[str] = []
    started = asyncio.Event()

    async def consume() -> None:
        async for chunk in llm.astream("go"):
            got.append(chunk.text)
            started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert task in done and task.cancelled()
    assert 1 <= len(got) < 40
    assert await asettle(lambda: emu.disconnects == 1)
    await llm.aclose()


async def test_wait_for_timeout_on_astream_disconnects(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)
    emu.enqueue(slow_stream())

    async def drain() -> int:
        return len([c async for c in llm.astream("go")])

    try:
        await asyncio.wait_for(drain(), 0.2)
    except TimeoutError:
        pass
    else:  # pragma: no cover - the stream takes over a second
        raise AssertionError("the slow stream finished within 0.2 s")
    assert await asettle(lambda: emu.disconnects == 1)
    await llm.aclose()


def test_sync_stream_closed_halfway_disconnects(
    emu: GeminiEmulator, fd_baseline: int
) -> None:
    llm = make_llm(emu)
    emu.enqueue(slow_stream())
    stream = llm.stream("go")
    assert isinstance(stream, Generator)
    seen = [next(stream).text for _ in range(2)]
    stream.close()
    assert seen == ["w0", " w1"]
    assert settle(lambda: emu.disconnects == 1)
    assert llm.invoke("after").text == "Echo: after"
    llm.close()
    assert settle(lambda: open_fds() <= fd_baseline + 2), (open_fds(), fd_baseline)


def test_sync_stream_abandoned_by_break_disconnects(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)
    emu.enqueue(slow_stream())
    for index, _chunk in enumerate(llm.stream("go")):
        if index == 2:
            break
    gc.collect()
    assert settle(lambda: emu.disconnects == 1)
    llm.close()


def test_many_abandoned_streams_leak_no_connections(
    emu: GeminiEmulator, fd_baseline: int
) -> None:
    llm = make_llm(emu)

    async def abandon_all() -> None:
        for _ in range(20):
            emu.enqueue(slow_stream())
            stream = llm.astream("go")
            assert isinstance(stream, AsyncGenerator)
            await anext(stream)
            await stream.aclose()
        await llm.aclose()

    asyncio.run(abandon_all())
    assert settle(lambda: emu.disconnects == 20)
    assert settle(lambda: open_fds() <= fd_baseline + 2), (open_fds(), fd_baseline)


async def test_cancelled_ainvoke_disconnects(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)
    emu.enqueue(Reply(delay=0.5, body={"candidates": []}))
    task = asyncio.create_task(llm.ainvoke("slow"))
    assert await asettle(lambda: len(emu.requests) == 1)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert task in done and task.cancelled()
    assert await asettle(lambda: emu.disconnects == 1)
    assert len(emu.requests) == 1  # cancelled, not retried
    await llm.aclose()


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # sockets of dead loops
def test_repeated_asyncio_run_keeps_no_client_per_dead_loop(
    emu: GeminiEmulator, fd_baseline: int
) -> None:
    """``asyncio.run(llm.ainvoke(...))`` in a loop must not pile up clients."""
    llm = make_llm(emu)
    for i in range(30):
        assert asyncio.run(llm.ainvoke(f"run {i}")).text == f"Echo: run {i}"
    assert len(llm._engine().loop_clients()) == 1  # only the last loop's
    assert settle(lambda: open_fds() <= fd_baseline + 4), (open_fds(), fd_baseline)


BIG = "x" * 2_000_000
"""Over 1 MiB: the size the async path once sent through a worker thread."""


async def test_wait_for_timeout_on_a_large_astream_disconnects(
    emu: GeminiEmulator,
) -> None:
    llm = make_llm(emu)
    emu.enqueue(slow_stream())

    async def drain() -> int:
        return len([c async for c in llm.astream(BIG)])

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(drain(), 0.5)
    assert await asettle(lambda: emu.disconnects == 1)
    await llm.aclose()


async def test_a_cancelled_large_ainvoke_stops_at_once() -> None:
    """No attempt goes on after the cancel (a worker thread once kept retrying)."""

    def overloaded(conn: socket.socket, seen: Seen) -> None:
        time.sleep(0.3)
        body = b'{"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}}'
        conn.sendall(head("503 Service Unavailable", length=len(body)) + body)

    with hostile(overloaded) as server:
        llm = make_model(server.base_url, max_retries=3)
        task = asyncio.create_task(llm.ainvoke(BIG))
        assert await asettle(lambda: server.requests == 1)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        assert task in done and task.cancelled()
        await asyncio.sleep(1.0)  # retries would have gone out by now
        assert server.requests == 1
        await llm.aclose()
