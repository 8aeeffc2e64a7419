"""Estimate what the proposed hot-path changes gain (NOT the package's code).

``FastE`` subclasses ``ChatCometGemini`` and re-implements only the transport and
message construction the way benchmarks/PROFILE.md proposes, for the plain-text
case this benchmark exercises (anything else falls back to the package's own
converters). It exists to put numbers on the proposals, interleaved with E, A,
B and D in one run:

    .venv/bin/python benchmarks/experiments/fastpath.py

Proposals exercised: P1 (owned client carries headers/timeout, cached
``httpx.URL`` per model and action), P2 (an ``AIMessage`` built directly instead
of chunk -> message), P3 (orjson when importable), S1/S2 (plain-text events build a
bare ``AIMessageChunk``; usage only on the final chunk, equal to the totals).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import EventSource
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

import _variants as V  # noqa: E402
from _measure import measure  # noqa: E402
from run import start_server, stop_server  # noqa: E402

from langchain_cometgemini import ChatCometGemini  # noqa: E402
from langchain_cometgemini._response import (  # noqa: E402
    MODEL_PROVIDER,
    StreamState,
    result_from_response,
    usage_from_counts,
)

try:
    import orjson

    loads = orjson.loads
except ImportError:  # pragma: no cover
    loads = json.loads


class FastE(ChatCometGemini):
    """ChatCometGemini with the proposed transport and construction fast paths."""

    def _fast_client(self) -> tuple[httpx.Client, dict[str, httpx.URL]]:
        cached = self.__dict__.get("_fast")
        if cached is None:
            http = self.http
            client = httpx.Client(
                headers=http.headers,
                timeout=http.timeout,
                limits=V.pool_limits(),
                follow_redirects=False,
            )
            cached = (client, {})
            self.__dict__["_fast"] = cached
        return cached

    def _url(self, urls: dict[str, httpx.URL], model: str, action: str) -> httpx.URL:
        key = f"{model}:{action}"
        url = urls.get(key)
        if url is None:
            url = urls[key] = httpx.URL(
                f"{self.base_url.rstrip('/')}/{self.api_version}/models/{key}"
            )
        return url

    def _generate(
        self,
        messages: Any,
        stop: Any = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._prepare(messages, stop, kwargs)
        client, urls = self._fast_client()
        url = self._url(urls, call.model, "generateContent")
        content = json.dumps(call.body, separators=(",", ":"), ensure_ascii=False)
        response = client.send(client.build_request("POST", url, content=content))
        body = loads(response.content)
        return _fast_result(body)

    def _stream(
        self,
        messages: Any,
        stop: Any = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._prepare(messages, stop, kwargs)
        client, urls = self._fast_client()
        url = self._url(urls, call.model, "streamGenerateContent?alt=sse")
        content = json.dumps(call.body, separators=(",", ":"), ensure_ascii=False)
        request = client.build_request("POST", url, content=content)
        response = client.send(request, stream=True)
        state = StreamState()
        try:
            for sse in EventSource(response).iter_sse():
                event = loads(sse.data)
                text = _plain_text(event)
                if text is not None:
                    message = AIMessageChunk(
                        content=text,
                        response_metadata={"model_provider": MODEL_PROVIDER},
                        id=event.get("responseId"),
                    )
                    chunk = ChatGenerationChunk(message=message)
                else:
                    chunk = state.chunk(event)  # final event: usage = the totals
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        finally:
            response.close()


def _plain_text(event: dict[str, Any]) -> str | None:
    """Text of a non-final event whose parts are all plain visible text."""
    candidates = event.get("candidates")
    if not candidates or len(candidates) != 1:
        return None
    candidate = candidates[0]
    if len(candidate) > 3 or "finishReason" in candidate:
        return None
    parts = (candidate.get("content") or {}).get("parts") or ()
    texts = []
    for part in parts:
        if len(part) != 1 or "text" not in part:
            return None
        texts.append(part["text"])
    return "".join(texts) if texts else None


def _fast_result(body: dict[str, Any]) -> ChatResult:
    candidates = body.get("candidates") or ()
    if len(candidates) == 1:
        candidate = candidates[0]
        parts = (candidate.get("content") or {}).get("parts") or ()
        if parts and all(len(p) == 1 and "text" in p for p in parts):
            usage = body.get("usageMetadata") or {}
            counts = {
                f: int(usage.get(f) or 0)
                for f in (
                    "promptTokenCount",
                    "toolUsePromptTokenCount",
                    "candidatesTokenCount",
                    "thoughtsTokenCount",
                    "cachedContentTokenCount",
                    "totalTokenCount",
                )
            }
            reason = candidate.get("finishReason")
            message = AIMessage(
                content="".join(p["text"] for p in parts),
                response_metadata={
                    "model_provider": MODEL_PROVIDER,
                    "finish_reason": reason,
                    "model_name": body.get("modelVersion"),
                    "response_id": body.get("responseId"),
                },
                usage_metadata=usage_from_counts(counts),
                id=body.get("responseId"),
            )
            info = {"finish_reason": reason} if reason else None
            generation = ChatGeneration(message=message, generation_info=info)
            return ChatResult(generations=[generation])
    return result_from_response(body)


def main() -> None:
    proc, base = start_server()
    try:
        n = 1000
        raw = V.Raw(base)
        e = V.cometgemini(base, 1024, n)
        fast = FastE(model=V.model_name(1024, n), base_url=base, api_key=V.API_KEY)
        d = V.floor_model(1024, n)
        ref = e.invoke(V.PROMPT)
        got = fast.invoke(V.PROMPT)
        assert (ref.content, ref.usage_metadata) == (got.content, got.usage_metadata)
        merged_ref = _merge(V.model_calls(e), e)
        merged_fast = _merge(V.model_calls(fast), fast)
        assert merged_ref == merged_fast, (merged_ref, merged_fast)
        calls = {
            "A": raw.calls(1024, n).invoke,
            "D": V.model_calls(d).invoke,
            "E": V.model_calls(e).invoke,
            "FastE": V.model_calls(fast).invoke,
            "F": V.model_calls(V.minimal_model(base, 1024, n)).invoke,
        }
        inv = measure(calls, calls=1000, rounds=10, warmup=50)
        streams = {
            "B": raw.calls(1024, n).stream,
            "D": V.model_calls(d).stream,
            "E": V.model_calls(e).stream,
            "FastE": V.model_calls(fast).stream,
            "F": V.model_calls(V.minimal_model(base, 1024, n)).stream,
        }
        st = measure(streams, calls=12, rounds=4, warmup=1)
    finally:
        stop_server(proc)
    ic = {k: s.summary()["cpu_us"] for k, s in inv.items()}
    sc = {k: s.summary(per=n)["cpu_us"] for k, s in st.items()}
    print("invoke CPU us:", {k: round(v) for k, v in ic.items()})
    for who in ("E", "FastE"):
        print(f"  {who}/(A+D) = {ic[who] / (ic['A'] + ic['D']):.2f}", end="")
        print(f"  {who}/F = {ic[who] / ic['F']:.2f}")
    print("chunk CPU us:", {k: round(v, 1) for k, v in sc.items()})
    for who in ("E", "FastE"):
        print(f"  {who}/(B+D) = {sc[who] / (sc['B'] + sc['D']):.2f}", end="")
        print(f"  {who}/F = {sc[who] / sc['F']:.2f}")


def _merge(calls: V.Calls, model: Any) -> tuple[Any, Any]:
    merged = None
    for chunk in model.stream(V.PROMPT):
        merged = chunk if merged is None else merged + chunk
    assert merged is not None
    return merged.content, merged.usage_metadata


if __name__ == "__main__":
    main()
