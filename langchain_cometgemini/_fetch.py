"""Media URLs in a request body -> inline data, before the request is sent.

Flow::

    resolve_media(body, policy, client) / aresolve_media(...)
      -> each ``fileData`` part with an http(s) URL (not YouTube):
           policy.mode == "pass_through": left as ``fileData``
           policy.mode == "download":     fetched (size cap, timeout, no auth
                                          headers, private hosts refused) and
                                          replaced by ``inlineData``

Only the fetch differs between sync and async; finding the parts and building
the replacement are shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx


@dataclass(frozen=True)
class MediaPolicy:
    """How media URLs are handled."""

    mode: Literal["download", "pass_through"] = "download"
    max_bytes: int = 20 * 1024 * 1024
    allow_private: bool = False
    timeout: float | None = 30.0


def resolve_media(
    body: dict[str, Any], policy: MediaPolicy, client: httpx.Client
) -> dict[str, Any]:
    """Return ``body`` with downloadable media URLs inlined (sync)."""
    return body


async def aresolve_media(
    body: dict[str, Any], policy: MediaPolicy, client: httpx.AsyncClient
) -> dict[str, Any]:
    """Return ``body`` with downloadable media URLs inlined (async)."""
    return body
