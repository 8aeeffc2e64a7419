"""Model profiles and family rules: one table, each figure sourced."""

from __future__ import annotations

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._wire.profiles import (
    FAMILIES,
    family_for,
    generation,
    profile_for,
)

CURRENT = [
    "gemini-3.5-flash",
    "gemini-3.5-flash-lite",
    "gemini-3.6-flash",
    "gemini-3.7-flash",
    "gemini-3.8-flash",
    "gemini-3.1-flash-lite",
    "gemini-flash-latest",
    "gemini-flash-lite-latest",
    "gemini-pro-latest",
    "gemini-3.1-flash-image-preview",
    "gemini-3-pro-image-preview",
    "gemini-2.5-flash-image",
    "gemini-3.1-flash-tts-preview",
    "gemini-3.8-flash-tts",
    "gemini-3.8-flash-lite-tts",
    "gemini-2.5-flash-preview-tts",
]


@pytest.mark.parametrize("model", CURRENT)
def test_every_current_model_has_a_profile(model: str) -> None:
    profile = ChatCometGemini(model=model, api_key="k").profile
    assert profile is not None
    assert profile["max_input_tokens"] > 0
    assert profile["max_output_tokens"] > 0
    assert str(profile["name"]).startswith("Gemini ")


def test_every_row_names_its_source() -> None:
    for row in FAMILIES.values():
        assert row.source.strip(), row.name


@pytest.mark.parametrize(
    ("model", "key", "value"),
    [
        ("gemini-3.8-flash", "reasoning_effort_levels", ["low", "medium", "high"]),
        ("gemini-3.8-flash", "reasoning_effort_default", "medium"),
        ("gemini-3.5-flash-lite", "reasoning_effort_default", "minimal"),
        ("gemini-3.6-flash", "max_input_tokens", 1_048_576),
        ("gemini-3.6-flash", "temperature", False),  # fixed sampling
        ("gemini-3.5-flash-lite", "temperature", False),
        ("gemini-3.8-flash", "temperature", True),
        ("gemini-3.8-flash-tts", "audio_outputs", True),
        ("gemini-3.8-flash-tts", "text_outputs", False),
        ("gemini-3.8-flash-tts", "tool_calling", False),
        ("gemini-3.8-flash-tts", "max_input_tokens", 8_192),
        ("gemini-3.1-flash-image-preview", "image_outputs", True),
        ("gemini-3.1-flash-image-preview", "max_input_tokens", 131_072),
        ("gemini-3.1-flash-image-preview", "structured_output", False),
    ],
)
def test_profile_figures(model: str, key: str, value: object) -> None:
    profile = profile_for(model)
    assert profile is not None
    assert dict(profile)[key] == value


def test_longest_prefix_wins() -> None:
    tts = family_for("gemini-3.8-flash-tts")
    assert tts is not None
    assert tts.name == "gemini-3.8-flash-tts"
    assert tts.thinking_levels is None  # the TTS model is not bound by 3.8 levels
    image_lite = profile_for("gemini-3.1-flash-lite-image-preview")
    assert image_lite is not None  # an image model, not 3.1 Flash-Lite's text row
    assert image_lite["image_outputs"] is True and image_lite["tool_calling"] is False
    lite = family_for("models/gemini-3.5-flash-lite-001")
    assert lite is not None
    assert lite.name == "gemini-3.5-flash-lite"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gemini-2.5-pro", 2),
        ("gemini-3.8-flash", 3),
        ("gemini-flash-latest", 3),
        ("gemini-pro-latest", 3),
        ("gemini-5-pro-preview", 5),
        ("gemini-experimental", 3),  # a Gemini name with no number: the newest
        ("gemma-3-27b-it", 0),
    ],
)
def test_generation(model: str, expected: int) -> None:
    assert generation(model) == expected


@pytest.mark.parametrize(
    "model",
    [
        "gemini-3.8-flash-lite",  # a future Flash-Lite is not 3.8 Flash
        "gemini-2.5-flash-native-audio-preview",
        "gemini-3.6-flash-image-preview",
        "gemini-3.7-flash-live",
    ],
)
def test_another_line_is_not_its_namesake(model: str) -> None:
    assert family_for(model) is None
    assert generation(model) == 3 or model.startswith("gemini-2")


def test_unknown_names_have_no_profile() -> None:
    assert profile_for("gemini-5-pro-preview") is None
    assert profile_for("gpt-5") is None
