"""The things measured, each as sync/async ``invoke`` and ``stream`` callables.

* A  raw httpx POST + ``json.loads`` (the HTTP floor of one invoke);
* B  raw httpx + httpx-sse + ``json.loads`` per event (the HTTP floor of a stream);
  B2 the same with a hand-rolled SSE frame splitter (no httpx-sse);
* D  LangChain's own fixed cost: a no-network ``BaseChatModel`` with native
  ``_generate``/``_agenerate``/``_stream``/``_astream`` building a canned message
  of the same shape the server's answer has;
* E  ``ChatCometGemini`` pointed at the server;
* C  ``langchain-google-genai``'s ``ChatGoogleGenerativeAI`` pointed at it (REST,
  fake key), when installed.

The shape of the server's answer is selected by the model name
(``bench-s{bytes}-n{events}``, see server.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

PROMPT = "Say something."
BODY = {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]}
HEADERS = {"content-type": "application/json", "x-goog-api-key": "bench-key"}
API_KEY = "bench-key"


def model_name(size: int, events: int) -> str:
    """Model name selecting the server's answer shape."""
    return f"bench-s{size}-n{events}"


def pool_limits() -> httpx.Limits:
    """The pool limits ChatCometGemini uses (so raw httpx gets the same pool)."""
    from langchain_cometgemini._http import client as _client

    return httpx.Limits(
        max_connections=_client.MAX_CONNECTIONS,
        max_keepalive_connections=_client.MAX_KEEPALIVE,
    )


@dataclass
class Calls:
    """One variant's callables for one answer shape (None: not applicable)."""

    invoke: Callable[[], Any] | None = None
    stream: Callable[[], Any] | None = None
    ainvoke: Callable[[], Any] | None = None
    astream: Callable[[], Any] | None = None


# -- A / B: raw httpx ----------------------------------------------------------


class Raw:
    """Raw httpx clients against one server (one sync, one async per loop)."""

    def __init__(self, base_url: str) -> None:
        self.base = f"{base_url}/v1beta/models/"
        self.client = httpx.Client(limits=pool_limits(), timeout=120)
        self._aclient: httpx.AsyncClient | None = None

    @property
    def aclient(self) -> httpx.AsyncClient:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(limits=pool_limits(), timeout=120)
        return self._aclient

    def reset_async(self) -> None:
        """Forget the async client (call between event loops)."""
        self._aclient = None

    def calls(self, size: int, events: int) -> Calls:
        unary = f"{self.base}{model_name(size, events)}:generateContent"
        stream = f"{self.base}{model_name(size, events)}:streamGenerateContent?alt=sse"

        def invoke() -> Any:
            content = json.dumps(BODY).encode()
            r = self.client.post(unary, content=content, headers=HEADERS)
            return json.loads(r.content)

        async def ainvoke() -> Any:
            content = json.dumps(BODY).encode()
            r = await self.aclient.post(unary, content=content, headers=HEADERS)
            return json.loads(r.content)

        def sse() -> int:
            from httpx_sse import EventSource

            n = 0
            content = json.dumps(BODY).encode()
            with self.client.stream(
                "POST", stream, content=content, headers=HEADERS
            ) as r:
                for event in EventSource(r).iter_sse():
                    json.loads(event.data)
                    n += 1
            return n

        async def asse() -> int:
            from httpx_sse import EventSource

            n = 0
            content = json.dumps(BODY).encode()
            async with self.aclient.stream(
                "POST", stream, content=content, headers=HEADERS
            ) as r:
                async for event in EventSource(r).aiter_sse():
                    json.loads(event.data)
                    n += 1
            return n

        return Calls(invoke=invoke, stream=sse, ainvoke=ainvoke, astream=asse)

    def hand_sse(self, size: int, events: int) -> Calls:
        """B2: raw httpx with a hand-rolled SSE frame splitter."""
        stream = f"{self.base}{model_name(size, events)}:streamGenerateContent?alt=sse"

        def run() -> int:
            n = 0
            content = json.dumps(BODY).encode()
            with self.client.stream(
                "POST", stream, content=content, headers=HEADERS
            ) as r:
                for data in split_sse(r.iter_bytes()):
                    json.loads(data)
                    n += 1
            return n

        return Calls(stream=run)


_FRAME_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


def split_sse(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Yield the ``data`` payload of each SSE event (multi-line data joined)."""
    buf = b""
    for chunk in chunks:
        buf += chunk
        start = 0
        for match in _FRAME_END.finditer(buf):
            data = _frame_data(buf[start : match.start()])
            if data is not None:
                yield data
            start = match.end()
        buf = buf[start:]
    if buf.strip():
        data = _frame_data(buf)
        if data is not None:
            yield data


def _frame_data(frame: bytes) -> bytes | None:
    if frame.startswith(b"data: ") and b"\n" not in frame and b"\r" not in frame:
        return frame[6:]  # the common case: one data line
    lines = [
        line[5:].removeprefix(b" ")
        for line in frame.splitlines()
        if line.startswith(b"data:")
    ]
    return b"\n".join(lines) if lines else None


# -- D: LangChain's floor --------------------------------------------------------


def floor_model(size: int, events: int) -> Any:
    """A no-network chat model answering like the server, built fresh per call."""
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
    from server import _text  # the same canned text as the server

    text = _text(size)
    usage = {"input_tokens": 8, "output_tokens": 25, "total_tokens": 33}
    meta = {"model_provider": "cometgemini", "finish_reason": "STOP"}
    pieces = [f"tok{i % 1000:03d} w " for i in range(events)]

    def result() -> ChatResult:
        message = AIMessage(
            content=text,
            usage_metadata=usage,
            response_metadata={**meta, "model_name": "gemini-bench"},
            id="bench-response-id",
        )
        info = {"finish_reason": "STOP"}
        return ChatResult(
            generations=[ChatGeneration(message=message, generation_info=info)]
        )

    def chunks() -> Iterator[ChatGenerationChunk]:
        last = len(pieces) - 1
        for i, piece in enumerate(pieces):
            if i == last:
                message = AIMessageChunk(
                    content=piece, usage_metadata=usage, response_metadata=dict(meta)
                )
            else:
                message = AIMessageChunk(content=piece)
            yield ChatGenerationChunk(message=message)

    class FloorChat(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "floor"

        def _generate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> ChatResult:
            return result()

        async def _agenerate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> ChatResult:
            return result()

        def _stream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Iterator[ChatGenerationChunk]:
            for chunk in chunks():
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

        async def _astream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> AsyncIterator[ChatGenerationChunk]:
            for chunk in chunks():
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    return FloorChat()


# -- models: D, E, C ------------------------------------------------------------


def cometgemini(base_url: str, size: int, events: int) -> Any:
    """E: ChatCometGemini pointed at the server."""
    from langchain_cometgemini import ChatCometGemini

    return ChatCometGemini(
        model=model_name(size, events), base_url=base_url, api_key=API_KEY
    )


def google_genai(base_url: str, size: int, events: int) -> Any | None:
    """C: ChatGoogleGenerativeAI pointed at the server (None when not installed)."""
    try:
        from langchain_google_genai import ChatGoogleGenerativeAI
    except ImportError:
        return None
    return ChatGoogleGenerativeAI(
        model=model_name(size, events),
        google_api_key=API_KEY,
        base_url=base_url,
        max_retries=0,
    )


def model_calls(model: Any) -> Calls:
    """invoke/stream callables of a LangChain chat model."""

    def invoke() -> Any:
        return model.invoke(PROMPT)

    def stream() -> int:
        n = 0
        for _ in model.stream(PROMPT):
            n += 1
        return n

    async def ainvoke() -> Any:
        return await model.ainvoke(PROMPT)

    async def astream() -> int:
        n = 0
        async for _ in model.astream(PROMPT):
            n += 1
        return n

    return Calls(invoke=invoke, stream=stream, ainvoke=ainvoke, astream=astream)


def core_calls(model: Any) -> Calls:
    """E without LangChain's wrapper: ``_generate``/``_stream`` called directly.

    Shows what the package itself costs (conversions + transport), separately
    from what ``BaseChatModel.invoke``/``stream`` add around it.
    """
    from langchain_core.messages import HumanMessage

    messages = [HumanMessage(PROMPT)]

    def invoke() -> Any:
        return model._generate(messages)

    def stream() -> int:
        n = 0
        for _ in model._stream(messages):
            n += 1
        return n

    return Calls(invoke=invoke, stream=stream)


# -- F: the minimal possible integration ---------------------------------------


def minimal_model(base_url: str, size: int, events: int) -> Any:
    """F: a bare ``BaseChatModel`` doing A/B inside ``_generate``/``_stream``.

    The floor measured *in situ*: LangChain's wrapper and raw httpx in one call
    (A + D measured apart is a little cheaper, because each runs with warm
    caches). It handles plain text only; that is all the benchmark server sends.
    """
    from httpx_sse import EventSource
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    raw = Raw(base_url)
    name = model_name(size, events)
    unary = f"{raw.base}{name}:generateContent"
    stream_url = f"{raw.base}{name}:streamGenerateContent?alt=sse"

    def usage(event: dict[str, Any]) -> dict[str, int]:
        meta = event.get("usageMetadata") or {}
        inp, out = meta.get("promptTokenCount", 0), meta.get("candidatesTokenCount", 0)
        return {"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out}

    def text_of(event: dict[str, Any]) -> tuple[str, str | None]:
        candidate = event["candidates"][0]
        parts = candidate["content"]["parts"]
        return "".join(p.get("text", "") for p in parts), candidate.get("finishReason")

    def result(body: dict[str, Any]) -> ChatResult:
        text, reason = text_of(body)
        message = AIMessage(
            content=text,
            usage_metadata=usage(body),
            response_metadata={
                "model_provider": "cometgemini",
                "finish_reason": reason,
            },
            id=body.get("responseId"),
        )
        gen = ChatGeneration(message=message, generation_info={"finish_reason": reason})
        return ChatResult(generations=[gen])

    class MinimalChat(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "minimal"

        def _generate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> ChatResult:
            content = json.dumps(BODY).encode()
            r = raw.client.post(unary, content=content, headers=HEADERS)
            return result(json.loads(r.content))

        async def _agenerate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> ChatResult:
            content = json.dumps(BODY).encode()
            r = await raw.aclient.post(unary, content=content, headers=HEADERS)
            return result(json.loads(r.content))

        def _stream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Iterator[ChatGenerationChunk]:
            content = json.dumps(BODY).encode()
            with raw.client.stream(
                "POST", stream_url, content=content, headers=HEADERS
            ) as r:
                for sse in EventSource(r).iter_sse():
                    event = json.loads(sse.data)
                    text, reason = text_of(event)
                    if reason:
                        message = AIMessageChunk(
                            content=text,
                            usage_metadata=usage(event),
                            response_metadata={"finish_reason": reason},
                            id=event.get("responseId"),
                        )
                    else:
                        message = AIMessageChunk(content=text)
                    chunk = ChatGenerationChunk(message=message)
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk

    return MinimalChat()
