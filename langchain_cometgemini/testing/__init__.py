"""A local Gemini API emulator for testing LangChain apps offline.

``GeminiEmulator`` is a real HTTP server on ``127.0.0.1`` that speaks the
Gemini-native REST API the way CometAPI serves it (``generateContent``,
``streamGenerateContent`` with SSE, ``countTokens``): same JSON shapes, same
validation errors, same Gemini 3 thought-signature rules. Use it to test your
own chains offline, deterministically, and to inject faults (rate limits,
timeouts, dropped connections, broken streams)::

    from langchain_cometgemini import ChatCometGemini
    from langchain_cometgemini.testing import GeminiEmulator, Reply

    with GeminiEmulator() as emu:
        llm = ChatCometGemini(
            model="gemini-2.5-flash", base_url=emu.base_url, api_key=emu.api_key
        )
        assert llm.invoke("hello").content == "Echo: hello"

        emu.enqueue(Reply.rate_limited("1s"), Reply.text("Bonjour"))
        assert llm.invoke("hi").content == "Bonjour"  # after one retry
        assert emu.last_request.text == "hi"

A ``responder`` (given to the constructor, or set later) answers what the
queue does not; returning None from it means :func:`default_reply`, the
emulator's own answer. Every ``Reply`` builder takes the fault options
``delay``, ``event_delay``, ``drop_after`` and ``reset``; ``Reply.empty``
answers with no content (a finish reason, its message), as Gemini sometimes
does, to test what an agent does then.

With pytest, the ``gemini_emulator`` fixture (installed with the package)
yields a started emulator. ``python -m langchain_cometgemini.testing`` runs one
in the foreground and prints its base URL.
"""

from langchain_cometgemini.testing._dispatch import Responder
from langchain_cometgemini.testing._emulator import GeminiEmulator, ResponderError
from langchain_cometgemini.testing._reply import Reply
from langchain_cometgemini.testing._request import RecordedRequest
from langchain_cometgemini.testing._responder import default_reply
from langchain_cometgemini.testing._scripted import ScriptedGemini

__all__ = [
    "GeminiEmulator",
    "RecordedRequest",
    "Reply",
    "Responder",
    "ResponderError",
    "ScriptedGemini",
    "default_reply",
]
