"""The socket hooks on built clients: installed, and loud when they cannot be."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from langchain_cometgemini._http.client import GeminiHTTP, RetryPolicy
from langchain_cometgemini._http.sockets import (
    Arrival,
    _AsyncBackend,
    _SyncBackend,
    install_socket_hooks,
)


def engine() -> GeminiHTTP:
    return GeminiHTTP(
        base_url="http://127.0.0.1:9",
        api_version="v1beta",
        headers={"x-goog-api-key": "k" * 12},
        timeout=1,
        retry=RetryPolicy(),
    )


def test_a_built_sync_client_has_hooked_sockets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    client = engine().client
    pools = [client._transport._pool] + [t._pool for t in client._mounts.values() if t]
    assert len(pools) == 2
    assert all(isinstance(p._network_backend, _SyncBackend) for p in pools)


def test_a_built_async_client_has_hooked_sockets() -> None:
    async def backend() -> object:
        http = engine()
        try:
            return http.async_client._transport._pool._network_backend
        finally:
            await http.aclose()

    assert isinstance(asyncio.run(backend()), _AsyncBackend)


def test_a_transport_without_a_pool_warns() -> None:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200))
    with pytest.warns(RuntimeWarning, match="could not hook the sockets"):
        assert not install_socket_hooks(transport)


@pytest.mark.parametrize(
    ("head", "maybe"),
    [
        (b"", False),
        (b"H", True),
        (b"HTTP/1.1 2", True),
        (b"HTTP/1.1 200 OK", True),
        (b"HTTP/1.1 503", False),
        (b"garbage!!!!", True),
    ],
)
def test_which_beginnings_may_be_a_success(head: bytes, maybe: bool) -> None:
    arrival = Arrival()
    arrival.head = head
    assert arrival.maybe_success() is maybe
