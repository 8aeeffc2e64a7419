"""Media downloads (_http/fetch) and which URLs go (_wire/media_urls).

The address policy, caps and redirects; the parts inlined.

HTTP goes through ``httpx.MockTransport`` (no socket); hosts are IP literals, so
the address check needs no DNS.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any, cast

import httpx
import httpx2
import pytest

from langchain_cometgemini._http.fetch import (
    MAX_REDIRECTS,
    MediaPolicy,
    adownload_all,
    check_addresses,
    download_all,
)
from langchain_cometgemini._wire.media import FILES_API_ROOT
from langchain_cometgemini._wire.media_urls import (
    inline_downloads,
    media_targets,
    media_urls,
)
from langchain_cometgemini.errors import MediaFetchError

PUBLIC = "http://93.184.216.34"


def resolve_media(
    body: dict[str, Any], policy: MediaPolicy, client: Any
) -> dict[str, Any]:
    """What a call does: the URLs (wire), their downloads (HTTP), inlined (wire)."""
    urls = media_urls(body, policy.mode)
    return inline_downloads(body, download_all(urls, policy, client))


async def aresolve_media(
    body: dict[str, Any], policy: MediaPolicy, client: Any
) -> dict[str, Any]:
    urls = media_urls(body, policy.mode)
    return inline_downloads(body, await adownload_all(urls, policy, client))


PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
DOWNLOAD = MediaPolicy(mode="download", max_bytes=1000, timeout=5)
Handler = Callable[[httpx.Request], httpx.Response]


def file_part(url: str, **extra: Any) -> dict[str, Any]:
    return {"fileData": {"fileUri": url, "mimeType": "image/png"}, **extra}


def body_of(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"contents": [{"role": "user", "parts": [{"text": "see"}, *parts]}]}


class Recorder:
    """A MockTransport handler that records requests and serves fixed routes."""

    def __init__(self, routes: dict[str, httpx.Response]) -> None:
        self.routes = routes
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.routes.get(str(request.url), httpx.Response(404))

    def client(self) -> httpx.Client:
        # a client carrying credentials: none of them may reach the media host
        return httpx.Client(
            transport=httpx.MockTransport(self),
            headers={"x-goog-api-key": "SECRET", "authorization": "Bearer SECRET"},
            auth=("user", "SECRET"),
        )


def png_response(**headers: str) -> httpx.Response:
    return httpx.Response(
        200, content=PNG, headers={"content-type": "image/png", **headers}
    )


# -- which parts ----------------------------------------------------------------------


def test_only_plain_http_urls_are_targets() -> None:
    body = body_of(
        file_part(f"{PUBLIC}/a.png"),
        file_part("https://www.youtube.com/watch?v=x"),
        file_part(FILES_API_ROOT + "files/abc"),
        file_part("gs://bucket/a.png"),
        {"inlineData": {"mimeType": "image/png", "data": "AA=="}},
    )
    body["systemInstruction"] = {"parts": [file_part("https://93.184.216.34/s.pdf")]}
    urls = [p["fileData"]["fileUri"] for p in media_targets(body)]
    assert urls == ["https://93.184.216.34/s.pdf", f"{PUBLIC}/a.png"]


def test_pass_through_sends_nothing_and_keeps_the_body() -> None:
    recorder = Recorder({})
    body = body_of(file_part(f"{PUBLIC}/a.png"))
    policy = MediaPolicy(mode="pass_through")
    assert resolve_media(body, policy, recorder.client()) is body
    assert recorder.seen == []


def test_unknown_mode_is_rejected() -> None:
    policy = MediaPolicy(mode=cast(Any, "sometimes"))
    with pytest.raises(ValueError, match="media_fetch must be"):
        resolve_media(body_of(file_part(f"{PUBLIC}/a")), policy, httpx.Client())


# -- address policy -------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1%eth0",
        "fc00::1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    url = httpx2.URL("http://media.example/x.png")
    with pytest.raises(MediaFetchError, match="allow_private_media_urls=True"):
        check_addresses(url, ["93.184.216.34", address])


def test_public_addresses_pass_and_no_address_is_refused() -> None:
    url = httpx2.URL("http://media.example/x.png")
    check_addresses(url, ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
    with pytest.raises(MediaFetchError):
        check_addresses(url, [])


def test_private_host_is_refused_before_any_request() -> None:
    recorder = Recorder({"http://127.0.0.1/a.png": png_response()})
    with pytest.raises(MediaFetchError, match="127.0.0.1"):
        resolve_media(
            body_of(file_part("http://127.0.0.1/a.png")), DOWNLOAD, recorder.client()
        )
    assert recorder.seen == []


def test_private_host_allowed_by_policy() -> None:
    recorder = Recorder({"http://127.0.0.1/a.png": png_response()})
    policy = MediaPolicy(allow_private=True)
    body = resolve_media(
        body_of(file_part("http://127.0.0.1/a.png")), policy, recorder.client()
    )
    assert "inlineData" in body["contents"][0]["parts"][1]


# -- downloads ----------------------------------------------------------------------


def test_download_inlines_without_credentials_and_keeps_part_options() -> None:
    url = f"{PUBLIC}/cat"
    recorder = Recorder({url: png_response()})
    options = {"mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"}}
    body = body_of(file_part(url, **options), file_part(url))
    original = copy.deepcopy(body)
    out = resolve_media(body, DOWNLOAD, recorder.client())
    assert body == original  # the caller's body is not modified
    inline = {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}
    assert out["contents"][0]["parts"][1:] == [
        {"inlineData": inline, **options},
        {"inlineData": inline},
    ]
    (request,) = recorder.seen  # one download per distinct URL
    assert "x-goog-api-key" not in request.headers
    assert "authorization" not in request.headers
    assert "SECRET" not in str(request.headers)


@pytest.mark.parametrize(
    ("content_type", "data", "declared", "sent"),
    [
        ("image/jpeg", PNG, "image/png", "image/png"),  # the bytes win
        ("application/pdf", b"%PDX", "image/png", "application/pdf"),
        ("application/octet-stream", b"????", "audio/mp3", "audio/mp3"),
        ("", b"????", None, "application/octet-stream"),
    ],
)
def test_downloaded_mime_type(
    content_type: str, data: bytes, declared: str | None, sent: str
) -> None:
    url = f"{PUBLIC}/f"
    response = httpx.Response(200, content=data, headers={"content-type": content_type})
    part = {"fileData": {"fileUri": url}}
    if declared:
        part["fileData"]["mimeType"] = declared
    out = resolve_media(body_of(part), DOWNLOAD, Recorder({url: response}).client())
    assert out["contents"][0]["parts"][1]["inlineData"]["mimeType"] == sent


def test_redirect_to_a_private_host_is_not_followed() -> None:
    recorder = Recorder(
        {
            f"{PUBLIC}/a.png": httpx.Response(
                302, headers={"location": "http://169.254.169.254/meta"}
            ),
            "http://169.254.169.254/meta": png_response(),
        }
    )
    with pytest.raises(MediaFetchError, match="169.254.169.254"):
        resolve_media(
            body_of(file_part(f"{PUBLIC}/a.png")), DOWNLOAD, recorder.client()
        )
    assert [str(r.url) for r in recorder.seen] == [f"{PUBLIC}/a.png"]


def test_public_redirects_are_followed_by_hand() -> None:
    recorder = Recorder(
        {
            f"{PUBLIC}/a": httpx.Response(301, headers={"location": "/b"}),
            f"{PUBLIC}/b": httpx.Response(
                307, headers={"location": "http://1.1.1.1/c"}
            ),
            "http://1.1.1.1/c": png_response(),
        }
    )
    out = resolve_media(body_of(file_part(f"{PUBLIC}/a")), DOWNLOAD, recorder.client())
    assert (
        out["contents"][0]["parts"][1]["inlineData"]["data"]
        == base64.b64encode(PNG).decode()
    )
    assert len(recorder.seen) == 3


@pytest.mark.parametrize(
    "location",
    ["http://0177.0.0.1/x", "http://[::1", "http://127.0.0.1:99999/x"],
)
def test_a_malformed_redirect_is_a_media_error(location: str) -> None:
    redirect = httpx.Response(302, headers={"location": location})
    recorder = Recorder({f"{PUBLIC}/a": redirect})
    policy = MediaPolicy(allow_private=True)
    with pytest.raises(MediaFetchError):
        resolve_media(body_of(file_part(f"{PUBLIC}/a")), policy, recorder.client())
    assert len(recorder.seen) == 1


def test_redirect_loops_stop() -> None:
    loop = httpx.Response(302, headers={"location": f"{PUBLIC}/a"})
    recorder = Recorder({f"{PUBLIC}/a": loop})
    with pytest.raises(MediaFetchError, match="redirected more than"):
        resolve_media(body_of(file_part(f"{PUBLIC}/a")), DOWNLOAD, recorder.client())
    assert len(recorder.seen) == MAX_REDIRECTS + 1


@pytest.mark.parametrize("declare_length", [True, False])
def test_size_cap(declare_length: bool) -> None:
    big = b"\x00" * 1001

    def stream() -> Any:
        yield big[:600]
        yield big[600:]

    url = f"{PUBLIC}/big"
    response = (
        httpx.Response(200, content=big)
        if declare_length
        else httpx.Response(200, content=stream())
    )
    with pytest.raises(MediaFetchError, match="larger than media_max_bytes"):
        resolve_media(
            body_of(file_part(url)), DOWNLOAD, Recorder({url: response}).client()
        )


def test_http_error_status_is_reported() -> None:
    with pytest.raises(MediaFetchError, match="HTTP 404"):
        resolve_media(
            body_of(file_part(f"{PUBLIC}/gone")), DOWNLOAD, Recorder({}).client()
        )


def test_transport_errors_are_wrapped() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    client = httpx.Client(transport=httpx.MockTransport(fail))
    with pytest.raises(MediaFetchError, match="ConnectTimeout"):
        resolve_media(body_of(file_part(f"{PUBLIC}/slow")), DOWNLOAD, client)


async def test_async_download_matches_sync() -> None:
    url = f"{PUBLIC}/cat"
    recorder = Recorder({url: png_response()})
    client = httpx.AsyncClient(
        transport=httpx.MockTransport(recorder), headers={"x-goog-api-key": "SECRET"}
    )
    body = body_of(file_part(url))
    out = await aresolve_media(body, DOWNLOAD, client)
    assert out == resolve_media(
        body, DOWNLOAD, Recorder({url: png_response()}).client()
    )
    assert "x-goog-api-key" not in recorder.seen[0].headers
    with pytest.raises(MediaFetchError, match="127.0.0.1"):
        await aresolve_media(body_of(file_part("http://127.0.0.1/x")), DOWNLOAD, client)
