"""The pooled-connection guard: installed where it can be, loud where it cannot."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from langchain_cometgemini._http.pool import _h11_connection, _hook, close_if_leftover


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


class Wrapper:
    """A response stream over another one (as httpx2 and httpcore2 nest them)."""

    def __init__(self, **links: Any) -> None:
        self.__dict__.update(links)


class Leaf:
    def __init__(self, connection: Any) -> None:
        self._connection = connection


def test_the_way_to_the_connection_is_learnt_and_searched_again_when_it_changes() -> (
    None
):
    first, second = FakeConnection(), FakeConnection()
    top = Wrapper(_stream=Wrapper(_httpcore_stream=Leaf(first)))
    assert _h11_connection(top) is first
    again = Wrapper(_stream=Wrapper(_httpcore_stream=Leaf(second)))
    assert _h11_connection(again) is second  # the learnt way, followed
    moved = Wrapper(_stream=Leaf(second))  # same kind, another way down
    assert _h11_connection(moved) is second
    assert _h11_connection(Wrapper(_stream=Leaf(None))) is None
