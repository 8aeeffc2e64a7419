"""Grounding, URL context and code execution through the emulator.

The emulator answers with bodies shaped like the real API's (the grounding
fields as the discovery document names them; code execution from a capture).
"""

from __future__ import annotations

import copy
from typing import Any

from langchain_core.messages import AIMessageChunk, HumanMessage

from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.conftest import CAPTURES, load_capture
from tests.support import as_dicts, content_dicts, make_model

ANSWER = "Spain won Euro 2024, beating England 2-1."
GROUNDING = {
    "webSearchQueries": ["Euro 2024 winner"],
    "searchEntryPoint": {"renderedContent": '<div class="container">...</div>'},
    "groundingChunks": [
        {
            "web": {
                "uri": "https://vertexaisearch.cloud.google.com/r/1",
                "title": "uefa.com",
            }
        },
        {
            "web": {
                "uri": "https://vertexaisearch.cloud.google.com/r/2",
                "title": "bbc.co.uk",
            }
        },
    ],
    "groundingSupports": [
        {
            "segment": {"startIndex": 0, "endIndex": 19, "text": "Spain won Euro 2024"},
            "groundingChunkIndices": [0],
        },
        {
            "segment": {
                "startIndex": 21,
                "endIndex": 41,
                "text": "beating England 2-1.",
            },
            "groundingChunkIndices": [0, 1],
        },
    ],
}
URL_CONTEXT = {
    "urlMetadata": [
        {
            "retrievedUrl": "https://example.com/news",
            "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS",
        }
    ]
}


def grounded_chunks() -> list[dict[str, Any]]:
    """Two events: the text, then the rest with grounding and URL context."""
    usage = {"promptTokenCount": 9, "candidatesTokenCount": 12, "totalTokenCount": 21}

    def event(text: str, **candidate: Any) -> dict[str, Any]:
        content = {"role": "model", "parts": [{"text": text}]}
        return {
            "candidates": [{"content": content, "index": 0, **candidate}],
            "usageMetadata": usage,
        }

    return [
        event(ANSWER[:20]),
        event(
            ANSWER[20:],
            finishReason="STOP",
            groundingMetadata=copy.deepcopy(GROUNDING),
            urlContextMetadata=URL_CONTEXT,
        ),
    ]


def test_search_grounding_metadata_and_citations(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(Reply(chunks=grounded_chunks()))
    llm = make_model(gemini_emulator).bind_tools(
        [{"google_search": {}}, {"url_context": {}}]
    )
    message = llm.invoke("Who won Euro 2024? See https://example.com/news")
    assert gemini_emulator.last_request.body["tools"] == [
        {"googleSearch": {}},
        {"urlContext": {}},
    ]
    assert message.content == ANSWER
    meta = message.response_metadata
    grounding = meta["grounding_metadata"]
    assert grounding["web_search_queries"] == ["Euro 2024 winner"]
    assert grounding["grounding_chunks"][1]["web"]["title"] == "bbc.co.uk"
    assert grounding["search_entry_point"]["rendered_content"].startswith("<div")
    assert meta["url_context_metadata"]["url_metadata"][0]["retrieved_url"] == (
        "https://example.com/news"
    )
    (text,) = message.content_blocks
    assert text["type"] == "text"
    cited = [(c["cited_text"], c["title"]) for c in as_dicts(text["annotations"])]
    assert cited == [
        ("Spain won Euro 2024", "uefa.com"),
        ("beating England 2-1.", "uefa.com"),
        ("beating England 2-1.", "bbc.co.uk"),
    ]


async def test_streamed_grounding_equals_invoked(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(
        Reply(chunks=grounded_chunks()), Reply(chunks=grounded_chunks())
    )
    llm = make_model(gemini_emulator)
    invoked = await llm.ainvoke("Who won?")
    chunks = [c async for c in llm.astream("Who won?")]
    assert "grounding_metadata" not in chunks[0].response_metadata
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    key = "grounding_metadata"
    assert total.response_metadata[key] == invoked.response_metadata[key]
    assert total.text == invoked.text == ANSWER


def test_citation_metadata(gemini_emulator: GeminiEmulator) -> None:
    body = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "def quicksort(a):"}]},
                "finishReason": "STOP",
                "citationMetadata": {
                    "citationSources": [
                        {
                            "startIndex": 0,
                            "endIndex": 17,
                            "uri": "https://github.com/x/y",
                            "license": "mit",
                        }
                    ]
                },
            }
        ]
    }
    gemini_emulator.enqueue(Reply(body=body))
    message = make_model(gemini_emulator).invoke("Write quicksort")
    assert message.response_metadata["citation_metadata"] == {
        "citation_sources": [
            {
                "start_index": 0,
                "end_index": 17,
                "uri": "https://github.com/x/y",
                "license": "mit",
            }
        ]
    }


def test_code_execution_blocks_replay_in_the_next_turn(
    gemini_emulator: GeminiEmulator,
) -> None:
    capture = "real_nonstream_code_execution_gemini-3-flash-preview.json"
    gemini_emulator.enqueue(Reply.from_capture(CAPTURES / capture))
    llm = make_model(gemini_emulator, model="gemini-3-flash-preview").bind_tools(
        [{"code_execution": {}}]
    )
    first = llm.invoke("Run print('ok') then 1/0")
    assert gemini_emulator.last_request.body["tools"] == [{"codeExecution": {}}]
    kinds = [b["type"] for b in content_dicts(first)]
    assert kinds == ["executable_code", "code_execution_result", "text"]
    assert first.text.startswith("The execution of the code snippet")
    assert [b["type"] for b in first.content_blocks] == [
        "server_tool_call",
        "server_tool_result",
        "text",
    ]
    result = first.content_blocks[1]
    assert result["type"] == "server_tool_result" and result["status"] == "error"
    assert first.usage_metadata is not None
    assert first.usage_metadata["input_tokens"] == 23 + 161  # + tool-use prompt

    llm.invoke([HumanMessage("Run print('ok') then 1/0"), first, HumanMessage("Why?")])
    replayed = gemini_emulator.last_request.contents[1]
    sent = load_capture(capture)["candidates"][0]["content"]
    assert replayed == sent  # code, result, text: ids and signatures included
