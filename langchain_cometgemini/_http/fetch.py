"""Media downloads: bare GETs under the address, size and time policy.

Flow::

    download_all(urls, policy, client) / adownload_all(...)
      -> per URL (_download / _adownload, the only code that differs):
           check_address   the host is resolved; every address must be public
                           (no loopback, private, link-local, reserved, and no
                           IPv4 of that kind inside IPv6: mapped, NAT64, 6to4,
                           Teredo) unless ``policy.allow_private``
           GET             a bare request: none of the model's headers (no API
                           key), no client auth, redirects followed by hand
                           (each hop checked again, at most MAX_REDIRECTS; a
                           malformed Location is a MediaFetchError)
           _Sink           Content-Length and streamed size capped at
                           ``policy.max_bytes``; ``policy.timeout`` bounds the
                           whole download
      -> {url: (bytes, Content-Type)}

Which URLs, and how the bytes go back into the body, is the wire layer's
(``_wire/media_urls.py``). Known limit: the address check and httpx's own
connection resolve the name separately, so a DNS answer that changes in
between is not detected.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from langchain_cometgemini._http.classify import family, http_errors
from langchain_cometgemini._http.pool import MEDIA_USER_AGENT
from langchain_cometgemini._http.sockets import deadline
from langchain_cometgemini.errors import MediaFetchError

if TYPE_CHECKING:
    import httpx2 as httpx

Fetched = dict[str, tuple[bytes, str | None]]
"""URL -> (bytes, the response's Content-Type)."""

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class MediaPolicy:
    """How media URLs are handled."""

    mode: Literal["download", "pass_through"] = "download"
    max_bytes: int = 20 * 1024 * 1024
    allow_private: bool = False
    timeout: float | None = 30.0


# -- address policy (shared) ----


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return False
        embedded = _embedded_v4(ip)
        if embedded is not None:
            return _is_public(str(embedded))
    return ip.is_global and not ip.is_multicast


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo...)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or (ip in _V4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _host_port(url: httpx.URL) -> tuple[str, int]:
    if url.scheme not in ("http", "https") or not url.host:
        raise MediaFetchError(f"Only http(s) media URLs can be downloaded: {url}.")
    port = url.port or (443 if url.scheme == "https" else 80)
    if not 0 < port < 65536:
        raise MediaFetchError(f"Media URL {url} has a port outside 1-65535.")
    return url.host, port


def _parse(client: Any, raw: str, base: httpx.URL | None = None) -> httpx.URL:
    """``raw`` (joined to ``base``) as a URL; a malformed one is a MediaFetchError."""
    hx = family(client)
    try:
        return base.join(raw) if base is not None else hx.URL(raw)
    except (hx.InvalidURL, ValueError, TypeError) as exc:
        msg = f"Media URL {raw!r} is not a valid URL ({exc})."
        raise MediaFetchError(msg) from None


def check_addresses(url: httpx.URL, addresses: Iterable[str]) -> None:
    """Refuse a URL whose host resolves to any non-public address.

    Raises:
        MediaFetchError: the host has no address, or one of them is loopback,
            private, link-local, reserved or otherwise not globally routable.
    """
    found = list(addresses)
    refused = [a for a in found if not _is_public(a)]
    if not found or refused:
        msg = (
            f"Refusing to download media from {url.host!r}: it resolves to a "
            f"non-public address ({', '.join(refused) or 'none'}). Set "
            "allow_private_media_urls=True to allow it."
        )
        raise MediaFetchError(msg)


def _addresses(infos: Iterable[Any]) -> list[str]:
    return [str(info[4][0]) for info in infos]


def _literal(host: str) -> list[str]:
    """An IP-literal host is its own (only) address: no DNS needed."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return []
    return [host]


def _resolve(host: str, port: int) -> list[str]:
    if literal := _literal(host):
        return literal
    try:
        return _addresses(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    except OSError as exc:
        raise MediaFetchError(f"Cannot resolve media host {host!r}: {exc}") from exc


async def _aresolve(host: str, port: int) -> list[str]:
    if literal := _literal(host):
        return literal
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise MediaFetchError(f"Cannot resolve media host {host!r}: {exc}") from exc
    return _addresses(infos)


# -- one request (shared) ----


def _request(client: Any, url: httpx.URL, policy: MediaPolicy) -> httpx.Request:
    """A bare GET: only these headers, none of the model's (no API key).

    ``accept-encoding: identity``: the size cap counts the bytes as they
    arrive, so a compressed body (which could inflate far past the cap in one
    decoding step) is refused by :func:`_check_response` instead.
    """
    hx = family(client)
    timeout = hx.Timeout(policy.timeout).as_dict()
    headers = {
        "accept": "*/*",
        "accept-encoding": "identity",
        "user-agent": MEDIA_USER_AGENT,
    }
    return hx.Request(  # type: ignore[no-any-return]
        "GET", url, headers=headers, extensions={"timeout": timeout}
    )


def _redirect(
    client: Any, response: httpx.Response, url: httpx.URL
) -> httpx.URL | None:
    if not response.is_redirect:
        return None
    location = response.headers.get("location")
    if not location:
        raise MediaFetchError(f"Media URL {url} redirected without a Location.")
    return _parse(client, location, url)


def _check_response(response: httpx.Response, url: httpx.URL, limit: int) -> None:
    if response.status_code != 200:
        msg = f"Downloading media {url} failed: HTTP {response.status_code}."
        raise MediaFetchError(msg)
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise _too_large(url, limit)
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        msg = (
            f"Media at {url} came compressed ({encoding!r}) although identity was "
            "asked for; its decoded size cannot be bounded, so it is refused."
        )
        raise MediaFetchError(msg)


def _too_large(url: httpx.URL, limit: int) -> MediaFetchError:
    return MediaFetchError(
        f"Media at {url} is larger than media_max_bytes ({limit} bytes); raise "
        "the limit or use media_fetch='pass_through'."
    )


class _Sink:
    """Collects a body under the size cap and the overall deadline."""

    def __init__(self, url: httpx.URL, policy: MediaPolicy) -> None:
        self.url, self.limit = url, policy.max_bytes
        self.timeout = policy.timeout
        self.started = time.monotonic()
        self.data = bytearray()

    def add(self, chunk: bytes) -> None:
        self.data.extend(chunk)
        if len(self.data) > self.limit:
            raise _too_large(self.url, self.limit)
        elapsed = time.monotonic() - self.started
        if self.timeout is not None and elapsed > self.timeout:
            msg = f"Downloading media {self.url} took over {self.timeout}s."
            raise MediaFetchError(msg)


def _too_many_redirects(url: str) -> MediaFetchError:
    return MediaFetchError(f"Media URL {url} redirected more than {MAX_REDIRECTS}x.")


def _transport_error(url: httpx.URL, exc: BaseException) -> MediaFetchError:
    name = type(exc).__name__
    return MediaFetchError(f"Downloading media {url} failed ({name}): {exc}")


# -- sync I/O ----


def _download(start: str, policy: MediaPolicy, client: Any) -> tuple[bytes, str | None]:
    with deadline(policy.timeout):
        return _download_within(start, policy, client)


def _download_within(
    start: str, policy: MediaPolicy, client: Any
) -> tuple[bytes, str | None]:
    url = _parse(client, start)
    for _ in range(MAX_REDIRECTS + 1):
        host, port = _host_port(url)
        if not policy.allow_private:
            check_addresses(url, _resolve(host, port))
        try:
            response = client.send(
                _request(client, url, policy),
                stream=True,
                follow_redirects=False,
                auth=None,
            )
        except http_errors() as exc:
            raise _transport_error(url, exc) from exc
        try:
            target = _redirect(client, response, url)
            if target is not None:
                url = target
                continue
            _check_response(response, url, policy.max_bytes)
            sink = _Sink(url, policy)
            for chunk in response.iter_bytes():
                sink.add(chunk)
            return bytes(sink.data), response.headers.get("content-type")
        except http_errors() as exc:
            raise _transport_error(url, exc) from exc
        finally:
            response.close()
    raise _too_many_redirects(start)


def download_all(urls: list[str], policy: MediaPolicy, client: Any) -> Fetched:
    """Download each URL (sync), under the policy.

    Raises:
        MediaFetchError: a URL is refused by the policy, too large or fails.
    """
    return {url: _download(url, policy, client) for url in urls}


# -- async I/O ----


async def _adownload(
    start: str, policy: MediaPolicy, client: Any
) -> tuple[bytes, str | None]:
    try:
        async with asyncio.timeout(policy.timeout):
            return await _adownload_within(start, policy, client)
    except TimeoutError:
        msg = f"Downloading media {start} took over {policy.timeout}s."
        raise MediaFetchError(msg) from None


async def _adownload_within(
    start: str, policy: MediaPolicy, client: Any
) -> tuple[bytes, str | None]:
    url = _parse(client, start)
    for _ in range(MAX_REDIRECTS + 1):
        host, port = _host_port(url)
        if not policy.allow_private:
            check_addresses(url, await _aresolve(host, port))
        try:
            response = await client.send(
                _request(client, url, policy),
                stream=True,
                follow_redirects=False,
                auth=None,
            )
        except http_errors() as exc:
            raise _transport_error(url, exc) from exc
        try:
            target = _redirect(client, response, url)
            if target is not None:
                url = target
                continue
            _check_response(response, url, policy.max_bytes)
            sink = _Sink(url, policy)
            async for chunk in response.aiter_bytes():
                sink.add(chunk)
            return bytes(sink.data), response.headers.get("content-type")
        except http_errors() as exc:
            raise _transport_error(url, exc) from exc
        finally:
            await response.aclose()
    raise _too_many_redirects(start)


async def adownload_all(urls: list[str], policy: MediaPolicy, client: Any) -> Fetched:
    """Async :func:`download_all`."""
    return {url: await _adownload(url, policy, client) for url in urls}
