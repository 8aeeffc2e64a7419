"""What a model has learnt from ``:countTokens``: a small LRU of counts per engine.

Used by ``_tokens.py`` so that ``trim_messages(history, token_counter=llm)``
does not ask the API again about contents it has already counted.

Store::

    counts_for(http)       the TokenCounts of one GeminiHTTP engine (one per
                           model instance and server; a per-call copy with the
                           same transport shares its engine, hence its counts)
      TokenCounts
        get / put(key)     LRU of ints (4096 entries), keyed by digest()
        pending            first exact totals of a context, kept until the
                           context's overhead can be worked out (16 entries)
        unserved(model)    the server has no :countTokens for that model

    digest(kind, model, value)  sha256 of the model name and the canonical JSON
                           of a converted Gemini value (a content, the rest of
                           a request): never the API key, never the text itself

Thread-safe (one lock per store). Pickling a model never carries counts (the
engine's own state drops its clients; a TokenCounts pickles empty). In a
forked child the counts stay (they are still true) with fresh locks.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from typing import Any

from langchain_cometgemini._http.client import GeminiHTTP
from langchain_cometgemini._process import PerProcess

MAX_COUNTS = 4096
"""Counts kept per engine (contents, contexts, whole requests)."""

MAX_PENDING = 16
"""Contexts whose first total waits for its per-content breakdown."""


def digest(kind: str, model: str, value: Any) -> str:
    """A key for ``value`` (a converted Gemini content or request part)."""
    text = json.dumps(
        [kind, model, value], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


Pending = tuple[list[str], list[dict[str, Any]], int]
"""A context's first exact total: its contents' keys, the contents, the total."""


class TokenCounts:
    """Token counts one engine has been told, bounded (LRU), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._pending: OrderedDict[str, Pending] = OrderedDict()
        self._unserved: set[str] = set()

    def get(self, key: str) -> int | None:
        """The count stored under ``key`` (marked recently used), or None."""
        with self._lock:
            value = self._counts.get(key)
            if value is not None:
                self._counts.move_to_end(key)
            return value

    def put(self, key: str, value: int) -> None:
        """Store a count, dropping the least recently used beyond the bound."""
        with self._lock:
            self._counts[key] = value
            self._counts.move_to_end(key)
            while len(self._counts) > MAX_COUNTS:
                self._counts.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._counts)

    def set_pending(self, context: str, pending: Pending) -> None:
        """Remember a context's first exact total (bounded, newest kept)."""
        with self._lock:
            self._pending[context] = pending
            self._pending.move_to_end(context)
            while len(self._pending) > MAX_PENDING:
                self._pending.popitem(last=False)

    def pop_pending(self, context: str) -> Pending | None:
        """Take a context's first total (None if there is none)."""
        with self._lock:
            return self._pending.pop(context, None)

    def unserved(self, model: str) -> bool:
        """Whether the server answered that it has no :countTokens for ``model``."""
        with self._lock:
            return model in self._unserved

    def mark_unserved(self, model: str) -> None:
        """Remember that the server has no :countTokens for ``model``."""
        with self._lock:
            self._unserved.add(model)

    def __getstate__(self) -> dict[str, Any]:
        return {}  # counts are a cache: a copy starts empty

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]


_STORES: PerProcess[weakref.WeakKeyDictionary[GeminiHTTP, TokenCounts]] = PerProcess(
    weakref.WeakKeyDictionary
)
"""Each engine's counts, per process (a forked child starts empty)."""
_STORES_LOCK: PerProcess[threading.Lock] = PerProcess(threading.Lock)


def counts_for(http: GeminiHTTP) -> TokenCounts:
    """The counts of one engine (created on first use, gone with the engine)."""
    with _STORES_LOCK.get():
        stores = _STORES.get()
        store = stores.get(http)
        if store is None:
            store = stores[http] = TokenCounts()
        return store
