"""The policy for answers with no usable content (``on_empty_answer``).

``ChatCometGemini`` hands each call's attempts to an :class:`AnswerPolicy`
(``_generate_once`` and friends make one request each)::

    AnswerPolicy.pop(kwargs, model)   the call's on_empty_answer and
                                      max_empty_retries (per call, bound or the
                                      field), checked before anything is sent
    generate / agenerate (attempt)    attempt -> ChatResult; asked again while
                                      the answer is empty for a retryable
                                      reason and retries remain (usage summed)
    stream / astream (attempt)        attempt -> (events, reader); the events
                                      read into chunks, which pass as they
                                      come; the finishing chunk is held, and
                                      the stream decided at its end
                                      (_StreamWatch); nothing yielded is
                                      taken back
    then, for an answer still empty   "return" (and "retry" out of retries or
                                      for a reason not retried): warn once per
                                      reason, response_metadata["empty_answer"];
                                      "raise": AnswerRefusedError/AnswerFailedError
    seen(body) / watch(events)        keep the raw candidate for that error
                                      (a stream's events only for "raise")
    every attempt                     a 404 for the model -> ModelRetiredError
                                      (retired_or, also around countTokens);
                                      modelStatus -> a warning once per model

The decisions themselves (what is empty, why, the texts) are ``_wire.empty``.
"""

from __future__ import annotations

import functools
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Sequence,
)
from contextlib import aclosing, closing
from typing import Any, Protocol, TypeVarTuple

from langchain_core.messages import BaseMessage
from langchain_core.messages.ai import UsageMetadata, add_usage
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_cometgemini._wire import model_status
from langchain_cometgemini._wire.empty import Verdict, has_content, verdict
from langchain_cometgemini.errors import NotFoundError

MODES = ("return", "raise", "retry")

Args = TypeVarTuple("Args")
"""An attempt's arguments, passed through the policy."""


class Settings(Protocol):
    """The model fields the policy reads (``ChatCometGemini`` has them)."""

    @property
    def on_empty_answer(self) -> str: ...
    @property
    def max_empty_retries(self) -> int: ...
    @property
    def model(self) -> str: ...


class Reader(Protocol):
    """What turns one attempt's stream events into chunks (``StreamState``)."""

    def read(self, event: dict[str, Any]) -> list[ChatGenerationChunk]: ...
    def end(self) -> list[ChatGenerationChunk]: ...


class AnswerPolicy:
    """One call's policy for empty answers, and the raw candidate it last saw."""

    def __init__(self, mode: str, retries: int, model: str) -> None:
        self.mode = mode
        self.retries = retries if mode == "retry" else 0
        self.model = model
        self._raw: Sequence[Any] = ()  # no list per call until events are kept

    @classmethod
    def pop(cls, kwargs: dict[str, Any], settings: Settings) -> AnswerPolicy:
        """The policy of one call: its arguments (taken out of ``kwargs``).

        Arguments not given are the model's fields.

        Raises:
            ValueError: an ``on_empty_answer`` that is no mode, or a negative
                ``max_empty_retries``.
            TypeError: a ``max_empty_retries`` that is not an integer.
        """
        mode = kwargs.pop("on_empty_answer", settings.on_empty_answer)
        retries = kwargs.pop("max_empty_retries", settings.max_empty_retries)
        if mode not in MODES:
            msg = f"on_empty_answer must be 'return', 'raise' or 'retry', not {mode!r}"
            raise ValueError(msg)
        if type(retries) is not int:
            msg = f"max_empty_retries must be an int, not {type(retries).__name__}"
            raise TypeError(msg)
        if retries < 0:
            msg = f"max_empty_retries must be 0 or more, not {retries}"
            raise ValueError(msg)
        model = kwargs.get("model", kwargs.get("model_name", settings.model))
        return cls(mode, retries, str(model))

    # -- the raw answer, for the error ---------------------------------------

    def seen(self, body: Any) -> Any:
        """Keep a unary answer's candidate; return ``body`` unchanged."""
        self._raw = (body,)
        return body

    def watch(self, events: Generator[Any, None, None]) -> Generator[Any, None, None]:
        """A stream's events, kept as they pass for ``"raise"`` only.

        Other modes keep nothing, so ``events`` itself is returned: no
        generator layer per event.
        """
        self._raw = ()
        return self._kept(events) if self.mode == "raise" else events

    def _kept(self, events: Generator[Any, None, None]) -> Generator[Any, None, None]:
        self._raw = kept = []
        try:
            for event in events:
                kept.append(event)
                yield event
        finally:
            events.close()

    def awatch(self, events: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
        """Async :meth:`watch`."""
        self._raw = ()
        return self._akept(events) if self.mode == "raise" else events

    async def _akept(
        self, events: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        self._raw = kept = []
        try:
            async for event in events:
                kept.append(event)
                yield event
        finally:
            await events.aclose()

    def candidate(self) -> dict[str, Any] | None:
        """The last attempt's raw candidate (a stream's events merged)."""
        merged: dict[str, Any] | None = None
        for event in self._raw:
            found = event.get("candidates") if isinstance(event, dict) else None
            first = found[0] if isinstance(found, list) and found else None
            if isinstance(first, dict):
                merged = _merge_candidate(merged, first)
        return merged

    # -- invoke ------------------------------------------------------------------

    def generate(
        self, attempt: Callable[[*Args], ChatResult], *args: *Args
    ) -> ChatResult:
        """Run ``attempt(*args)`` until the answer has content or the policy stops.

        The arguments are passed, not closed over: no closure per call.
        """
        usage: UsageMetadata | None = None
        tries = 0
        while True:
            try:
                result = attempt(*args)
            except NotFoundError as error:
                raise retired_or(error, self.model)  # noqa: B904 (its own cause)
            usage, found = self._judge(result, usage)
            if found is None or not self.asks_again(found, tries):
                return self._settle(result, found, usage, tries)
            tries += 1

    async def agenerate(
        self,
        attempt: Callable[[*Args], Awaitable[ChatResult]],
        *args: *Args,
    ) -> ChatResult:
        """Async :meth:`generate`."""
        usage: UsageMetadata | None = None
        tries = 0
        while True:
            try:
                result = await attempt(*args)
            except NotFoundError as error:
                raise retired_or(error, self.model)  # noqa: B904 (its own cause)
            usage, found = self._judge(result, usage)
            if found is None or not self.asks_again(found, tries):
                return self._settle(result, found, usage, tries)
            tries += 1

    def _judge(
        self, result: ChatResult, usage: UsageMetadata | None
    ) -> tuple[UsageMetadata | None, Verdict | None]:
        """The usage so far, and why the answer is empty (None: it is not)."""
        message = result.generations[0].message
        model_status.check(self.model, message.response_metadata)
        billed = getattr(message, "usage_metadata", None)
        usage = add_usage(usage, billed) if billed else usage
        if any(has_content(g.message) for g in result.generations):
            return usage, None
        return usage, verdict(message.response_metadata)

    def asks_again(self, found: Verdict, tries: int) -> bool:
        """Whether ``"retry"`` asks again after ``tries`` retries for ``found``."""
        return found.retryable and tries < self.retries

    def _settle(
        self,
        result: ChatResult,
        found: Verdict | None,
        usage: UsageMetadata | None,
        tries: int,
    ) -> ChatResult:
        message = result.generations[0].message
        if tries:
            message.usage_metadata = usage  # type: ignore[attr-defined]
        self.conclude(message, found, tries, usage)
        return result

    def conclude(
        self,
        message: BaseMessage,
        found: Verdict | None,
        tries: int,
        usage: UsageMetadata | None,
    ) -> None:
        """Note the retries; for an empty answer, raise or warn and explain."""
        if tries:
            message.response_metadata["empty_answer_retries"] = tries
        if found is None:
            return
        if self.mode == "raise":
            raise found.error(message, usage, self.candidate())
        found.warn()
        message.response_metadata["empty_answer"] = found.explanation

    # -- streams -----------------------------------------------------------------

    def stream(
        self,
        attempt: Callable[[*Args], tuple[Iterator[Any], Reader]],
        *args: *Args,
    ) -> Iterator[ChatGenerationChunk]:
        """Each attempt's events read into chunks; decide at the end of each.

        ``attempt(*args)`` sends one request: its events, and the reader that turns
        them into chunks. Read here, so an event passes one generator, not
        one per layer.
        """
        watch = _StreamWatch(self)
        see = watch.see
        again = True
        while again:
            try:
                events, reader = attempt(*args)
                with closing(events):  # type: ignore[type-var]
                    for event in events:
                        for chunk in reader.read(event):
                            if (passed := see(chunk)) is not None:
                                yield passed
                for chunk in reader.end():
                    if (passed := see(chunk)) is not None:
                        yield passed
            except NotFoundError as error:
                raise retired_or(error, self.model)  # noqa: B904 (its own cause)
            again, last = watch.end()
        if last is not None:
            yield last

    async def astream(
        self,
        attempt: Callable[[*Args], Awaitable[tuple[AsyncIterator[Any], Reader]]],
        *args: *Args,
    ) -> AsyncIterator[ChatGenerationChunk]:
        """Async :meth:`stream`."""
        watch = _StreamWatch(self)
        see = watch.see
        again = True
        while again:
            try:
                events, reader = await attempt(*args)
                async with aclosing(events):  # type: ignore[type-var]
                    async for event in events:
                        for chunk in reader.read(event):
                            if (passed := see(chunk)) is not None:
                                yield passed
                for chunk in reader.end():
                    if (passed := see(chunk)) is not None:
                        yield passed
            except NotFoundError as error:
                raise retired_or(error, self.model)  # noqa: B904 (its own cause)
            again, last = watch.end()
        if last is not None:
            yield last


def retired_or(error: NotFoundError, model: str) -> Exception:
    """What a 404 for ``model`` raises: a ModelRetiredError caused by it, or itself.

    Called in an ``except`` block around each attempt (and countTokens): no
    context manager object per attempt.
    """
    retired = model_status.retired_model_error(error, model)
    if retired is None:
        return error
    retired.__cause__ = error
    return retired


class _StreamWatch:
    """A stream's attempts: what passes, the finishing chunk held, the end.

    The finishing chunk (the one with ``finish_reason``, which ``_stream``
    sends last) is held back, so a retried attempt's reason is never
    concatenated with the next one's. Later attempts' block and tool-call
    indices continue after the earlier ones', so merged chunks never mix a
    failed attempt's thought into the new answer's text.
    """

    def __init__(self, policy: AnswerPolicy) -> None:
        self.policy = policy
        self.tries = 0
        self.usages: list[UsageMetadata] = []
        """Every chunk's usage (kept for ``"raise"`` only, summed at the end)."""
        self.content = False
        self.held: ChatGenerationChunk | None = None
        self.offsets = (0, 0)
        self.next = (0, 0)

    def see(self, chunk: ChatGenerationChunk) -> ChatGenerationChunk | None:
        """The chunk to yield now, or None for the finishing chunk (held)."""
        if self.offsets != (0, 0):
            chunk = _shifted(chunk, *self.offsets)
        message = chunk.message
        if not self.content and has_content(message):
            self.content = True
        usage = getattr(message, "usage_metadata", None)
        if usage and self.policy.mode == "raise":
            self.usages.append(usage)
        if self.policy.retries:
            self.next = _next_indices(message, self.next)
        if "model_status" in message.response_metadata:
            model_status.check(self.policy.model, message.response_metadata)
        if chunk.generation_info and "finish_reason" in chunk.generation_info:
            self.held = chunk
            return None
        return chunk

    def end(self) -> tuple[bool, ChatGenerationChunk | None]:
        """At an attempt's end: (ask again?, the last chunk to yield)."""
        held, self.held = self.held, None
        if held is None:
            return False, None
        found = None if self.content else verdict(held.message.response_metadata)
        if found is not None and self.policy.asks_again(found, self.tries):
            self.tries += 1
            self.content = False
            self.offsets = self.next
            return True, None
        usage = None
        if found is not None and self.usages:
            usage = functools.reduce(add_usage, self.usages)
        self.policy.conclude(held.message, found, self.tries, usage)
        return False, held


def _next_indices(message: BaseMessage, after: tuple[int, int]) -> tuple[int, int]:
    """The first free (block, tool call) index after ``message``'s."""
    blocks, calls = after
    if isinstance(message.content, list):
        for block in message.content:
            if isinstance(block, dict) and isinstance(block.get("index"), int):
                blocks = max(blocks, block["index"] + 1)
    for call in getattr(message, "tool_call_chunks", ()):
        if isinstance(call.get("index"), int):
            calls = max(calls, call["index"] + 1)
    return blocks, calls


def _shifted(
    chunk: ChatGenerationChunk, blocks: int, calls: int
) -> ChatGenerationChunk:
    """``chunk`` with its block and tool-call indices moved on."""
    message = chunk.message
    update: dict[str, Any] = {}
    if blocks and isinstance(message.content, list):
        update["content"] = [_moved(b, blocks) for b in message.content]
    call_chunks = getattr(message, "tool_call_chunks", None)
    if calls and call_chunks:
        update["tool_call_chunks"] = [_moved(c, calls) for c in call_chunks]
    if not update:
        return chunk
    return ChatGenerationChunk(
        message=message.model_copy(update=update),
        generation_info=chunk.generation_info,
    )


def _moved(item: Any, by: int) -> Any:
    if isinstance(item, dict) and isinstance(item.get("index"), int):
        return {**item, "index": item["index"] + by}
    return item


def _merge_candidate(
    into: dict[str, Any] | None, piece: dict[str, Any]
) -> dict[str, Any]:
    """A stream's candidate so far: parts appended, other keys the latest."""
    if into is None:
        return {**piece}
    parts = _parts(into) + _parts(piece)
    merged = {**into, **piece}
    if parts:
        content = piece.get("content")
        base = content if isinstance(content, dict) else {}
        merged["content"] = {**base, "parts": parts}
    return merged


def _parts(candidate: dict[str, Any]) -> list[Any]:
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    return list(parts) if isinstance(parts, list) else []
