"""Where both commands send their requests: CometAPI or the built-in emulator.

Flow::

    choose_backend(offline, interactive)
      COMETAPI_KEY set               -> None: ask CometAPI (or COMETAPI_BASE_URL)
      --offline, or no key with      -> the one-line notice to print: the
      stdout a terminal                 emulator answers
      no key in a pipe or script     -> NoKeyError (never a silent echo)
    open_backend(notice, err)        -> connection arguments for ChatCometGemini;
                                        starts the emulator when there is a notice

The emulator is used only through its public API
(:mod:`langchain_cometgemini.testing`), imported only when it answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

from langchain_cometgemini.cli.options import PROG

if TYPE_CHECKING:
    from langchain_cometgemini.testing import RecordedRequest, Reply

OFFLINE_KEY = "offline-emulator-key"
_EMULATOR = (
    "answering with the built-in offline Gemini emulator (it echoes your prompt)"
)


class NoKeyError(ValueError):
    """No ``COMETAPI_KEY`` where the emulator must not answer in its place."""


def choose_backend(offline: bool, interactive: bool) -> str | None:
    """Return the offline notice to print, or None to ask CometAPI.

    ``interactive`` is whether stdout is a terminal: only there may a missing
    key fall back to the emulator, so a forgotten key never passes silently as
    an answer in a pipe or a script.

    Raises:
        NoKeyError: No key, and the emulator may not stand in.
    """
    has_key = bool(os.environ.get("COMETAPI_KEY"))
    if offline:
        hint = "" if has_key else "; set COMETAPI_KEY to ask CometAPI"
        return f"{PROG}: --offline: {_EMULATOR}{hint}."
    if has_key:
        return None
    if os.environ.get("COMETAPI_BASE_URL"):
        raise NoKeyError(
            "COMETAPI_BASE_URL is set but COMETAPI_KEY is not; set the key, "
            "or pass --offline for the built-in emulator"
        )
    if not interactive:
        raise NoKeyError(
            "COMETAPI_KEY is not set; set it, or pass --offline to answer "
            "from the built-in emulator"
        )
    return (
        f"{PROG}: COMETAPI_KEY is not set: {_EMULATOR}; set COMETAPI_KEY to ask "
        "CometAPI (in scripts, pass --offline)."
    )


@contextmanager
def open_backend(
    notice: str | None, err: IO[str], *, search: bool = False
) -> Iterator[dict[str, Any]]:
    """Yield connection arguments: CometAPI's (no notice) or a local emulator's."""
    if notice is None:
        yield {}
        return
    err.write(notice + "\n")
    err.flush()
    from langchain_cometgemini.testing import GeminiEmulator

    responder = search_responder if search else None
    with GeminiEmulator(api_key=OFFLINE_KEY, responder=responder) as emulator:
        yield {"base_url": emulator.base_url, "api_key": OFFLINE_KEY}


def search_responder(request: RecordedRequest) -> Reply:
    """Emulator responder for ``--search`` offline: the default answer, fake sources.

    The built-in emulator does not search; this answer carries clearly fake
    ``groundingMetadata`` so that printing the sources can be seen without a key.
    """
    from langchain_cometgemini.testing import default_reply

    reply = default_reply(request)
    if _wants_search(request.body):
        for response in (reply.body, *(reply.chunks or [])[-1:]):
            response["candidates"][0]["groundingMetadata"] = _FAKE_GROUNDING
    return reply


def _wants_search(body: Any) -> bool:
    tools = body.get("tools") if isinstance(body, dict) else None
    return any(
        isinstance(tool, dict) and ("googleSearch" in tool or "google_search" in tool)
        for tool in tools or []
    )


_FAKE_GROUNDING = {
    "webSearchQueries": ["offline emulator search"],
    "groundingChunks": [
        {
            "web": {
                "uri": "https://example.com/offline-emulator",
                "title": "Offline emulator (no real search was made)",
            }
        }
    ],
}
