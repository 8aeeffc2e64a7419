"""The key never gets out: echoes, odd keys, per-call keys, copies, base URLs.

A raw-socket server echoes the key back in every field of its error answers
(and cut in half by an excerpt); the tests look for the key, and for any
8-character piece of it, everywhere the caller or an operator could see it.
"""

from __future__ import annotations

import json
import logging
import pickle
import socket
from typing import Any

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.globals import set_llm_cache
from langchain_core.tracers.base import BaseTracer
from langchain_core.tracers.schemas import Run
from pydantic import SecretStr

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import CometGeminiError, MissingAPIKeyError
from tests.support import make_model

from .conftest import MODES, call
from .hostile import KEY, OK_BODY, Seen, head, hostile, reply


def pieces(text: str, key: str = KEY) -> list[str]:
    """The key and every 8-character piece of it found in ``text``."""
    return [key[i : i + 8] for i in range(len(key) - 7) if key[i : i + 8] in text]


def everything(error: BaseException) -> str:
    """All text an error carries, down its chain of causes and contexts."""
    parts = []
    seen: BaseException | None = error
    while seen is not None:
        parts += [str(seen), repr(seen), repr(getattr(seen, "__dict__", {}))]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


def model(base_url: str, **kwargs: Any) -> ChatCometGemini:
    return make_model(base_url, **{"api_key": KEY, "max_retries": 1, **kwargs})


def echo_everywhere(status: str) -> Any:
    def script(conn: socket.socket, seen: Seen) -> None:
        key = seen.headers.get("x-goog-api-key", "")
        body = json.dumps(
            {
                "error": {
                    "code": int(status.split()[0]),
                    "message": f"API key {key} is not valid: {key}",
                    "status": f"BAD_{key}",
                    "type": key,
                    "details": [{"reason": key, "metadata": {key: key}}],
                }
            }
        ).encode()
        extra = {"X-Echo": key, "X-Request-Id": f"req-{key}"}
        conn.sendall(head(status, extra=extra, length=len(body)) + body)

    return script


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", ["400 Bad Request", "503 Service Unavailable"])
def test_an_echoed_key_is_masked_everywhere_and_in_the_retry_log(
    mode: str, status: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with hostile(echo_everywhere(status)) as server:
        with pytest.raises(CometGeminiError) as info:
            call(model(server.base_url), mode)
        assert server.seen[0].headers["x-goog-api-key"] == KEY  # it was sent
    error = info.value
    assert error.status_code == int(status.split()[0])
    assert not pieces(everything(error))
    assert not pieces(json.dumps([error.status, error.details, error.headers]))
    assert not pieces(str(error.request_id))
    assert not pieces(caplog.text)
    if status.startswith("503"):
        assert "Retrying" in caplog.text  # the log line was written, masked


@pytest.mark.parametrize("mode", MODES)
def test_a_key_cut_by_the_excerpt_of_a_non_json_page_is_masked(mode: str) -> None:
    def script(conn: socket.socket, seen: Seen) -> None:
        key = seen.headers["x-goog-api-key"]
        page = ("<html>" + "x" * 180 + key + "</html>").encode()
        conn.sendall(head("502 Bad Gateway", "text/html", length=len(page)) + page)

    with hostile(script) as server:
        with pytest.raises(CometGeminiError) as info:
            call(model(server.base_url, max_retries=0), mode)
    assert not pieces(everything(info.value))


@pytest.mark.parametrize("raw", [KEY + "\n", f"  {KEY}\t", f"\n{KEY}\r\n"])
def test_surrounding_whitespace_is_stripped(raw: str) -> None:
    with hostile(reply(json.dumps(OK_BODY).encode())) as server:
        assert model(server.base_url, api_key=raw).invoke("hi").content
        assert server.seen[0].headers["x-goog-api-key"] == KEY


@pytest.mark.parametrize("raw", [f"{KEY[:10]}\n{KEY[10:]}", f"{KEY[:5]} x", "é" + KEY])
def test_a_key_no_header_can_carry_is_refused_without_repeating_it(
    raw: str,
) -> None:
    with pytest.raises(ValueError) as info:
        ChatCometGemini(api_key=raw, base_url="http://127.0.0.1:9")
    assert not pieces(everything(info.value), raw.strip())


@pytest.mark.parametrize("bad", [None, "", "   "])
def test_a_per_call_key_is_checked_like_the_constructor(bad: str | None) -> None:
    with hostile(reply(json.dumps(OK_BODY).encode())) as server:
        llm = model(server.base_url)
        with pytest.raises(MissingAPIKeyError):
            llm.invoke("hi", api_key=bad)
        assert server.requests == 0


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.payloads: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
        self.payloads.append(repr((serialized, messages, kw)))

    def on_llm_end(self, response: Any, **kw: Any) -> None:
        self.payloads.append(repr((response, kw)))


class Tracer(BaseTracer):
    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        self.runs.append(run)

    def _end_trace(self, run: Run) -> None:
        self.runs.append(run)
        super()._end_trace(run)


def test_per_call_and_bound_keys_stay_out_of_callbacks_traces_caches() -> None:
    call_key = "AIzaSy-per-call-key-9876543210-zyxw"
    with hostile(reply(json.dumps(OK_BODY).encode())) as server:
        llm = model(server.base_url, api_key="AIzaSy-constructor-key-000000000")
        recorder, tracer = Recorder(), Tracer()
        cache = InMemoryCache()
        set_llm_cache(cache)
        try:
            config: Any = {"callbacks": [recorder, tracer]}
            llm.invoke("hi", config=config, api_key=call_key)
            bound = llm.bind(api_key=call_key)
            bound.invoke("bound", config=config)
        finally:
            set_llm_cache(None)
        assert [s.headers["x-goog-api-key"] for s in server.seen] == [call_key] * 2
    seen = "\n".join(recorder.payloads) + repr(bound) + str(bound)
    seen += "\n".join(repr(run.model_dump()) for run in tracer.runs)
    seen += repr(cache._cache)  # the cache keys (llm strings)
    assert tracer.runs and recorder.payloads and cache._cache
    assert not pieces(seen, call_key)


def test_a_copy_of_a_used_model_sends_its_own_key_to_its_own_url() -> None:
    body = json.dumps(OK_BODY).encode()
    with hostile(reply(body)) as a, hostile(reply(body)) as b:
        tenant_a = model(a.base_url)
        assert tenant_a.invoke("hi").content
        tenant_b = tenant_a.model_copy(
            update={
                "api_key": "AIzaSy-tenant-b-key-55555555",  # a plain str works
                "base_url": b.base_url,
                "default_headers": {"x-tenant": "b"},
            }
        )
        assert tenant_b.invoke("hi").content
        assert tenant_a.invoke("again").content
        assert [s.headers["x-goog-api-key"] for s in a.seen] == [KEY, KEY]
        assert b.requests == 1
        assert b.seen[0].headers["x-goog-api-key"] == "AIzaSy-tenant-b-key-55555555"
        assert b.seen[0].headers["x-tenant"] == "b"
    assert isinstance(tenant_b.api_key, SecretStr)
    assert "tenant-b" not in repr(tenant_b)


def test_pickled_model_keeps_the_key_secret() -> None:
    llm = model("http://127.0.0.1:9")
    assert not pieces(repr(llm) + str(llm))
    copy = pickle.loads(pickle.dumps(llm))
    assert copy.api_key is not None
    assert copy.api_key.get_secret_value() == KEY
    assert not pieces(repr(copy))


@pytest.mark.parametrize(
    "bad",
    [
        "https://api.example.com/?x=1",
        "https://api.example.com/#frag",
        "https://api.example.com/\r\nX-Injected: 1",
        "https://api.example.com /v1",
        "ftp://api.example.com",
    ],
)
def test_a_base_url_that_would_mislead_is_refused_at_construction(bad: str) -> None:
    with pytest.raises(ValueError):
        ChatCometGemini(api_key=KEY, base_url=bad)


@pytest.mark.parametrize("mode", MODES)
def test_userinfo_in_base_url_stays_out_of_errors_and_logs(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    def refuse(conn: socket.socket, seen: Seen) -> None:
        body = b'{"error": {"code": 500, "message": "boom", "status": "INTERNAL"}}'
        conn.sendall(head("500 Internal Server Error", length=len(body)) + body)

    with hostile(refuse) as server:
        url = server.base_url.replace("http://", "http://someuser:s3cretpass@")
        with pytest.raises(CometGeminiError) as info:
            call(model(url, max_retries=1), mode)
        assert server.seen[0].headers["authorization"].startswith("Basic ")
    assert "s3cretpass" not in everything(info.value)
    assert "s3cretpass" not in caplog.text


def test_the_plain_http_warning_hides_userinfo() -> None:
    with pytest.warns(UserWarning, match="plain http") as caught:
        ChatCometGemini(api_key=KEY, base_url="http://bob:hunter2pass@api.example.com")
    assert all("hunter2pass" not in str(w.message) for w in caught)
