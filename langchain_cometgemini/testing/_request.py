"""``RecordedRequest``: one HTTP request as the emulator received it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


def _parts(content: Any) -> list[dict[str, Any]]:
    parts = content.get("parts") if isinstance(content, dict) else None
    return [p for p in parts or [] if isinstance(p, dict)]


def _texts(content: Any) -> list[str]:
    return [str(p["text"]) for p in _parts(content) if "text" in p]


def _results(content: Any) -> list[str]:
    """``name returned {...}`` for each function result of a content."""
    found = []
    for part in _parts(content):
        result = _get(part, "functionResponse", "function_response")
        if isinstance(result, dict):
            answer = json.dumps(result.get("response"), ensure_ascii=False)
            found.append(f"{result.get('name', '?')} returned {answer}")
    return found


def _get(mapping: Any, camel: str, snake: str) -> Any:
    if not isinstance(mapping, dict):
        return None
    value = mapping.get(camel)
    return mapping.get(snake) if value is None else value


@dataclass(frozen=True)
class RecordedRequest:
    """A request received by the emulator, rejected or not.

    Attributes:
        method: HTTP method.
        path: URL path without the query string.
        query: Query parameters (last value wins).
        headers: Request headers with lower-cased names.
        body: The parsed JSON body, or None if absent or not JSON.
        raw: The raw body bytes.
        model: Model name from the path (``gemini-2.5-flash``), if any.
        action: ``generateContent``, ``streamGenerateContent`` or
            ``countTokens`` (whatever follows the colon), if any.
        stream: True for ``streamGenerateContent`` with ``alt=sse``.
    """

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    raw: bytes = b""
    model: str | None = None
    action: str | None = None
    stream: bool = False

    @property
    def contents(self) -> list[Any]:
        """The request's ``contents`` (also inside ``generateContentRequest``)."""
        body = self.body
        inner = _get(body, "generateContentRequest", "generate_content_request")
        if isinstance(inner, dict):
            body = inner
        contents = _get(body, "contents", "contents")
        return contents if isinstance(contents, list) else []

    @property
    def text(self) -> str:
        """What the last ``user`` content says ("" if none).

        Its text parts, concatenated; a turn that carries function results adds
        one line per result, ``get_weather returned {"temp": 21}``.
        """
        for content in reversed(self.contents):
            if isinstance(content, dict) and content.get("role", "user") == "user":
                text = "".join(_texts(content))
                return "\n".join(piece for piece in [text, *_results(content)] if piece)
        return ""

    @property
    def generation_config(self) -> dict[str, Any]:
        """The ``generationConfig`` dict (either case style), ``{}`` if absent."""
        config = _get(self.body, "generationConfig", "generation_config")
        return config if isinstance(config, dict) else {}

    @property
    def system_text(self) -> str:
        """Concatenated text of ``systemInstruction`` ("" if none)."""
        system = _get(self.body, "systemInstruction", "system_instruction")
        return "".join(_texts(system))

    def config(self, camel: str, snake: str) -> Any:
        """Read a ``generationConfig`` entry given in either case style."""
        return _get(self.generation_config, camel, snake)
