"""Inputs checked before anything is sent: URL, model name, key, headers.

Every check raises a ``ValueError`` whose message never repeats the key or a
URL's ``user:pass@`` (:func:`display_url`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from langchain_cometgemini._version import __version__

if TYPE_CHECKING:
    pass


_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
_API_VERSION = re.compile(r"v\d+[a-z0-9]*")
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")

# -- inputs checked before anything is sent ----------------------------------


def build_url(base_url: str, api_version: str, model: str, action: str) -> str:
    """``{base_url}/{api_version}/models/{model}:{action}``, refusing unsafe names."""
    name = model.removeprefix("models/")
    if not _MODEL_NAME.fullmatch(name):
        msg = (
            f"Invalid model name {model!r}: use letters, digits, '.', '-', '_' "
            "or '@' only (e.g. 'gemini-3-flash-preview')."
        )
        raise ValueError(msg)
    if not _API_VERSION.fullmatch(api_version):
        msg = f"Invalid api_version {api_version!r} (expected e.g. 'v1beta')."
        raise ValueError(msg)
    return f"{base_url.rstrip('/')}/{api_version}/models/{name}:{action}"


def check_base_url(base_url: str) -> str:
    """Refuse a base URL that would send somewhere other than it says.

    Raises:
        ValueError: not http(s), no host, or a query, fragment, whitespace or
            control character in it (the message never repeats userinfo).
    """
    shown = display_url(base_url)
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in base_url):
        msg = f"base_url {shown!r} holds whitespace or a control character."
        raise ValueError(msg)
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"base_url {shown!r} must be an http(s) URL with a host."
        raise ValueError(msg)
    if "?" in base_url or "#" in base_url:
        msg = f"base_url {shown!r} must not hold a query ('?') or fragment ('#')."
        raise ValueError(msg)
    try:
        parts.port  # noqa: B018  (raises for a port outside 0-65535)
    except ValueError:
        msg = f"base_url {shown!r} has a port outside 1-65535."
        raise ValueError(msg) from None
    return base_url


def display_url(url: str) -> str:
    """``url`` without its userinfo (``user:pass@``), for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{path}"


def check_api_key(key: str) -> str:
    """The key without surrounding whitespace; refuse one no header can carry.

    Raises:
        ValueError: the key holds inner whitespace or non-printable or
            non-ASCII characters (the message never contains the key).
    """
    clean = key.strip()
    if clean and not _HEADER_SAFE.fullmatch(clean):
        msg = (
            "The API key holds whitespace, control or non-ASCII characters "
            f"inside it ({len(clean)} characters); check how it was read."
        )
        raise ValueError(msg)
    return clean


def build_headers(
    api_key: str, *, bearer: bool, extra: Mapping[str, str] | None
) -> dict[str, str]:
    """Auth and content headers; the key travels only here, never in the URL."""
    headers = {
        "content-type": "application/json",
        "accept-encoding": "gzip, deflate",  # the codings checked for a cut
        "user-agent": f"langchain-cometgemini/{__version__}",
    }
    headers.update(extra or {})
    key = check_api_key(api_key)
    if bearer:
        headers["authorization"] = f"Bearer {key}"
    else:
        headers["x-goog-api-key"] = key
    return headers
