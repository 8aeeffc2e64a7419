"""Per-process state: built once per process, never carried by pickle or fork."""

from __future__ import annotations

import copy
import os
import pickle
import threading
from collections.abc import Callable

import pytest

from langchain_cometgemini import _token_cache
from langchain_cometgemini._http.client import GeminiHTTP, RetryPolicy
from langchain_cometgemini._process import PerProcess


def test_a_value_is_built_once_per_process() -> None:
    built: list[object] = []

    def build() -> object:
        built.append(object())
        return built[-1]

    holder = PerProcess(build)
    assert holder.peek() is None
    first = holder.get()
    assert holder.get() is first and built == [first]
    assert holder.take() is first and holder.peek() is None


def pickled(holder: PerProcess[threading.Lock]) -> PerProcess[threading.Lock]:
    copied: PerProcess[threading.Lock] = pickle.loads(pickle.dumps(holder))
    return copied


@pytest.mark.parametrize("clone", [pickled, copy.deepcopy, copy.copy])
def test_a_copy_carries_the_factory_only(
    clone: Callable[[PerProcess[threading.Lock]], PerProcess[threading.Lock]],
) -> None:
    holder: PerProcess[threading.Lock] = PerProcess(threading.Lock)
    lock = holder.get()
    made = clone(holder)
    assert made.peek() is None and made.get() is not lock


def in_child(check: Callable[[], object]) -> bool:
    """Run ``check()`` in a forked child; True if it returned True there."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ok = False
        try:
            ok = bool(check())
        finally:
            os.write(write, b"1" if ok else b"0")
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    return answer == b"1"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_builds_its_own_and_keeps_the_parents_aside() -> None:
    holder: PerProcess[threading.Lock] = PerProcess(threading.Lock)
    parent = holder.get()
    parent.acquire()  # held at the fork: the child must not wait on it
    try:
        assert in_child(lambda: holder.get() is not parent and holder.get().acquire())
    finally:
        parent.release()
    assert holder.get() is parent


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_token_counts_start_empty_in_a_forked_child() -> None:
    engine = GeminiHTTP(
        base_url="http://127.0.0.1:9",
        api_version="v1beta",
        headers={"x-goog-api-key": "k" * 12},
        timeout=1,
        retry=RetryPolicy(),
    )
    _token_cache.counts_for(engine).put("a", 3)
    assert in_child(lambda: _token_cache.counts_for(engine).get("a") is None)
    assert _token_cache.counts_for(engine).get("a") == 3
