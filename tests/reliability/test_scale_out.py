"""Scale out: models that worker pools can carry (pickle, fork, spawn).

Pickling and deep-copying work at any time, pools open or not, and the copy
builds its own clients; forked children never reuse the parent's sockets;
parent and children calling at once each get their own answers.
"""

from __future__ import annotations

import asyncio
import copy
import multiprocessing
import os
import pickle
from collections.abc import Callable
from typing import Any, Literal

import cloudpickle
import pytest
from pydantic import BaseModel

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator

from .conftest import make_llm


class Answer(BaseModel):
    text: str


def get_weather(city: str) -> str:
    """Weather of a city."""
    return city


COPIERS: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
    "cloudpickle": lambda obj: cloudpickle.loads(cloudpickle.dumps(obj)),
    "deepcopy": copy.deepcopy,
}

RUNNABLES: dict[str, Callable[[ChatCometGemini], Any]] = {
    "model": lambda llm: llm,
    "bind_tools": lambda llm: llm.bind_tools([get_weather]),
    "structured": lambda llm: llm.with_structured_output(Answer),
}


def use(llm: ChatCometGemini, when: str) -> None:
    """Leave ``llm`` with open pools: after a sync or an async call."""
    if when == "sync":
        assert llm.invoke("warm").content
    elif when == "async":

        async def warm() -> None:
            assert (await llm.ainvoke("warm")).content

        asyncio.run(warm())


@pytest.mark.parametrize("copier", sorted(COPIERS))
@pytest.mark.parametrize("runnable", sorted(RUNNABLES))
@pytest.mark.parametrize("when", ["fresh", "sync", "async"])
def test_copies_at_any_time_and_both_keep_working(
    emu: GeminiEmulator, copier: str, runnable: str, when: str
) -> None:
    llm = make_llm(emu)
    use(llm, when)
    original = RUNNABLES[runnable](llm)
    clone = COPIERS[copier](original)
    before = emu.connections_opened
    first = clone.invoke("from the copy")
    assert original.invoke("from the original")
    if runnable == "structured":
        assert isinstance(first, Answer)
    else:
        assert first.content or first.tool_calls
    if when == "sync":  # the copy opened its own connection, the original reused
        assert emu.connections_opened == before + 1
    keys = {r.headers.get("x-goog-api-key") for r in emu.requests}
    assert keys == {emu.api_key}  # the key travelled with the copy


def test_a_model_given_a_user_client_says_why_it_cannot_be_pickled(
    emu: GeminiEmulator,
) -> None:
    import httpx2

    with httpx2.Client() as client:
        llm = make_llm(emu, http_client=client)
        assert llm.invoke("hi").content
        with pytest.raises(TypeError):
            pickle.dumps(llm)


def _child_calls(llm: ChatCometGemini, tag: str, queue: Any) -> None:
    """In a worker: sync and async calls, report (tag, answers, pid)."""
    try:
        answers = [str(llm.invoke(f"{tag}-sync-{i}").content) for i in range(3)]

        async def run() -> list[str]:
            done = await asyncio.gather(
                *(llm.ainvoke(f"{tag}-async-{i}") for i in range(3))
            )
            return [str(m.content) for m in done]

        answers += asyncio.run(run())
        queue.put((tag, answers, os.getpid()))
    except BaseException as exc:  # reported to the parent, which fails the test
        queue.put((tag, [repr(exc)], os.getpid()))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_and_parent_calling_at_once_get_their_own_answers(
    emu: GeminiEmulator, method: Literal["fork", "spawn"]
) -> None:
    llm = make_llm(emu, timeout=30.0)
    use(llm, "sync")  # the parent's pool is open when the children start
    use(llm, "async")
    context = (
        multiprocessing.get_context("fork")
        if method == "fork"
        else multiprocessing.get_context("spawn")
    )
    queue = context.Queue()
    workers = [
        context.Process(target=_child_calls, args=(llm, f"w{i}", queue))
        for i in range(4)
    ]
    for worker in workers:
        worker.start()
    parent = [str(llm.invoke(f"parent-{i}").content) for i in range(6)]
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert parent == [f"Echo: parent-{i}" for i in range(6)]
    for tag, answers, pid in results:
        assert pid != os.getpid()
        want = [f"Echo: {tag}-sync-{i}" for i in range(3)]
        want += [f"Echo: {tag}-async-{i}" for i in range(3)]
        assert answers == want, answers
    assert len(emu.requests) == 2 + 6 + 4 * 6


def test_a_forked_child_builds_its_own_client(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)
    use(llm, "sync")
    parent_client = llm._engine().client
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report whether it got a new client, then exit
        ok = llm._engine().client is not parent_client and bool(llm.invoke("c").content)
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    os.close(read)
    assert status == 0
    assert llm._engine().client is parent_client
    assert llm.invoke("still works").content
