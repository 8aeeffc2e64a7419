"""LangChain chat model for Gemini through CometAPI's Gemini-native API.

``from langchain_cometgemini import ChatCometGemini``. The local Gemini emulator
for offline tests lives in :mod:`langchain_cometgemini.testing` (imported only
when you ask for it).

Names are loaded on first access (PEP 562), so ``import langchain_cometgemini``
costs almost nothing until the chat model or an error class is used. The error
classes are listed once, in :data:`langchain_cometgemini.errors.__all__`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from langchain_cometgemini._version import __version__ as __version__

if TYPE_CHECKING:
    from langchain_cometgemini.chat_models import ChatCometGemini as ChatCometGemini
    from langchain_cometgemini.errors import *  # noqa: F403


def _public() -> dict[str, str]:
    """Public name -> the submodule defining it (the errors module lists its own)."""
    errors = importlib.import_module(f"{__name__}.errors")
    return {"ChatCometGemini": "chat_models", **dict.fromkeys(errors.__all__, "errors")}


def __getattr__(name: str) -> Any:
    """Import a public name's submodule on first access (PEP 562)."""
    if name == "__all__":
        value: Any = sorted([*_public(), "__version__"])
    elif name == "ChatCometGemini" or (not name.startswith("_") and name in _public()):
        module = importlib.import_module(f"{__name__}.{_public()[name]}")
        value = getattr(module, name)
    else:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__getattr__("__all__")))
