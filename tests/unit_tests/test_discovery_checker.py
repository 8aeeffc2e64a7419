"""The discovery-document checker the request property test relies on.

It accepts the real requests recorded from live traffic and refuses each rule
it claims to check, so a pass of the property test means something.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.discovery import violations

RECORDINGS = Path(__file__).parent.parent / "data" / "recordings"
_FREE_FORM = {"args", "response", "parameters_json_schema", "response_json_schema"}


def _camel(value: Any) -> Any:
    """The recording client's snake_case names, as the package writes them."""
    if isinstance(value, dict):
        return {
            re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): (
                v if k in _FREE_FORM else _camel(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _recorded() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(RECORDINGS.glob("*.meta.json")):
        meta = json.loads(path.read_text("utf-8"))
        body = meta.get("request")
        if isinstance(body, dict) and "contents" in body and not meta.get("vertex"):
            found.append((path.name, _camel(body)))
    return found


@pytest.mark.parametrize(("name", "body"), _recorded())
def test_real_recorded_requests_pass(name: str, body: dict[str, Any]) -> None:
    assert violations(body) == [], name


OK: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


@pytest.mark.parametrize(
    ("change", "found"),
    [
        ({"temprature": 1}, "unknown field"),
        ({"generationConfig": {"topK": 2.5}}, "int32"),
        ({"generationConfig": {"seed": 2**40}}, "int32"),
        (
            {"generationConfig": {"mediaResolution": "MEDIA_RESOLUTION_ULTRA_HIGH"}},
            "outside",
        ),
        ({"generationConfig": {"responseModalities": ["I"]}}, "outside"),
        (
            {
                "generationConfig": {
                    "thinkingConfig": {"thinkingLevel": "LOW", "thinkingBudget": 1}
                }
            },
            "only one of thinking budget",
        ),
        ({"generationConfig": {"responseJsonSchema": {}}}, "without responseMimeType"),
        (
            {
                "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
                "generationConfig": {"responseMimeType": "application/json"},
            },
            "Forced function calling",
        ),
        (
            {"tools": [{"functionDeclarations": [{"name": "Get Weather"}]}]},
            "function name",
        ),
        (
            {
                "contents": [
                    {"role": "user", "parts": [{"text": "a", "inlineData": {}}]}
                ]
            },
            "exactly one",
        ),
        ({"contents": [{"role": "tool", "parts": [{"text": "a"}]}]}, "no role"),
        ({"contents": [{"parts": [{"text": "a\ud800"}]}]}, "lone surrogate"),
        (
            {
                "contents": [
                    {"parts": [{"inlineData": {"data": "!!", "mimeType": "x"}}]}
                ]
            },
            "base64",
        ),
        ({"contents": [{"parts": [{"text": "a", "thoughtSignature": "a"}]}]}, "base64"),
        (
            {
                "contents": [
                    {
                        "parts": [
                            {
                                "functionResponse": {
                                    "name": "f",
                                    "response": {},
                                    "parts": [
                                        {
                                            "inlineData": {"data": "QQ=="},
                                            "mediaResolution": {},
                                        }
                                    ],
                                }
                            }
                        ]
                    }
                ]
            },
            "unknown field of FunctionResponsePart",
        ),
    ],
)
def test_each_rule_is_checked(change: dict[str, Any], found: str) -> None:
    problems = violations({**OK, **change})
    assert any(found in p for p in problems), problems
