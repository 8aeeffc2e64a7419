"""How requests leave the clients the package built (httpx2, ``Client.send``).

Everything ``Client.send`` documents must happen: cookies kept and sent back,
timeouts applied, the environment's proxy honoured, connections reused, the
request log line written (to httpx2's logger) without the key.
"""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from langchain_core.exceptions import ModelConnectionError

from langchain_cometgemini.testing import GeminiEmulator, Reply

from .conftest import MODES, call, make_llm

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def no_env_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.usefixtures("no_env_proxies")
def test_clients_built_here_are_httpx2_clients(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)
    assert llm.invoke("one").content
    assert type(llm._engine().client).__module__.startswith("httpx2")

    async def in_loop() -> str:
        try:
            assert (await llm.ainvoke("two")).content
            return type(llm._engine().async_client).__module__
        finally:
            await llm.aclose()

    assert asyncio.run(in_loop()).startswith("httpx2")
    assert len(emu.requests) == 2


@pytest.mark.usefixtures("no_env_proxies")
@pytest.mark.parametrize("mode", MODES)
def test_set_cookie_is_kept_and_sent_back(emu: GeminiEmulator, mode: str) -> None:
    llm = make_llm(emu)
    cookie = Reply.text("first answer")
    cookie.headers["Set-Cookie"] = "affinity=a1; Path=/"
    emu.enqueue(cookie, Reply.text("second answer"))

    async def both() -> list[str]:
        try:
            return [str((await llm.ainvoke(p)).content) for p in ("one", "two")]
        finally:
            await llm.aclose()

    if mode.startswith("a"):
        answers = asyncio.run(both())
    else:
        answers = [str(call(llm, mode, p).content) for p in ("one", "two")]
    assert answers == ["first answer", "second answer"]
    first, second = emu.requests
    assert "cookie" not in first.headers
    assert second.headers["cookie"] == "affinity=a1"


@pytest.mark.usefixtures("no_env_proxies")
@pytest.mark.parametrize("mode", MODES)
def test_the_environment_proxy_is_honoured(
    emu: GeminiEmulator, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{_closed_port()}")
    llm = make_llm(emu, max_retries=0)
    with pytest.raises(ModelConnectionError):
        call(llm, mode)
    assert emu.requests == []  # it went to the (dead) proxy, not the server


@pytest.mark.usefixtures("no_env_proxies")
def test_no_proxy_for_the_server_still_reaches_it(
    emu: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    llm = make_llm(emu, max_retries=0)
    assert llm.invoke("hi").content
    assert [str(c) for c in llm.stream("hi")]
    assert len(emu.requests) == 2


@pytest.mark.usefixtures("no_env_proxies")
@pytest.mark.parametrize("mode", MODES)
def test_slow_answer_times_out(emu: GeminiEmulator, mode: str) -> None:
    from langchain_core.exceptions import ModelTimeoutError

    emu.enqueue(Reply(body=None, delay=1.0))
    llm = make_llm(emu, timeout=0.2, max_retries=0)
    with pytest.raises(ModelTimeoutError):
        call(llm, mode)


@pytest.mark.usefixtures("no_env_proxies")
def test_one_connection_serves_every_sync_call_of_a_model(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)
    for _ in range(3):
        assert llm.invoke("hi").content
        assert "".join(str(c.content) for c in llm.stream("hi"))
    assert len(emu.requests) == 6
    assert emu.connections_opened == 1


@pytest.mark.usefixtures("no_env_proxies")
def test_one_connection_serves_every_async_call_in_a_loop(emu: GeminiEmulator) -> None:
    llm = make_llm(emu)

    async def calls() -> None:
        try:
            for _ in range(3):
                assert (await llm.ainvoke("hi")).content
                assert [c async for c in llm.astream("hi")]
        finally:
            await llm.aclose()

    asyncio.run(calls())
    assert len(emu.requests) == 6
    assert emu.connections_opened == 1


@pytest.mark.usefixtures("no_env_proxies")
@pytest.mark.parametrize("mode", MODES)
def test_httpx_request_log_line_is_still_written(
    emu: GeminiEmulator, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx2")
    assert call(make_llm(emu), mode).content
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx2"]
    assert len(lines) == 1
    assert lines[0].startswith("HTTP Request: POST http://127.0.0.1:")
    assert lines[0].endswith('"HTTP/1.1 200 OK"')
    assert emu.api_key is not None and emu.api_key not in lines[0]
