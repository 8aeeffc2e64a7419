"""LangChain chat model for Gemini through CometAPI's Gemini-native API.

``from langchain_cometgemini import ChatCometGemini``. The local Gemini emulator
for offline tests lives in :mod:`langchain_cometgemini.testing` (imported only
when you ask for it).
"""

from langchain_cometgemini._fetch import MediaFetchError
from langchain_cometgemini._version import __version__
from langchain_cometgemini.chat_models import ChatCometGemini
from langchain_cometgemini.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    CometGeminiError,
    ContextWindowExceededError,
    InvalidResponseError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    StreamInterruptedError,
)

__all__ = [
    "APIConnectionError",
    "AuthenticationError",
    "BadRequestError",
    "ChatCometGemini",
    "CometGeminiError",
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
