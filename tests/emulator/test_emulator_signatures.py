from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from langchain_cometgemini.testing import GeminiEmulator, Reply

from .conftest import FLASH, PRO3, sse_events, sse_url, url, user

MISSING = (
    "Function call is missing a thought_signature in functionCall parts. This is "
    "required for tools to work correctly, and missing thought_signature may lead "
    "to degraded model performance. Additional data, function call "
    "`default_api:{name}`, position {position}."
)


def call_part(
    name: str, signature: str | None = None, key: str = "thoughtSignature"
) -> dict[str, Any]:
    part: dict[str, Any] = {"functionCall": {"name": name, "args": {"q": 1}}}
    if signature is not None:
        part[key] = signature
    return part


def answer(name: str) -> dict[str, Any]:
    return {
        "role": "user",
        "parts": [{"functionResponse": {"name": name, "response": {"ok": True}}}],
    }


def history(*model_parts: dict[str, Any]) -> dict[str, Any]:
    return {
        "contents": [
            user("weather?"),
            {"role": "model", "parts": list(model_parts)},
            answer("get"),
        ]
    }


def post(
    client: httpx.Client, payload: dict[str, Any], model: str = PRO3
) -> httpx.Response:
    return client.post(url(model), json=payload)


def test_missing_signature_rejected(client: httpx.Client) -> None:
    r = post(client, history(call_part("get_weather")))
    assert r.status_code == 400
    assert r.json()["error"] == {
        "code": 400,
        "message": MISSING.format(name="get_weather", position=2),
        "status": "INVALID_ARGUMENT",
    }


def test_position_is_one_based_content_index(client: httpx.Client) -> None:
    payload = {
        "contents": [
            user("old"),
            {"role": "model", "parts": [{"text": "hi"}]},
            user("now"),
            {
                "role": "model",
                "parts": [call_part("a", "skip_thought_signature_validator")],
            },
            answer("a"),
            {"role": "model", "parts": [call_part("b")]},
            answer("b"),
        ]
    }
    r = post(client, payload)
    assert r.json()["error"]["message"] == MISSING.format(name="b", position=6)


def test_only_first_parallel_call_needs_signature(client: httpx.Client) -> None:
    payload = history(
        call_part("a", "skip_thought_signature_validator"), call_part("b")
    )
    assert post(client, payload).status_code == 200
    payload = history(
        call_part("a"), call_part("b", "skip_thought_signature_validator")
    )
    assert post(client, payload).status_code == 400


def test_previous_turns_are_not_checked(client: httpx.Client) -> None:
    payload = {
        "contents": [
            user("q1"),
            {"role": "model", "parts": [call_part("a")]},
            answer("a"),
            {
                "role": "model",
                "parts": [{"text": "done", "thoughtSignature": "Zm9vYmFy"}],
            },
            user("q2"),
        ]
    }
    assert post(client, payload).status_code == 200


def test_not_checked_for_other_models_or_when_disabled(client: httpx.Client) -> None:
    assert post(client, history(call_part("a")), model=FLASH).status_code == 200
    with GeminiEmulator(check_signatures=False) as emu:
        r = httpx.post(
            emu.base_url + url(PRO3),
            json=history(call_part("a")),
            headers={"x-goog-api-key": "test-key"},
        )
        assert r.status_code == 200


@pytest.mark.parametrize(
    "placeholder",
    ["skip_thought_signature_validator", "context_engineering_is_the_way_to_go"],
)
@pytest.mark.parametrize("key", ["thoughtSignature", "thought_signature"])
def test_placeholders_accepted(
    client: httpx.Client, placeholder: str, key: str
) -> None:
    assert post(client, history(call_part("a", placeholder, key))).status_code == 200


def test_corrupted_signature_rejected(client: httpx.Client) -> None:
    r = post(client, history(call_part("a", "Zm9vYmFyYmF6")))
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Corrupted thought signature."


def test_issued_signature_round_trip(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(
        Reply.function_calls([("get", {"city": "Paris"}), ("get", {"city": "Tokyo"})])
    )
    first = post(client, {"contents": [user("weather?")]}).json()
    parts = first["candidates"][0]["content"]["parts"]
    assert "thoughtSignature" in parts[0] and "thoughtSignature" not in parts[1]
    assert parts[0]["thoughtSignature"] in emu.issued_signatures
    payload = {
        "contents": [
            user("weather?"),
            {"role": "model", "parts": parts},
            answer("get"),
            answer("get"),
        ]
    }
    second = post(client, payload)
    assert second.status_code == 200
    final = second.json()["candidates"][0]["content"]["parts"]
    assert final[-1]["thoughtSignature"] in emu.issued_signatures


def test_streamed_function_call_signed(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    emu.enqueue(
        Reply.function_call("get", {"city": "Paris"}, id="c1", text="Let me check.")
    )
    events = sse_events(client.post(sse_url(PRO3), json={"contents": [user("q")]}).text)
    assert events[0]["candidates"][0]["content"]["parts"] == [{"text": "Let me check."}]
    call = events[-1]["candidates"][0]["content"]["parts"][0]
    assert call["functionCall"] == {
        "name": "get",
        "args": {"city": "Paris"},
        "id": "c1",
    }
    assert call["thoughtSignature"] in emu.issued_signatures
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"


def test_explicit_signature_kept(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.function_call("get", {}, signature="c2lnbmVk"))
    part = post(client, {"contents": [user("q")]}).json()["candidates"][0]["content"][
        "parts"
    ][0]
    assert part["thoughtSignature"] == "c2lnbmVk"
    assert post(client, history(call_part("get", "c2lnbmVk"))).status_code == 200


def test_no_signatures_for_gemini_2(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.function_call("get", {}))
    part = post(client, {"contents": [user("q")]}, model=FLASH).json()
    assert "thoughtSignature" not in part["candidates"][0]["content"]["parts"][0]


def url_safe(signature: str, *, padded: bool) -> str:
    """``signature`` as google-genai sends it: the URL-safe base64 alphabet."""
    text = base64.urlsafe_b64encode(base64.b64decode(signature)).decode("ascii")
    return text if padded else text.rstrip("=")


@pytest.mark.parametrize("padded", [True, False])
def test_url_safe_signatures_are_the_same_signature(
    emu: GeminiEmulator, client: httpx.Client, padded: bool
) -> None:
    # Bytes chosen so that the standard form has "+", "/" and padding.
    issued = base64.b64encode(b"\xfb\xff\xbf\xfe\xff").decode("ascii")
    assert "+" in issued and "/" in issued and issued.endswith("=")
    emu.issued_signatures.add(issued)
    sent = url_safe(issued, padded=padded)
    assert sent != issued and ("-" in sent and "_" in sent)
    assert post(client, history(call_part("get", sent))).status_code == 200
    assert post(client, history(call_part("get", issued.rstrip("=")))).status_code == (
        200
    )


def test_a_url_safe_signature_never_issued_is_still_corrupted(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    emu.issued_signatures.add(base64.b64encode(b"\xfb\xff\xbf\xfe\xff").decode())
    forged = url_safe(base64.b64encode(b"\xfb\xff\xbf\xfe\xfe").decode(), padded=False)
    r = post(client, history(call_part("get", forged)))
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Corrupted thought signature."
