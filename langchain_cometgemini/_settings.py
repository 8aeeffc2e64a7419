"""The checks a model's settings meet, wherever they are given.

``ChatCometGemini`` calls these from its validators (constructor, copy),
``bind`` and each call; none of them knows the class itself:

    check_known(values, known)    constructor argument that is no field -> TypeError
    unknown_call_argument(...)    the same for a per-call or bound argument
    checked_key(value)            the key, stripped, as a secret (or refused)
    without_inputs(title, errors) a ValidationError that repeats no input (key)
    no_secrets(kwargs)            per-call arguments with the key masked (tracing)
    ls_overrides(table, kwargs)   per-call values LangSmith reports
    warn_plain_http(base_url)     the key would travel unencrypted
    as_messages(messages)         messages in any LangChain form, or TypeError
"""

from __future__ import annotations

import difflib
import ipaddress
import warnings
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from langchain_core.messages import BaseMessage, convert_to_messages
from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo

from langchain_cometgemini._fields import FieldTable
from langchain_cometgemini._http.inputs import check_api_key, display_url
from langchain_cometgemini.errors import MissingAPIKeyError

NO_KEY = (
    "No CometAPI key: pass api_key=... to ChatCometGemini or set the "
    "COMETAPI_KEY environment variable."
)


def known_names(fields: Mapping[str, FieldInfo]) -> frozenset[str]:
    """Every name a constructor argument may have: field names and aliases."""
    names = set()
    for name, info in fields.items():
        names.add(name)
        if info.alias:
            names.add(info.alias)
        if isinstance(info.validation_alias, str):
            names.add(info.validation_alias)
    return frozenset(names)


def check_known(values: Mapping[str, Any], known: frozenset[str]) -> None:
    """Raise for the first argument that is no field, naming the closest one.

    Raises:
        TypeError: an unknown constructor argument.
    """
    for key in values:
        if key in known:
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        msg = f"ChatCometGemini got an unexpected argument {key!r}{hint}"
        raise TypeError(msg)


def unknown_call_argument(table: FieldTable, key: str) -> str:
    """The error for a per-call (or bound) argument that is nothing known."""
    close = difflib.get_close_matches(key, table.call_names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"Unknown argument {key!r} for ChatCometGemini{hint}"


def checked_key(value: Any) -> SecretStr:
    """The key as a stripped secret; refuse a missing or malformed one.

    Raises:
        MissingAPIKeyError: no key, or only whitespace.
        TypeError: a key that is no string.
        ValueError: a key no HTTP header can carry (the message omits it).
    """
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is not None and not isinstance(value, str):
        msg = f"api_key must be a string or SecretStr, not {type(value).__name__}."
        raise TypeError(msg)
    key = check_api_key(value or "")
    if not key:
        raise MissingAPIKeyError(NO_KEY)
    return SecretStr(key)


def value_error(exc: ValueError) -> dict[str, Any]:
    """``exc`` as one entry of a ``ValidationError``."""
    return {"type": "value_error", "loc": (), "ctx": {"error": exc}}


def without_inputs(title: str, errors: Sequence[Any]) -> ValidationError:
    """A validation error whose ``errors()``/``json()`` hold no input values.

    ``hide_input_in_errors`` hides the input from ``str`` only; the entries
    are rebuilt without it so that no form of the error repeats the key.
    """
    details: Any = [
        {
            "type": e["type"],
            "loc": e["loc"],
            "input": "<hidden>",
            "ctx": e.get("ctx", {}),
        }
        for e in errors
    ]
    return ValidationError.from_exception_data(title, details, hide_input=True)


def no_secrets(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with a per-call ``api_key`` masked."""
    if "api_key" not in kwargs:
        return kwargs
    return {**kwargs, "api_key": "**********"}


def ls_overrides(table: FieldTable, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Per-call values of the fields LangSmith reports (aliases resolved)."""
    found = {}
    for key, value in kwargs.items():
        name = table.canonical(key)
        if name in table.ls_params:
            found[name] = value
    return found


def warn_plain_http(base_url: str) -> None:
    """Warn when the key would travel unencrypted to a host that is not local."""
    parts = urlsplit(base_url)
    if parts.scheme != "http":
        return
    host = parts.hostname or ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host == "localhost"
    if not local:
        warnings.warn(
            f"base_url {display_url(base_url)!r} uses plain http: the API key "
            "would be sent unencrypted. Use https.",
            UserWarning,
            stacklevel=3,
        )


def as_messages(messages: Sequence[Any]) -> list[BaseMessage]:
    """Messages in any form LangChain accepts (tuples, strings, dicts) as messages.

    Raises:
        TypeError: an item that is no message in any of those forms.
    """
    try:
        return convert_to_messages(messages)
    except (NotImplementedError, ValueError, KeyError) as exc:
        msg = f"messages: {exc}"
        raise TypeError(msg) from None
