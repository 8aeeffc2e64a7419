"""``ScriptedGemini``: the emulator with scripted answers, for demos and docs.

Flow::

    ScriptedGemini(answers, tool_calls=..., thoughts=..., grounding=...)
      .start()     a GeminiEmulator on 127.0.0.1 answering through this object;
                   COMETAPI_KEY / COMETAPI_BASE_URL point at it (old values kept)
      __call__     one request -> one Reply:
                     the model's declared tools named in ``tool_calls`` (and not
                     answered yet in the last turn) -> that function call
                     else the first ``answers`` key found in the request's text
                     (system + last user turn + function results) -> its reply,
                     with a thought from ``thoughts`` when thoughts are asked for
                     and ``grounding`` when Google Search is bound
                     else ``fallback(request)``, by default the emulator's
                     default answer (echo, schema-valid JSON)
      .stop()      the emulator stops; both variables are as they were found
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from langchain_cometgemini.testing._emulator import GeminiEmulator
from langchain_cometgemini.testing._reply import Reply
from langchain_cometgemini.testing._request import RecordedRequest
from langchain_cometgemini.testing._responder import default_reply

Answer = str | Reply | Callable[[RecordedRequest], Reply]
"""A scripted answer: its text, a ready ``Reply``, or a function of the request."""

_ENV = ("COMETAPI_KEY", "COMETAPI_BASE_URL")


class ScriptedGemini:
    """A local Gemini that answers by keyword: a few lines for a demo or a notebook.

    Example::

        from langchain_cometgemini import ChatCometGemini
        from langchain_cometgemini.testing import ScriptedGemini

        with ScriptedGemini({"sky": "Rayleigh scattering."}):
            llm = ChatCometGemini()  # reads COMETAPI_KEY / COMETAPI_BASE_URL
            assert llm.invoke("Why is the sky blue?").text == "Rayleigh scattering."
        # both variables are back to what they were

    Args:
        answers: Keyword -> answer, tried in order against the request's text
            (system instruction, last user turn and the function results it
            carries). A ``Reply`` is sent as given (a copy).
        tool_calls: Function name -> arguments: when the request declares that
            function and its last turn carries no function result, the model
            calls it.
        thoughts: Keyword -> thought summary, added to text answers when the
            request asks for thoughts (``include_thoughts``).
        grounding: ``groundingMetadata`` (Gemini's camelCase) attached to the
            answer when the request binds Google Search.
        fallback: Answers what no rule above answers (a multi-step script,
            say); default: the emulator's own default answer.
        api_key: The key the emulator expects (and that ``start`` exports).
    """

    def __init__(
        self,
        answers: Mapping[str, Answer] | None = None,
        *,
        tool_calls: Mapping[str, dict[str, Any]] | None = None,
        thoughts: Mapping[str, str] | None = None,
        grounding: dict[str, Any] | None = None,
        fallback: Callable[[RecordedRequest], Reply] | None = None,
        api_key: str = "scripted-gemini-key",
    ) -> None:
        self.answers = dict(answers or {})
        self.tool_calls = dict(tool_calls or {})
        self.thoughts = dict(thoughts or {})
        self.grounding = grounding
        self.fallback = fallback or default_reply
        self.emulator = GeminiEmulator(api_key=api_key, responder=self)
        self._saved: dict[str, str | None] | None = None

    @property
    def base_url(self) -> str:
        """The emulator's URL (once started)."""
        return self.emulator.base_url

    def start(self) -> ScriptedGemini:
        """Start the emulator; point ``COMETAPI_KEY``/``COMETAPI_BASE_URL`` at it."""
        self.emulator.start()
        if self._saved is None:
            self._saved = {name: os.environ.get(name) for name in _ENV}
        os.environ["COMETAPI_KEY"] = str(self.emulator.api_key)
        os.environ["COMETAPI_BASE_URL"] = self.emulator.base_url
        return self

    def stop(self) -> None:
        """Stop the emulator and put both variables back (safe to call twice)."""
        self.emulator.stop()
        saved, self._saved = self._saved, None
        for name, value in (saved or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def __enter__(self) -> ScriptedGemini:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, request: RecordedRequest) -> Reply:
        """Answer one request (the emulator's responder)."""
        last = request.contents[-1] if request.contents else {}
        parts = [p for p in (last.get("parts") or []) if isinstance(p, dict)]
        results = [p["functionResponse"] for p in parts if "functionResponse" in p]
        if not results:
            for name in _declared(request.body):
                if name in self.tool_calls:
                    return Reply.function_call(name, self.tool_calls[name])
        text = f"{request.system_text} {request.text}"  # results included
        reply = self._answer(text, request)
        if self.grounding is not None and _binds_search(request.body):
            for response in (reply.body, *(reply.chunks or [])[-1:]):
                if isinstance(response, dict) and response.get("candidates"):
                    grounding = copy.deepcopy(self.grounding)
                    response["candidates"][0]["groundingMetadata"] = grounding
        return reply

    def _answer(self, text: str, request: RecordedRequest) -> Reply:
        for key, answer in self.answers.items():
            if key not in text:
                continue
            if isinstance(answer, Reply):
                return copy.deepcopy(answer)
            if callable(answer):
                return answer(request)
            thought = (
                _thought(self.thoughts, text) if _wants_thoughts(request) else None
            )
            return Reply.text(answer, thought=thought)
        return self.fallback(request)


def _declared(body: Any) -> list[str]:
    tools = body.get("tools") if isinstance(body, dict) else None
    names = []
    for tool in tools or []:
        if isinstance(tool, dict):
            for declaration in tool.get("functionDeclarations") or []:
                if isinstance(declaration, dict) and "name" in declaration:
                    names.append(str(declaration["name"]))
    return names


def _binds_search(body: Any) -> bool:
    tools = body.get("tools") if isinstance(body, dict) else None
    return any(
        isinstance(t, dict) and ("googleSearch" in t or "google_search" in t)
        for t in tools or []
    )


def _wants_thoughts(request: RecordedRequest) -> bool:
    thinking = request.config("thinkingConfig", "thinking_config")
    return isinstance(thinking, dict) and bool(thinking.get("includeThoughts"))


def _thought(thoughts: Mapping[str, str], text: str) -> str | None:
    return next((t for key, t in thoughts.items() if key in text), None)
