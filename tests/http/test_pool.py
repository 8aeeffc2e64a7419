"""The pooled-connection guard: installed where it can be, loud where it cannot."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from langchain_cometgemini._http.pool import _hook, close_if_leftover


def response_over(stream: Any, **extensions: Any) -> httpx2.Response:
    response = httpx2.Response(200, stream=stream, extensions=extensions)
    return response


class Opaque(httpx2.SyncByteStream):
    """A transport stream with no httpcore connection beneath it."""


def test_a_built_client_without_a_connection_to_guard_warns() -> None:
    with pytest.warns(RuntimeWarning, match="could not guard a pooled connection"):
        assert not close_if_leftover(response_over(Opaque()), built_here=True)


def test_a_users_custom_transport_is_left_alone_silently(
    recwarn: pytest.WarningsRecorder,
) -> None:
    assert not close_if_leftover(response_over(Opaque()), built_here=False)
    assert not recwarn.list


def test_http2_is_not_hooked(recwarn: pytest.WarningsRecorder) -> None:
    response = response_over(Opaque(), http_version=b"HTTP/2")
    assert not close_if_leftover(response, built_here=True)
    assert not recwarn.list


class FakeConnection:
    """Stands in for httpcore2's HTTP/1.1 connection (what the guard touches)."""

    class _State:
        trailing_data = (b"", False)

    def __init__(self) -> None:
        self._h11_state = self._State()
        self.calls: list[str] = []

    def _response_closed(self) -> None:
        self.calls.append("class step")

    def close(self) -> None:
        self.calls.append("closed")


def test_the_guard_calls_the_connections_own_step_or_closes_it() -> None:
    connection = FakeConnection()
    _hook(connection)
    connection._response_closed()
    connection._h11_state = type("S", (), {"trailing_data": (b"stale", False)})()
    connection._response_closed()
    assert connection.calls == ["class step", "closed"]


def test_a_step_someone_else_set_on_the_instance_is_kept() -> None:
    connection = FakeConnection()
    seen: list[str] = []
    connection._response_closed = lambda: seen.append("instance step")  # type: ignore[method-assign]
    _hook(connection)
    connection._response_closed()
    assert seen == ["instance step"] and connection.calls == []
