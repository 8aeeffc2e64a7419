"""Per-process state: the one mechanism for fork and pickle.

A :class:`PerProcess` value (a lock, the HTTP clients of an engine, a cache)
is built lazily in the process that uses it. A forked child that touches it
builds its own; the parent's value, which may hold the parent's sockets or a
lock another thread held at the fork, is kept referenced and never finalized
in the child (:data:`_FROM_PARENT`), so nothing of it runs there. A pickled or
copied holder carries the factory only: the copy builds its own value.

No ``os.register_at_fork`` hook and no lock is shared across a fork: the
process id is compared on each access.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Once", "PerProcess"]

T = TypeVar("T")

_FROM_PARENT: list[Any] = []
"""Values built by a parent process, kept (never finalized) in a forked child."""


class PerProcess(Generic[T]):
    """``factory()``'s value, built once per process on first :meth:`get`."""

    __slots__ = ("_factory", "_lock", "_pid", "_value")

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._fresh()

    def _fresh(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._value: T | None = None

    def _own(self) -> None:
        """In a forked child: set the parent's value aside, unfinalized."""
        if self._pid != os.getpid():
            if self._value is not None:
                _FROM_PARENT.append(self._value)
            self._fresh()

    def get(self) -> T:
        """This process's value (built now if it has none)."""
        value = self._value
        if value is not None and self._pid == os.getpid():
            return value
        self._own()
        with self._lock:
            if self._value is None:
                self._value = self._factory()
            return self._value

    def peek(self) -> T | None:
        """This process's value if it was built, else None (nothing built)."""
        self._own()
        return self._value

    def take(self) -> T | None:
        """This process's value, forgotten (the next :meth:`get` builds anew)."""
        self._own()
        with self._lock:
            value, self._value = self._value, None
        return value

    def __getstate__(self) -> dict[str, Any]:
        return {"factory": self._factory}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._factory = state["factory"]
        self._fresh()

    def __deepcopy__(self, memo: dict[int, Any]) -> PerProcess[T]:
        return PerProcess(self._factory)

    def __copy__(self) -> PerProcess[T]:
        return PerProcess(self._factory)


class Once:
    """Keys seen in this process: "once per process" (a forked child starts anew).

    ``first(key)`` is True the first time this process asks about ``key``.
    Its lock is per process too, so a lock a parent thread held at the fork
    never blocks the child.
    """

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: PerProcess[tuple[threading.Lock, set[str]]] = PerProcess(
            lambda: (threading.Lock(), set())
        )

    def first(self, key: str) -> bool:
        """Whether ``key`` is new to this process (it is not afterwards)."""
        lock, seen = self._seen.get()
        with lock:
            if key in seen:
                return False
            seen.add(key)
            return True

    def forget(self) -> None:
        """Forget every key (tests start clean with it)."""
        lock, seen = self._seen.get()
        with lock:
            seen.clear()
