"""What the README says of HTTP mocking libraries, tried with respx.

respx (like pytest-httpx) patches ``httpx``. The clients the package builds are
``httpx2`` clients, so such a mock never sees their traffic: the request goes
out to the real server. Passing your own ``httpx`` client makes the mock work;
the emulator works without any mock.
"""

from __future__ import annotations

import httpx
import pytest
import respx

from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.support import make_model

MOCKED = {
    "candidates": [
        {"content": {"role": "model", "parts": [{"text": "mocked"}]}, "index": 0}
    ]
}


def test_a_respx_mock_does_not_see_the_packages_own_clients(
    emu: GeminiEmulator,
) -> None:
    emu.enqueue(Reply.text("from the server"))
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(url__regex=r".*:generateContent$")
        route.return_value = httpx.Response(200, json=MOCKED)
        answer = make_model(emu).invoke("hi")
    assert answer.content == "from the server"
    assert not route.called
    assert len(emu.requests) == 1


def test_a_respx_mock_sees_a_passed_httpx_client(emu: GeminiEmulator) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=r".*:generateContent$")
        route.return_value = httpx.Response(200, json=MOCKED)
        with httpx.Client() as client:
            answer = make_model(emu, http_client=client).invoke("hi")
    assert answer.content == "mocked"
    assert route.call_count == 1
    assert emu.requests == []


@pytest.mark.asyncio
async def test_a_respx_mock_sees_a_passed_httpx_async_client(
    emu: GeminiEmulator,
) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=r".*:generateContent$")
        route.return_value = httpx.Response(200, json=MOCKED)
        async with httpx.AsyncClient() as client:
            answer = await make_model(emu, http_async_client=client).ainvoke("hi")
    assert answer.content == "mocked"
    assert route.call_count == 1
    assert emu.requests == []
