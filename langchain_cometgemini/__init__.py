"""LangChain chat model for Gemini through CometAPI's Gemini-native API.

``from langchain_cometgemini import ChatCometGemini``. The local Gemini emulator
for offline tests lives in :mod:`langchain_cometgemini.testing` (imported only
when you ask for it).

Names are loaded on first access (PEP 562), so ``import langchain_cometgemini``
costs almost nothing until the chat model or an error class is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from langchain_cometgemini._version import __version__

if TYPE_CHECKING:
    from langchain_cometgemini.chat_models import ChatCometGemini
    from langchain_cometgemini.errors import (
        APIConnectionError,
        AuthenticationError,
        BadRequestError,
        CometGeminiError,
        ConnectTimeoutError,
        ContextWindowExceededError,
        InvalidResponseError,
        MediaFetchError,
        MissingAPIKeyError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RequestTimeoutError,
        ServerError,
        StreamInterruptedError,
    )

_ERRORS = (
    "APIConnectionError",
    "AuthenticationError",
    "BadRequestError",
    "CometGeminiError",
    "ConnectTimeoutError",
    "ContextWindowExceededError",
    "InvalidResponseError",
    "MediaFetchError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "StreamInterruptedError",
)
_MODULE_OF: dict[str, str] = {
    "ChatCometGemini": "chat_models",
    **dict.fromkeys(_ERRORS, "errors"),
}
"""Public name -> the submodule defining it."""

__all__ = [
    "APIConnectionError",
    "AuthenticationError",
    "BadRequestError",
    "ChatCometGemini",
    "CometGeminiError",
    "ConnectTimeoutError",
    "ContextWindowExceededError",
    "InvalidResponseError",
    "MediaFetchError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "StreamInterruptedError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Import a public name's submodule on first access (PEP 562)."""
    module_name = _MODULE_OF.get(name)
    if module_name is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
