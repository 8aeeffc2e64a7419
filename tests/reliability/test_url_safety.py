"""Hostile model names and path pieces cannot change the request URL.

``build_url`` refuses them with a ``ValueError``; through the model the error
comes before anything is sent (the emulator records no request).
"""

from __future__ import annotations

import asyncio

import pytest

from langchain_cometgemini._http.inputs import build_url
from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model

from .conftest import MODES, call, make_llm

HOSTILE_MODELS = [
    "gemini-2.5-flash/../../v1/files",
    "../gemini-2.5-flash",
    "gemini-2.5-flash?key=stolen",
    "gemini-2.5-flash:generateContent?alt=json&key=x",
    "gemini-2.5-flash#fragment",
    "gemini 2.5 flash",
    "gemini-2.5-flash\r\nX-Injected: 1",
    "gemini-2.5-flash%2F..%2Fadmin",
    "gemini-2.5-flash&alt=json",
    "models/../../admin",
    "http://evil.example/x",
    "",
    "..",
    "gemini-2.5-flash\x00",
]


REFUSED_MODEL = "Invalid model name|cannot be a Gemini model id"
"""The wire layer refuses a model id first; ``build_url`` is the last guard."""


@pytest.mark.parametrize("model", HOSTILE_MODELS)
def test_build_url_refuses_hostile_model_names(model: str) -> None:
    with pytest.raises(ValueError, match="Invalid model name"):
        build_url("https://api.cometapi.com", "v1beta", model, "generateContent")


@pytest.mark.parametrize(
    "version", ["v1beta/../v2", "v1beta?x=1", "v1beta#", "", "v1 beta", "../v1"]
)
def test_build_url_refuses_hostile_api_versions(version: str) -> None:
    with pytest.raises(ValueError, match="Invalid api_version"):
        build_url("https://api.cometapi.com", version, "gemini-2.5-flash", "x")


@pytest.mark.parametrize(
    "model", ["gemini-2.5-flash", "models/gemini-3-pro-preview", "gemma-3_27b@001"]
)
def test_build_url_keeps_good_names_on_the_model_path(model: str) -> None:
    url = build_url("https://h.example/", "v1beta", model, "generateContent")
    name = model.removeprefix("models/")
    assert url == f"https://h.example/v1beta/models/{name}:generateContent"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", HOSTILE_MODELS[:6])
def test_hostile_model_field_fails_before_sending(
    emu: GeminiEmulator, mode: str, model: str
) -> None:
    with pytest.raises(ValueError, match=REFUSED_MODEL):
        call(make_llm(emu, model=model), mode)
    assert emu.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_hostile_per_call_model_fails_before_sending(
    emu: GeminiEmulator, mode: str
) -> None:
    llm = make_llm(emu)
    with pytest.raises(ValueError, match=REFUSED_MODEL):
        call(llm, mode, model="gemini-2.5-flash?alt=json&key=x")
    assert emu.requests == []


def test_hostile_api_version_fails_before_sending(emu: GeminiEmulator) -> None:
    llm = make_llm(emu, api_version="v1beta/../../x")
    with pytest.raises(ValueError, match="Invalid api_version"):
        llm.invoke("hi")
    with pytest.raises(ValueError, match="Invalid api_version"):
        asyncio.run(llm.ainvoke("hi"))
    assert emu.requests == []


def test_good_model_reaches_exactly_its_path(emu: GeminiEmulator) -> None:
    llm = make_llm(emu, model="models/gemini-2.5-flash")
    llm.invoke("hi")
    list(llm.stream("hi"))
    generate, stream = emu.requests
    assert generate.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert generate.query == {}
    assert stream.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert stream.query == {"alt": "sse"}


def test_base_url_with_a_path_prefix_is_kept(emu: GeminiEmulator) -> None:
    llm = make_model(emu, base_url=emu.base_url + "/")
    assert llm.invoke("hi").text == "Echo: hi"
    assert emu.last_request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
