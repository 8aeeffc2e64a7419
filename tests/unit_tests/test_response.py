"""_response: thoughts, grounding, code execution, media output, logprobs, v1."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_cometgemini._wire.chunks import message_from_chunk
from langchain_cometgemini._wire.response import (
    StreamState,
    result_from_response,
    sample_rate,
)
from tests.conftest import load_capture
from tests.support import as_dicts, content_dicts

GROUNDING: dict[str, Any] = {
    "webSearchQueries": ["UEFA Euro 2024 winner"],
    "searchEntryPoint": {"renderedContent": "<style>.chip{}</style><div>...</div>"},
    "groundingChunks": [
        {
            "web": {
                "uri": "https://vertexaisearch.cloud.google.com/a",
                "title": "uefa.com",
            }
        },
        {
            "web": {
                "uri": "https://vertexaisearch.cloud.google.com/b",
                "title": "bbc.com",
            }
        },
    ],
    "groundingSupports": [
        {
            "segment": {
                "startIndex": 0,
                "endIndex": 22,
                "text": "Spain won Euro 2024.",
            },
            "groundingChunkIndices": [0, 1],
        }
    ],
}


def event(parts: list[dict[str, Any]], finish: str | None = None, **extra: Any) -> Any:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
    candidate["index"] = 0
    if finish:
        candidate["finishReason"] = finish
    candidate.update(extra)
    return {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4},
        "modelVersion": "gemini-3-flash-preview",
        "responseId": "r1",
    }


def invoke(body: dict[str, Any], **kw: Any) -> AIMessage:
    message = result_from_response(body, **kw).generations[0].message
    assert isinstance(message, AIMessage)
    return message


def stream(events: list[Any], **kw: Any) -> tuple[list[AIMessageChunk], AIMessage]:
    state = StreamState(**kw)
    chunks: list[AIMessageChunk] = []
    for e in events:
        for piece in state.read(e):
            chunk = piece.message
            assert isinstance(chunk, AIMessageChunk)
            chunks.append(chunk)
    for closing in state.end():
        assert isinstance(closing.message, AIMessageChunk)
        chunks.append(closing.message)
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    return chunks, message_from_chunk(total)


# -- thinking ------------------------------------------------------------------------


def test_streamed_thoughts_arrive_as_reasoning_before_the_answer() -> None:
    events = load_capture("real_stream_thought_parts_gemma-4.chunks.jsonl")
    chunks, total = stream(events)
    first = content_dicts(chunks[0])
    assert first[0]["type"] == "thinking"
    assert first[0]["thinking"].startswith("*   User input")
    assert chunks[0].text == ""  # thoughts never leak into .text
    assert total.text == "hello"
    parts = [p for e in events for p in e["candidates"][0]["content"]["parts"]]
    thoughts = "".join(p["text"] for p in parts if p.get("thought"))
    assert content_dicts(total)[0]["thinking"] == thoughts
    assert total.content_blocks[0]["type"] == "reasoning"
    assert total.usage_metadata is not None
    reasoning = total.usage_metadata["output_token_details"]
    assert (
        reasoning.get("reasoning") == events[-1]["usageMetadata"]["thoughtsTokenCount"]
    )


def test_thought_signature_stays_on_the_thinking_block() -> None:
    body = event(
        [
            {"text": "Let me think.", "thought": True, "thoughtSignature": "c2lnMQ=="},
            {"text": "Answer."},
        ],
        "STOP",
    )
    body["usageMetadata"] = {
        "promptTokenCount": 3,
        "candidatesTokenCount": 2,
        "thoughtsTokenCount": 7,
        "totalTokenCount": 12,
    }
    message = invoke(body)
    assert message.content == [
        {
            "type": "thinking",
            "thinking": "Let me think.",
            "index": 0,
            "signature": "c2lnMQ==",
        },
        {"type": "text", "text": "Answer.", "index": 1},
    ]
    assert message.text == "Answer."
    assert message.usage_metadata == {
        "input_tokens": 3,
        "output_tokens": 9,
        "total_tokens": 12,
        "output_token_details": {"reasoning": 7},
    }
    assert message.content_blocks[0] == {
        "type": "reasoning",
        "reasoning": "Let me think.",
        "extras": {"signature": "c2lnMQ=="},
        "index": 0,
    }


def test_audio_token_counts_go_to_usage_details() -> None:
    usage = {
        "promptTokenCount": 30,
        "candidatesTokenCount": 50,
        "totalTokenCount": 80,
        "promptTokensDetails": [
            {"modality": "TEXT", "tokenCount": 5},
            {"modality": "AUDIO", "tokenCount": 25},
        ],
        "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": 50}],
    }
    half = {
        **usage,
        "candidatesTokenCount": 20,
        "totalTokenCount": 50,
        "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": 20}],
    }
    audio = {"inlineData": {"mimeType": "audio/L16;rate=24000", "data": "AAAA"}}
    events = [event([audio]), event([audio], "STOP")]
    events[0]["usageMetadata"], events[1]["usageMetadata"] = half, usage
    _, total = stream(events)
    assert total.usage_metadata == {
        "input_tokens": 30,
        "output_tokens": 50,
        "total_tokens": 80,
        "input_token_details": {"audio": 25},
        "output_token_details": {"audio": 50},
    }


# -- grounding, URL context, citations, logprobs ---------------------------------


def test_grounding_metadata_snake_cased_and_cited_on_text() -> None:
    body = event(
        [{"text": "Spain won Euro 2024."}], "STOP", groundingMetadata=GROUNDING
    )
    message = invoke(body)
    grounding = message.response_metadata["grounding_metadata"]
    assert grounding["web_search_queries"] == ["UEFA Euro 2024 winner"]
    assert grounding["search_entry_point"]["rendered_content"].startswith("<style>")
    assert grounding["grounding_supports"][0]["grounding_chunk_indices"] == [0, 1]
    block = message.content_blocks[0]
    assert block["type"] == "text"
    annotations = as_dicts(block["annotations"])
    assert [(a["url"], a["title"]) for a in annotations] == [
        ("https://vertexaisearch.cloud.google.com/a", "uefa.com"),
        ("https://vertexaisearch.cloud.google.com/b", "bbc.com"),
    ]
    assert {(a["start_index"], a["end_index"]) for a in annotations} == {(0, 22)}


def test_streamed_grounding_is_gathered_on_the_final_chunk() -> None:
    first_half = {**GROUNDING, "groundingChunks": GROUNDING["groundingChunks"][:1]}
    first_half.pop("groundingSupports")
    second_half = {
        "groundingChunks": GROUNDING["groundingChunks"][1:],
        "groundingSupports": GROUNDING["groundingSupports"],
        "webSearchQueries": GROUNDING["webSearchQueries"],
    }
    events = [
        event([{"text": "Spain won "}], groundingMetadata=first_half),
        event([{"text": "Euro 2024."}], "STOP", groundingMetadata=second_half),
    ]
    chunks, total = stream(events)
    assert "grounding_metadata" not in chunks[0].response_metadata
    whole = invoke(
        event([{"text": "Spain won Euro 2024."}], "STOP", groundingMetadata=GROUNDING)
    )
    key = "grounding_metadata"
    assert total.response_metadata[key] == whole.response_metadata[key]
    assert without_ids(total.content_blocks) == without_ids(whole.content_blocks)


def without_ids(blocks: list[Any]) -> list[Any]:
    """Citation ids are random: compare everything else."""
    out = []
    for block in blocks:
        notes = [{**a, "id": None} for a in block.get("annotations", ())]
        out.append({**block, "annotations": notes})
    return out


def test_url_context_citations_and_logprobs_in_response_metadata() -> None:
    logprobs = {
        "topCandidates": [
            {"candidates": [{"token": "Hi", "tokenId": 5, "logProbability": -0.1}]}
        ],
        "chosenCandidates": [{"token": "Hi", "tokenId": 5, "logProbability": -0.1}],
        "logProbabilitySum": -0.1,
    }
    body = event(
        [{"text": "Hi"}],
        "STOP",
        urlContextMetadata={
            "urlMetadata": [
                {
                    "retrievedUrl": "https://example.com/a",
                    "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS",
                }
            ]
        },
        citationMetadata={
            "citationSources": [
                {"startIndex": 0, "endIndex": 2, "uri": "https://x.org"}
            ]
        },
        logprobsResult=logprobs,
        avgLogprobs=-0.1,
    )
    meta = invoke(body).response_metadata
    assert meta["url_context_metadata"] == {
        "url_metadata": [
            {
                "retrieved_url": "https://example.com/a",
                "url_retrieval_status": "URL_RETRIEVAL_STATUS_SUCCESS",
            }
        ]
    }
    assert meta["citation_metadata"]["citation_sources"][0]["uri"] == "https://x.org"
    assert meta["logprobs_result"]["chosen_candidates"][0]["log_probability"] == -0.1
    assert meta["avg_logprobs"] == -0.1


def test_streamed_logprobs_are_concatenated_once() -> None:
    def logprobs(token: str, value: float) -> dict[str, Any]:
        step = {"token": token, "logProbability": value}
        return {"chosenCandidates": [step], "logProbabilitySum": value}

    events = [
        event([{"text": "a"}], logprobsResult=logprobs("a", -0.5)),
        event([{"text": "a"}], logprobsResult=logprobs("a", -0.5)),  # same step
        event([{"text": "b"}], "STOP", logprobsResult=logprobs("b", -0.25)),
    ]
    _, total = stream(events)
    result = total.response_metadata["logprobs_result"]
    assert [c["token"] for c in result["chosen_candidates"]] == ["a", "a", "b"]
    assert result["log_probability_sum"] == -1.25


# -- code execution ----------------------------------------------------------------


def test_code_execution_blocks_from_capture() -> None:
    body = load_capture("real_nonstream_code_execution_gemini-3-flash-preview.json")
    message = invoke(body)
    code, result, text = content_dicts(message)
    assert code["type"] == "executable_code"
    assert code["executable_code"] == "print('ok')\nprint(1/0)"
    assert code["extras"]["signature"].startswith("EjQKMgERTTIPJbX")
    assert result["type"] == "code_execution_result"
    assert result["outcome"] == 2  # OUTCOME_FAILED
    assert result["tool_call_id"] == "g4hwl40j"
    assert "ZeroDivisionError" in result["code_execution_result"]
    assert message.text.startswith("The execution")
    blocks = message.content_blocks
    kinds = [b["type"] for b in blocks]
    assert kinds == ["server_tool_call", "server_tool_result", "text"]
    result_block = blocks[1]
    assert result_block["type"] == "server_tool_result"
    assert result_block["status"] == "error"
    assert result_block["tool_call_id"] == "g4hwl40j"


# -- generated media ----------------------------------------------------------------


def test_generated_image_is_an_image_block_with_its_signature() -> None:
    """Default output: an ``image_url`` data URI, shown as ``image`` (defect 6)."""
    events = load_capture("stream_image_gemini-3-pro-image-preview_SANITIZED.sse")
    _, total = stream(events)
    image = content_dicts(total)[0]
    assert image == {
        "type": "image_url",
        "image_url": {"url": "data:image/jpeg;base64,AA=="},
        "index": 0,
        "extras": {"signature": "live-image-thought-signature"},
    }
    [shown] = [b for b in total.content_blocks if b["type"] == "image"]
    assert (shown["base64"], shown["mime_type"]) == ("AA==", "image/jpeg")
    v1 = StreamState(output_version="v1")
    merged = _merge_all([c.message for e in events for c in v1.read(e)])
    [block] = [b for b in merged.content_blocks if b["type"] == "image"]
    assert block["extras"] == {"signature": "live-image-thought-signature"}


def _merge_all(chunks: list[Any]) -> Any:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def test_thought_image_is_reasoning_not_an_answer_image() -> None:
    """An ``inlineData`` part with ``thought: true`` (defect 9)."""
    body = {
        "candidates": [
            {
                "content": {
                    "parts": [
                        {
                            "inlineData": {"mimeType": "image/png", "data": "AQ=="},
                            "thought": True,
                        },
                        {
                            "inlineData": {"mimeType": "image/png", "data": "Ag=="},
                            "thoughtSignature": "c2ln",
                        },
                    ]
                },
                "finishReason": "STOP",
            }
        ]
    }
    for version in (None, "v1"):
        message = (
            result_from_response(body, output_version=version).generations[0].message
        )
        images = [b["base64"] for b in message.content_blocks if b["type"] == "image"]
        assert images == ["Ag=="]
        assert [b["type"] for b in message.content_blocks] == ["reasoning", "image"]
        thought = content_dicts(message)[0]
        assert thought["type"] == ("reasoning" if version else "thinking")
        assert thought["extras"]["image"] == {
            "base64": "AQ==",
            "mime_type": "image/png",
        }


def test_no_image_finish_reason_gives_empty_content() -> None:
    body = load_capture("real_nonstream_no_image_gemini-3.1-flash-image-preview.json")
    message = invoke(body)
    assert message.content == ""
    assert message.response_metadata["finish_reason"] == "NO_IMAGE"


@pytest.mark.parametrize(
    ("mime", "rate"),
    [
        ("audio/L16;codec=pcm;rate=24000", 24000),
        ("audio/L16; rate=16000", 16000),
        ("audio/wav", None),
    ],
)
def test_sample_rate_from_mime(mime: str, rate: int | None) -> None:
    assert sample_rate(mime) == rate


def test_streamed_audio_pieces_merge_into_separate_valid_blocks() -> None:
    pcm = [bytes(range(i, i + 5)) for i in range(3)]  # 5 bytes: padded base64
    mime = "audio/L16;codec=pcm;rate=24000"
    events = [
        event(
            [{"inlineData": {"mimeType": mime, "data": base64.b64encode(p).decode()}}]
        )
        for p in pcm
    ]
    events[-1]["candidates"][0]["finishReason"] = "STOP"
    _, total = stream(events)
    blocks = content_dicts(total)
    assert [b["type"] for b in blocks] == ["audio"] * 3
    assert [base64.b64decode(b["base64"]) for b in blocks] == pcm
    assert all(b["extras"] == {"sample_rate": 24000} for b in blocks)
    assert len({b["index"] for b in blocks}) == 3


# -- output_version="v1" -----------------------------------------------------------


def test_v1_code_execution_keeps_signatures_and_status() -> None:
    body = load_capture("real_nonstream_code_execution_gemini-3-flash-preview.json")
    message = invoke(body, output_version="v1")
    call, result, text = content_dicts(message)
    assert message.response_metadata["output_version"] == "v1"
    assert call["type"] == "server_tool_call" and call["name"] == "code_interpreter"
    assert call["args"] == {"code": "print('ok')\nprint(1/0)", "language": "PYTHON"}
    assert call["extras"]["signature"].startswith("EjQKMgERTTIPJbX")
    assert result["status"] == "error"
    assert result["extras"]["outcome"] == "OUTCOME_FAILED"
    assert text["type"] == "text" and text["extras"]["signature"].startswith("EjQK")
    assert message.content_blocks == message.content


def test_v1_stream_text_signature_and_tool_calls() -> None:
    name = "real_stream_function_call_gemini-3.1-pro-preview.chunks.jsonl"
    events = load_capture(name)
    _, total = stream(events, output_version="v1")
    calls = [b for b in content_dicts(total) if b["type"] == "tool_call"]
    assert [(c["name"], c["args"], c["id"]) for c in calls] == [
        ("get_weather", {"city": "San Francisco"}, "g1bmv6il")
    ]
    assert total.tool_calls[0]["id"] == "g1bmv6il"


def test_v1_grounding_citations_on_first_text_block_when_streamed() -> None:
    events = [
        event([{"text": "Spain won "}]),
        event([{"text": "Euro 2024."}], "STOP", groundingMetadata=GROUNDING),
    ]
    _, total = stream(events, output_version="v1")
    (text,) = content_dicts(total)
    assert text["text"] == "Spain won Euro 2024."
    assert [a["title"] for a in text["annotations"]] == ["uefa.com", "bbc.com"]
