from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from langchain_cometgemini.testing import (
    GeminiEmulator,
    RecordedRequest,
    Reply,
    ResponderError,
)

from .conftest import FLASH, body, sse_events, sse_url, url


def texts(data: dict[str, Any]) -> str:
    return "".join(p.get("text", "") for p in data["candidates"][0]["content"]["parts"])


def wait_for(predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_enqueue_is_fifo_then_default(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    emu.enqueue(Reply.text("first"), Reply.text("second"))
    assert texts(client.post(url(), json=body()).json()) == "first"
    assert texts(client.post(url(), json=body()).json()) == "second"
    assert texts(client.post(url(), json=body("x")).json()) == "Echo: x"


def test_clear_drops_queue(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.text("queued"))
    emu.clear()
    assert texts(client.post(url(), json=body("x")).json()) == "Echo: x"


def test_rejected_request_does_not_consume_queue(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    emu.enqueue(Reply.text("kept"))
    assert httpx.post(emu.base_url + url(), json=body()).status_code == 403
    assert texts(client.post(url(), json=body()).json()) == "kept"


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ("plain", "plain"),
        (Reply.text("obj"), "obj"),
        (
            {
                "candidates": [
                    {"content": {"parts": [{"text": "dict"}], "role": "model"}}
                ]
            },
            "dict",
        ),
    ],
)
def test_responder(
    emu: GeminiEmulator, client: httpx.Client, result: Any, expected: str
) -> None:
    seen: list[RecordedRequest] = []

    def responder(request: RecordedRequest) -> Any:
        seen.append(request)
        return result

    emu.responder = responder
    assert texts(client.post(url(), json=body("q")).json()) == expected
    assert seen[0].text == "q"
    events = sse_events(client.post(sse_url(), json=body("q")).text)
    assert "".join(texts(e) for e in events) == expected


def test_responder_exception_is_kept_not_a_500(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    """A raising responder is the test's bug: kept, answered with a 400."""

    def divide_by_zero(request: RecordedRequest) -> Reply:
        return Reply.text(str(1 / 0))

    emu.responder = divide_by_zero
    r = client.post(url(), json=body())
    assert r.status_code == 400 and "ZeroDivisionError" in r.json()["error"]["message"]
    with pytest.raises(ResponderError, match="ZeroDivisionError"):
        emu.check()


def test_error_with_retry_after(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.error(503, "overloaded", retry_after="2"))
    r = client.post(url(), json=body())
    assert r.status_code == 503
    assert r.headers["retry-after"] == "2"
    assert r.json() == {
        "error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}
    }


def test_rate_limited_retry_info(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.rate_limited("17s", retry_after="3"))
    r = client.post(sse_url(), json=body())
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    retry = [d for d in error["details"] if d["@type"].endswith("RetryInfo")]
    assert retry == [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}
    ]
    assert r.headers["retry-after"] == "3"


def test_comet_error_shape(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.comet_error(401, "invalid token", "invalid_api_key"))
    r = client.post(url(), json=body())
    assert r.status_code == 401
    error = r.json()["error"]
    assert error["type"] == "comet_api_error" and error["code"] == "invalid_api_key"
    assert error["message"].startswith("invalid token (request id: ")


def test_delay_triggers_client_timeout(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    emu.enqueue(Reply(delay=1.0))
    with pytest.raises(httpx.ReadTimeout):
        client.post(url(), json=body(), timeout=0.2)
    assert wait_for(lambda: emu.disconnects == 1)


def test_drop_before_response(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.drop())
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(url(), json=body())
    assert client.post(url(), json=body()).status_code == 200


def test_reset_before_response_is_a_tcp_reset(emu: GeminiEmulator) -> None:
    import socket

    emu.enqueue(Reply.connection_reset())
    host, port = emu.base_url.removeprefix("http://").split(":")
    payload = json.dumps(body()).encode()
    head = (
        f"POST /v1beta/models/{FLASH}:generateContent HTTP/1.1\r\n"
        f"Host: {host}\r\nx-goog-api-key: {emu.api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head.encode() + payload)
        with pytest.raises(ConnectionResetError):
            while sock.recv(4096):  # a clean close would end with b"", no error
                pass
    assert len(emu.requests) == 1


def test_reset_mid_stream(emu: GeminiEmulator, client: httpx.Client) -> None:
    reply = Reply.text("a b c d e f", n_chunks=3)
    reply.drop_after, reply.reset = 1, True
    emu.enqueue(reply)
    received = []
    with pytest.raises(httpx.ReadError, match="reset"):
        with client.stream("POST", sse_url(), json=body()) as r:
            for line in r.iter_lines():
                if line:
                    received.append(line)
    assert len(received) == 1 and received[0].startswith("data: ")
    assert client.post(url(), json=body()).status_code == 200


def test_drop_mid_stream(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(
        Reply(**{**vars(Reply.text("a b c d e f", n_chunks=3)), "drop_after": 1})
    )
    received = []
    with pytest.raises(httpx.RemoteProtocolError):
        with client.stream("POST", sse_url(), json=body()) as r:
            for line in r.iter_lines():
                if line:
                    received.append(line)
    assert len(received) == 1 and received[0].startswith("data: ")


def test_error_event_after_chunks(emu: GeminiEmulator, client: httpx.Client) -> None:
    error = {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}
    emu.enqueue(Reply(chunks=Reply.text("a b").chunks, error_event=error))
    r = client.post(sse_url(), json=body())
    assert r.status_code == 200
    events = sse_events(r.text)
    assert events[-1] == {"error": error}
    assert texts(events[0]) == "a"


def test_raw_events_verbatim(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply(raw_events=['{"candidates": [', "{}"]))
    r = client.post(sse_url(), json=body())
    assert r.text == 'data: {"candidates": [\r\n\r\ndata: {}\r\n\r\n'


def test_raw_malformed_json(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply(raw=b'{"candidates": [oops'))
    r = client.post(url(), json=body())
    assert r.status_code == 200 and r.content == b'{"candidates": [oops'
    assert r.headers["content-type"].startswith("application/json")


def test_html_page(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.html(502, "<html><body>Bad Gateway</body></html>"))
    r = client.post(sse_url(), json=body())
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("text/html")
    assert "Bad Gateway" in r.text


def test_redirect(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.redirect("https://example.com/login"))
    r = client.post(url(), json=body())
    assert r.status_code == 301 and r.headers["location"] == "https://example.com/login"


def test_event_delay_stall_and_disconnect(emu: GeminiEmulator) -> None:
    emu.enqueue(Reply(**{**vars(Reply.text("a b c", n_chunks=3)), "event_delay": 0.6}))
    headers = {"x-goog-api-key": "test-key"}
    with httpx.Client(base_url=emu.base_url, headers=headers) as c:
        with pytest.raises(httpx.ReadTimeout):
            with c.stream("POST", sse_url(), json=body(), timeout=0.3) as r:
                for _ in r.iter_lines():
                    pass
    assert wait_for(lambda: emu.disconnects == 1)


def test_client_closing_mid_stream_is_counted(emu: GeminiEmulator) -> None:
    emu.enqueue(
        Reply(**{**vars(Reply.text("a b c d", n_chunks=4)), "event_delay": 0.2})
    )
    headers = {"x-goog-api-key": "test-key"}
    with httpx.Client(base_url=emu.base_url, headers=headers) as c:
        with c.stream("POST", sse_url(), json=body()) as r:
            next(r.iter_lines())
    assert wait_for(lambda: emu.disconnects == 1)
    assert emu.disconnects == 1


def test_nonstream_request_merges_chunks(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    chunks: list[dict[str, Any]] = [
        {
            "candidates": [
                {
                    "content": {
                        "parts": [{"text": "think", "thought": True}],
                        "role": "model",
                    }
                }
            ]
        },
        {"candidates": [{"content": {"parts": [{"text": "Hel"}], "role": "model"}}]},
        {
            "candidates": [
                {
                    "content": {
                        "parts": [
                            {"text": "lo"},
                            {"functionCall": {"name": "f", "args": {}}},
                        ],
                        "role": "model",
                    }
                }
            ]
        },
        {
            "candidates": [
                {
                    "content": {"parts": [{"text": "!"}], "role": "model"},
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {"promptTokenCount": 1, "totalTokenCount": 4},
        },
    ]
    emu.enqueue(Reply(chunks=chunks))
    data = client.post(url(), json=body()).json()
    assert data["candidates"][0]["content"]["parts"] == [
        {"text": "think", "thought": True},
        {"text": "Hello"},
        {"functionCall": {"name": "f", "args": {}}},
        {"text": "!"},
    ]
    assert data["candidates"][0]["finishReason"] == "STOP"
    assert data["usageMetadata"]["totalTokenCount"] == 4
    assert data["modelVersion"] == FLASH


def test_concurrent_requests(emu: GeminiEmulator) -> None:
    headers = {"x-goog-api-key": "test-key"}
    limits = httpx.Limits(max_connections=64)
    with httpx.Client(base_url=emu.base_url, headers=headers, limits=limits) as c:

        def call(i: int) -> str:
            return texts(c.post(url(), json=body(f"n{i}")).json())

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            results = list(pool.map(call, range(300)))
    assert results == [f"Echo: n{i}" for i in range(300)]
    assert len(emu.requests) == 300


async def test_many_async_streams(emu: GeminiEmulator) -> None:
    headers = {"x-goog-api-key": "test-key"}
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(
        base_url=emu.base_url, headers=headers, limits=limits
    ) as c:

        async def call(i: int) -> int:
            r = await c.post(sse_url(), json=body(f"n{i}"))
            return len(sse_events(r.text))

        counts = await asyncio.gather(*(call(i) for i in range(50)))
    assert set(counts) == {2}


def test_nonstream_drop_after_truncates_body(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    emu.enqueue(Reply(**{**vars(Reply.text("a b c")), "drop_after": 1}))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(url(), json=body())


def test_function_calls_accept_dicts(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(
        Reply.function_calls([{"name": "a", "args": {"x": 1}, "id": "1"}, ("b", {})])
    )
    parts = client.post(url(), json=body()).json()["candidates"][0]["content"]["parts"]
    assert [p["functionCall"] for p in parts] == [
        {"name": "a", "args": {"x": 1}, "id": "1"},
        {"name": "b", "args": {}},
    ]


def test_stop_closes_idle_keep_alive_connections() -> None:
    emu = GeminiEmulator().start()
    with httpx.Client(
        base_url=emu.base_url, headers={"x-goog-api-key": "test-key"}
    ) as c:
        assert c.post(url(), json=body()).status_code == 200
        emu.stop()
        with pytest.raises(httpx.TransportError):
            c.post(url(), json=body())


async def test_thousand_concurrent_connections(emu: GeminiEmulator) -> None:
    port = int(emu.base_url.rsplit(":", 1)[1])
    payload = json.dumps(body("hi")).encode()
    request = (
        f"POST {url()} HTTP/1.1\r\nHost: x\r\nx-goog-api-key: test-key\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + payload

    async def one() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        data = await reader.read()
        writer.close()
        return data

    results = await asyncio.gather(*(one() for _ in range(1000)))
    assert all(r.startswith(b"HTTP/1.1 200") and b"Echo: hi" in r for r in results)
    assert len(emu.requests) == 1000
