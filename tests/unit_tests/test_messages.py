"""LangChain messages -> Gemini contents (the core rules)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
)

from langchain_cometgemini._wire.messages import convert_messages

MODEL = "gemini-2.5-flash"


def convert(messages: list[BaseMessage], model: str = MODEL) -> Any:
    return convert_messages(messages, model=model)


def test_system_messages_anywhere_become_system_instruction_in_order() -> None:
    system, contents = convert(
        [
            SystemMessage("be brief"),
            HumanMessage("hi"),
            SystemMessage("answer in French"),
            AIMessage("salut"),
        ]
    )
    assert system == {"parts": [{"text": "be brief"}, {"text": "answer in French"}]}
    assert contents == [
        {"role": "user", "parts": [{"text": "hi"}]},
        {"role": "model", "parts": [{"text": "salut"}]},
    ]


def test_consecutive_same_role_turns_are_merged() -> None:
    _, contents = convert(
        [HumanMessage("a"), HumanMessage("b"), AIMessage("c"), AIMessage("d")]
    )
    assert contents == [
        {"role": "user", "parts": [{"text": "a"}, {"text": "b"}]},
        {"role": "model", "parts": [{"text": "c"}, {"text": "d"}]},
    ]


def test_list_of_text_blocks_and_strings() -> None:
    message = HumanMessage(content=[{"type": "text", "text": "one"}, "two"])
    _, contents = convert([message])
    assert contents[0]["parts"] == [{"text": "one"}, {"text": "two"}]


@pytest.mark.parametrize(
    ("role", "expected"),
    [("user", "user"), ("human", "user"), ("assistant", "model"), ("model", "model")],
)
def test_chat_message_roles(role: str, expected: str) -> None:
    _, contents = convert([ChatMessage(role=role, content="x")])
    assert contents[0]["role"] == expected


def test_empty_conversation_raises_value_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        convert([])


def test_only_system_messages_raise_value_error() -> None:
    with pytest.raises(ValueError, match="only system"):
        convert([SystemMessage("rules")])


def test_unknown_content_block_type_raises_value_error() -> None:
    message = HumanMessage(content=[{"type": "hologram", "data": "x"}])
    with pytest.raises(ValueError, match="hologram"):
        convert([message])


def test_unsupported_chat_role_raises_value_error() -> None:
    with pytest.raises(ValueError, match="tool"):
        convert([ChatMessage(role="tool", content="x")])


def test_unsupported_message_type_raises_value_error() -> None:
    class CustomMessage(BaseMessage):
        type: str = "custom"

    with pytest.raises(ValueError, match="CustomMessage"):
        convert([CustomMessage(content="x")])


def test_text_signatures_replay_at_their_offsets() -> None:
    ai = AIMessage(
        content="4",
        additional_kwargs={
            "__gemini_text_thought_signatures__": [{"offset": 1, "signature": "SIG"}]
        },
    )
    _, contents = convert([HumanMessage("2+2?"), ai], model="gemini-3-pro-preview")
    assert contents[1]["parts"] == [
        {"text": "4"},
        {"text": "", "thoughtSignature": "SIG"},
    ]


def test_signature_on_whole_text_part() -> None:
    ai = AIMessage(
        content="answer",
        additional_kwargs={
            "__gemini_text_thought_signatures__": [{"offset": 0, "signature": "U1NT"}]
        },
    )
    _, contents = convert([HumanMessage("q"), ai])
    assert contents[1]["parts"] == [{"text": "answer", "thoughtSignature": "U1NT"}]


def test_empty_human_text_is_not_sent_as_an_empty_part() -> None:
    _, contents = convert([HumanMessage(""), HumanMessage("real")])
    assert contents == [{"role": "user", "parts": [{"text": "real"}]}]
