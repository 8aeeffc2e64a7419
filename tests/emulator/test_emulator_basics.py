from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from langchain_cometgemini.testing import GeminiEmulator, RecordedRequest

from .conftest import FLASH, PRO3, body, sse_events, sse_url, url, user


def test_base_url_and_lifecycle() -> None:
    emu = GeminiEmulator(api_key="k")
    emu.start()
    assert emu.base_url.startswith("http://127.0.0.1:")
    assert not emu.base_url.endswith("/")
    assert emu.api_key == "k"
    emu.stop()
    emu.stop()  # twice is fine
    with pytest.raises(RuntimeError):
        _ = emu.base_url


def test_stop_closes_the_port() -> None:
    with GeminiEmulator() as emu:
        base = emu.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.post(base + url(), json=body(), timeout=1)


@pytest.mark.parametrize(
    "headers",
    [{"x-goog-api-key": "test-key"}, {"Authorization": "Bearer test-key"}],
)
def test_auth_accepted(emu: GeminiEmulator, headers: dict[str, str]) -> None:
    r = httpx.post(emu.base_url + url(), json=body(), headers=headers)
    assert r.status_code == 200


def test_missing_key_is_403(emu: GeminiEmulator) -> None:
    r = httpx.post(emu.base_url + url(), json=body())
    assert r.status_code == 403
    error = r.json()["error"]
    assert error["code"] == 403
    assert error["status"] == "PERMISSION_DENIED"
    assert error["message"].startswith("Method doesn't allow unregistered callers")


def test_query_key_counts_as_no_key(emu: GeminiEmulator) -> None:
    r = httpx.post(emu.base_url + url() + "?key=test-key", json=body())
    assert r.status_code == 403
    assert emu.last_request.query == {"key": "test-key"}


@pytest.mark.parametrize(
    "headers", [{"x-goog-api-key": "nope"}, {"Authorization": "Bearer nope"}]
)
def test_wrong_key_is_400(emu: GeminiEmulator, headers: dict[str, str]) -> None:
    r = httpx.post(emu.base_url + url(), json=body(), headers=headers)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["message"] == "API key not valid. Please pass a valid API key."
    assert error["details"][0]["reason"] == "API_KEY_INVALID"


def test_auth_disabled() -> None:
    with GeminiEmulator(api_key=None) as emu:
        r = httpx.post(emu.base_url + url(), json=body())
        assert r.status_code == 200


def test_requests_are_recorded(emu: GeminiEmulator, client: httpx.Client) -> None:
    with pytest.raises(LookupError):
        _ = emu.last_request
    payload = {
        "contents": [user("first"), {"role": "model", "parts": [{"text": "x"}]}]
        + [{"role": "user", "parts": [{"text": "a "}, {"text": "b"}]}],
        "systemInstruction": {"parts": [{"text": "be nice"}]},
        "generation_config": {"temperature": 0.5},
    }
    client.post(url(), json=payload, headers={"x-trace": "1"})
    httpx.post(emu.base_url + url(), json=body())  # rejected, still recorded
    assert len(emu.requests) == 2
    rec = emu.requests[0]
    assert isinstance(rec, RecordedRequest)
    assert (rec.method, rec.path, rec.model, rec.action) == (
        "POST",
        url(),
        FLASH,
        "generateContent",
    )
    assert rec.stream is False
    assert rec.headers["x-trace"] == "1"
    assert rec.body == payload
    assert rec.raw.startswith(b"{")
    assert rec.text == "a b"
    assert rec.system_text == "be nice"
    assert rec.generation_config == {"temperature": 0.5}
    emu.clear()
    assert emu.requests == []


def test_default_echo(client: httpx.Client) -> None:
    r = client.post(url(), json=body("hello there"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    data = r.json()
    candidate = data["candidates"][0]
    assert candidate["content"] == {
        "parts": [{"text": "Echo: hello there"}],
        "role": "model",
    }
    assert candidate["finishReason"] == "STOP"
    usage = data["usageMetadata"]
    assert usage["promptTokenCount"] == 2
    assert usage["candidatesTokenCount"] == 3
    assert usage["totalTokenCount"] == 5
    assert data["modelVersion"] == FLASH
    other = client.post(url(), json=body("hello there")).json()
    assert other["responseId"] != data["responseId"]


def test_no_user_text_answers_ok(client: httpx.Client) -> None:
    payload = {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}
                ],
            }
        ]
    }
    data = client.post(url(), json=payload).json()
    assert data["candidates"][0]["content"]["parts"] == [{"text": "OK"}]
    assert data["usageMetadata"]["promptTokenCount"] == 258


def test_sse_framing(client: httpx.Client) -> None:
    r = client.post(sse_url(), json=body("one two three four five"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/event-stream"
    assert "[DONE]" not in r.text and "event:" not in r.text
    events = sse_events(r.text)
    assert len(events) == 3
    text = "".join(e["candidates"][0]["content"]["parts"][0]["text"] for e in events)
    assert text == "Echo: one two three four five"
    counts = [e["usageMetadata"]["candidatesTokenCount"] for e in events]
    assert counts == sorted(counts) and counts[-1] == 6
    assert all(e["usageMetadata"]["promptTokenCount"] == 5 for e in events)
    reasons = [e["candidates"][0].get("finishReason") for e in events]
    assert reasons == [None, None, "STOP"]
    assert {e["responseId"] for e in events} == {events[0]["responseId"]}
    assert all(e["modelVersion"] == FLASH for e in events)


def test_sse_recorded_as_stream(emu: GeminiEmulator, client: httpx.Client) -> None:
    client.post(sse_url(), json=body())
    assert emu.last_request.stream is True
    assert emu.last_request.action == "streamGenerateContent"
    assert emu.last_request.query == {"alt": "sse"}


def test_gemini3_stream_ends_with_signature_event(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    events = sse_events(client.post(sse_url(PRO3), json=body("a b c d")).text)
    last = events[-1]["candidates"][0]
    part = last["content"]["parts"][0]
    assert part["text"] == ""
    assert part["thoughtSignature"] in emu.issued_signatures
    assert last["finishReason"] == "STOP"
    assert all("finishReason" not in e["candidates"][0] for e in events[:-1])


def test_gemini3_nonstream_signs_text(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    parts = client.post(url(PRO3), json=body()).json()["candidates"][0]["content"]
    assert parts["parts"][-1]["thoughtSignature"] in emu.issued_signatures


def test_stream_without_alt_is_json_array(client: httpx.Client) -> None:
    r = client.post(url(FLASH, "streamGenerateContent"), json=body("x y z w"))
    assert r.status_code == 200
    chunks = r.json()
    assert isinstance(chunks, list) and len(chunks) == 3
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"


@pytest.mark.parametrize(
    "payload",
    [
        {"contents": [user("one two three")]},
        {"generateContentRequest": {"model": "models/x", "contents": [user("a b c")]}},
    ],
)
def test_count_tokens(client: httpx.Client, payload: dict[str, object]) -> None:
    r = client.post(url(FLASH, "countTokens"), json=payload)
    assert r.status_code == 200
    assert r.json()["totalTokens"] == 3


def test_any_v1_version_and_unknown_paths(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    assert (
        client.post(f"/v1/models/{FLASH}:generateContent", json=body()).status_code
        == 200
    )
    r = client.post("/v2/models/x:generateContent", json=body())
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"
    r = client.post(url(FLASH, "embedStuff"), json=body())
    assert r.status_code == 404 and r.json()["error"]["code"] == 404


def test_get_on_api_path_is_405(client: httpx.Client) -> None:
    r = client.get(url())
    assert r.status_code == 405
    assert r.json()["error"]["code"] == 405


def test_serve_file(emu: GeminiEmulator) -> None:
    link = emu.serve_file("/media/cat.png", b"\x89PNG", "image/png")
    assert link == emu.base_url + "/media/cat.png"
    r = httpx.get(link)
    assert r.content == b"\x89PNG"
    assert r.headers["content-type"] == "image/png"
    assert emu.last_request.method == "GET"
    assert emu.last_request.action is None


def test_keep_alive_reuses_connection(client: httpx.Client) -> None:
    for _ in range(3):
        assert client.post(url(), json=body()).status_code == 200
    assert client.post(sse_url(), json=body()).status_code == 200
    assert client.post(url(), json=body()).status_code == 200


def test_module_main_prints_base_url() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "langchain_cometgemini.testing", "--no-auth"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        r = httpx.post(base + url(), json=body("hi"), timeout=5)
        assert r.json()["candidates"][0]["content"]["parts"][0]["text"] == "Echo: hi"
    finally:
        proc.terminate()
        proc.wait(timeout=5)


async def test_async_client(emu: GeminiEmulator) -> None:
    headers = {"x-goog-api-key": "test-key"}
    async with httpx.AsyncClient(base_url=emu.base_url, headers=headers) as c:
        async with c.stream("POST", sse_url(), json=body("a b c")) as r:
            lines = [line async for line in r.aiter_lines() if line]
    assert len(lines) == 3 and all(line.startswith("data: ") for line in lines)
