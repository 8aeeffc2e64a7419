"""The one way tests build the model under test: :func:`make_model`.

Every test package points ``ChatCometGemini`` at a local server (the emulator,
the replay server, the hostile server) through this factory, so the test
defaults live in one place: no retries unless a test asks for them, and a short
timeout so a server that stops answering fails the test in seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from langchain_core.messages import AIMessageChunk, BaseMessage

from langchain_cometgemini import ChatCometGemini

MODEL = "gemini-2.5-flash"
TIMEOUT = 5.0
API_KEY = "test-key"


class Server(Protocol):
    """A started local server that checks a key (``GeminiEmulator`` is one)."""

    @property
    def base_url(self) -> str: ...

    @property
    def api_key(self) -> str | None: ...


def make_model(
    server: str | Server,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str = MODEL,
    max_retries: int = 0,
    timeout: float | None = TIMEOUT,
    **kwargs: Any,
) -> ChatCometGemini:
    """A ``ChatCometGemini`` pointed at ``server`` (a base URL, or an emulator).

    ``base_url`` and ``api_key``, if given, win over the server's (a bare URL's
    key is ``API_KEY``). Other keyword arguments go to the constructor.
    """
    key: str | None
    if isinstance(server, str):
        url, key = server, API_KEY
    else:
        url, key = server.base_url, server.api_key
    return ChatCometGemini(
        model=model,
        base_url=url if base_url is None else base_url,
        api_key=key if api_key is None else api_key,
        max_retries=max_retries,
        timeout=timeout,
        **kwargs,
    )


def content_dicts(message: BaseMessage) -> list[dict[str, Any]]:
    """``message.content`` as its list of dict blocks (asserting that it is one)."""
    content = message.content
    assert isinstance(content, list), content
    blocks = [block for block in content if isinstance(block, dict)]
    assert len(blocks) == len(content), content
    return blocks


def as_dicts(blocks: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Typed blocks (``content_blocks``, annotations) as dicts, to assert on keys."""
    return [dict(block) for block in blocks]


def ai_chunk(message: BaseMessage) -> AIMessageChunk:
    """``message``, asserted to be an ``AIMessageChunk`` (what a stream yields)."""
    assert isinstance(message, AIMessageChunk), type(message)
    return message


def read_terminal(main_fd: int) -> bytes:
    """Everything written to a pseudo-terminal until its child side closes."""
    shown = b""
    while True:
        try:
            data = os.read(main_fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return shown
        if not data:
            return shown
        shown += data


def generation_keys() -> Mapping[str, str]:
    """The model's field name -> ``generationConfig`` key table.

    What ``ChatCometGemini`` passes to ``_wire.request``.
    """
    from langchain_cometgemini._fields import FieldTable

    return FieldTable.of(ChatCometGemini.model_fields).generation_keys
