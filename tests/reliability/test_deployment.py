"""Deployment environments on real sockets: TLS, proxies from the environment.

A local TLS server with a throwaway CA (``trustme``), a forward proxy and a
CONNECT proxy set through the environment, a dead proxy, a SOCKS proxy
without its optional package, and a server that reads an upload slowly.
"""

from __future__ import annotations

import json
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import (
    APIConnectionError,
    ConnectTimeoutError,
    RequestTimeoutError,
)
from tests.support import make_model

from .conftest import MODES, call
from .hostile import KEY, OK_BODY, Seen, event, head, hostile, sse

trustme = pytest.importorskip("trustme")
pytestmark = pytest.mark.filterwarnings("ignore:base_url .* uses plain http")

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def model(base_url: str, **kwargs: Any) -> ChatCometGemini:
    return make_model(base_url, **{"api_key": KEY, "max_retries": 2, **kwargs})


def answer(conn: socket.socket, seen: Seen) -> None:
    """A complete answer for a unary or a stream request, then close."""
    if b"alt=sse" in seen.head:
        body = sse(event("Hello there", finish=True))
        conn.sendall(head(content_type="text/event-stream", length=len(body)) + body)
    else:
        body = json.dumps(OK_BODY).encode()
        conn.sendall(head(length=len(body)) + body)


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


@pytest.fixture
def server_tls(ca: Any) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def ca_file(ca: Any, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


# -- TLS ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_ca_fails_once_and_says_how_to_fix(
    mode: str, server_tls: ssl.SSLContext
) -> None:
    with hostile(answer, tls=server_tls) as server:
        with pytest.raises(APIConnectionError) as info:
            call(model(server.base_url), mode)
    assert server.handshakes == 1 and server.requests == 0
    assert "SSL_CERT_FILE" in str(info.value) and "verify=" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_ssl_cert_file_set_after_a_failure_is_honoured(
    mode: str,
    server_tls: ssl.SSLContext,
    ca_file: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with hostile(answer, tls=server_tls) as server:
        with pytest.raises(APIConnectionError):
            call(model(server.base_url, max_retries=0), mode)
        monkeypatch.setenv("SSL_CERT_FILE", ca_file)
        assert call(model(server.base_url), mode).text == "Hello there"


# -- proxies from the environment ------------------------------------------------


def forward_proxy(conn: socket.socket, seen: Seen) -> None:
    """A forward proxy that answers absolute-form requests itself."""
    answer(conn, seen)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_forward_proxy_from_the_environment_carries_the_call(
    mode: str, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with hostile(forward_proxy) as proxy:
        monkeypatch.setenv(variable, proxy.base_url)
        reply = call(model("http://gemini.example.test"), mode)
    assert reply.text == "Hello there"
    assert proxy.seen[0].head.startswith(b"POST http://gemini.example.test/v1beta/")
    assert proxy.seen[0].headers["x-goog-api-key"] == KEY


@pytest.mark.parametrize("mode", MODES)
def test_no_proxy_sends_straight_to_the_server(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with hostile(forward_proxy) as proxy, hostile(answer) as server:
        monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        assert call(model(server.base_url), mode).text == "Hello there"
    assert proxy.requests == 0 and server.requests == 1


def tunnel_to(port: int) -> Any:
    """A CONNECT proxy: pipes the client to ``127.0.0.1:port``."""

    def script(conn: socket.socket, seen: Seen) -> None:
        assert seen.head.startswith(b"CONNECT ")
        upstream = socket.create_connection(("127.0.0.1", port))
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with upstream:
            pipe(conn, upstream)

    return script


def pipe(a: socket.socket, b: socket.socket) -> None:
    while True:
        ready, _, _ = select.select([a, b], [], [], 5)
        if not ready:
            return
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)


@pytest.mark.parametrize("mode", MODES)
def test_a_connect_tunnel_from_the_environment_reaches_a_tls_server(
    mode: str,
    server_tls: ssl.SSLContext,
    ca_file: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with hostile(answer, tls=server_tls) as server:
        with hostile(tunnel_to(server.port), read_body=False) as proxy:
            monkeypatch.setenv("HTTPS_PROXY", proxy.base_url)
            monkeypatch.setenv("SSL_CERT_FILE", ca_file)
            url = f"https://localhost:{server.port}"
            assert call(model(url), mode).text == "Hello there"
        assert server.requests == 1
    assert proxy.seen[0].head.startswith(f"CONNECT localhost:{server.port}".encode())


@pytest.fixture
def dead_port() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    yield port


@pytest.mark.parametrize("mode", MODES)
def test_a_dead_proxy_is_reported_as_the_proxy(
    mode: str, dead_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead_port}")
    with pytest.raises(APIConnectionError) as info:
        call(model("http://gemini.example.test", max_retries=0), mode)
    assert "proxy" in str(info.value) and str(dead_port) in str(info.value)


socksio_missing = pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("socksio") is not None,
    reason="socksio is installed",
)


@socksio_missing
@pytest.mark.parametrize("mode", MODES)
def test_a_socks_proxy_without_socksio_is_a_typed_error(
    mode: str, dead_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{dead_port}")
    with pytest.raises(APIConnectionError, match="socksio"):
        call(model("http://gemini.example.test"), mode)


@socksio_missing
@pytest.mark.parametrize("mode", MODES)
def test_a_socks_proxy_no_proxy_excludes_is_never_needed(
    mode: str, dead_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{dead_port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with hostile(answer) as server:
        assert call(model(server.base_url), mode).text == "Hello there"


# -- deadlines -------------------------------------------------------------------


def slow_reader(received: list[int]) -> Any:
    """Reads the body 64 KB at a time, 50 ms apart, then answers."""

    def script(conn: socket.socket, seen: Seen) -> None:
        total = len(seen.body)
        length = int(seen.headers["content-length"])
        try:
            while total < length:
                data = conn.recv(65536)
                if not data:
                    break
                total += len(data)
                received.append(total)
                __import__("time").sleep(0.05)
        finally:
            received.append(total)
        answer(conn, seen)

    return script


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_steady_slow_upload_is_bounded_by_the_timeout(mode: str) -> None:
    received: list[int] = []
    prompt = "x" * (8 * 1024 * 1024)
    with hostile(slow_reader(received), read_body=False) as server:
        with pytest.raises(RequestTimeoutError):
            call(model(server.base_url, timeout=1), mode, prompt)
    assert server.requests == 1
    assert received and received[-1] < len(prompt)  # gave up mid-upload


def dripping(sent: list[int]) -> Any:
    body = json.dumps(OK_BODY).encode()
    data = head(length=len(body)) + body

    def script(conn: socket.socket, seen: Seen) -> None:
        for byte in data:
            conn.sendall(bytes([byte]))
            sent.append(1)
            __import__("time").sleep(0.1)

    return script


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_proxy_variable_does_not_drop_the_deadline(
    mode: str, dead_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{dead_port}")  # not http
    sent: list[int] = []
    with hostile(dripping(sent)) as server:
        with pytest.raises(RequestTimeoutError):
            call(model(server.base_url, timeout=1), mode)
        total = len(head(length=1)) + len(json.dumps(OK_BODY))
    assert server.requests == 1
    assert len(sent) < total  # the client hung up long before the last byte


@contextmanager
def silent_listener() -> Iterator[tuple[str, list[socket.socket]]]:
    """Accepts connections and never says a word (a stalled TLS handshake)."""
    sock = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(sock.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{sock.getsockname()[1]}", held
    finally:
        sock.close()
        for conn in held:
            conn.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_stalled_tls_handshake_is_a_connect_timeout_and_retried(mode: str) -> None:
    with silent_listener() as (url, held):
        with pytest.raises(ConnectTimeoutError):
            call(model(url, timeout=0.5, max_retries=1), mode)
        assert len(held) == 2
