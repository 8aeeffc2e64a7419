"""Answers with no usable content: which they are, why, and what to say.

Pure decisions (no I/O); the policy acting on them (return, raise, retry) is
``_empty.py``. Flow::

    has_content(message or chunk)   visible text, a tool call, media, code -> True
    verdict(metadata)               for an answer without content: the
                                     finish reason (or the prompt's block
                                     reason), finish message, explanation and
                                     whether asking again may help (REASONS)
    Verdict.explanation             the sentence put in
                                     response_metadata["empty_answer"]
    Verdict.warn()                  an EmptyAnswerWarning, once per reason per
                                     process
    Verdict.error(...)              AnswerRefusedError | AnswerFailedError

``REASONS`` is the one table of finish reasons (Google's discovery document
and google-genai 3.x) and what each means; the README's table mirrors it.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, NamedTuple

from langchain_core.messages import BaseMessage

from langchain_cometgemini._process import Once
from langchain_cometgemini.errors import (
    AnswerFailedError,
    AnswerRefusedError,
    EmptyAnswerError,
    EmptyAnswerWarning,
)

Kind = Literal["retry", "refused", "failed"]
"""``retry``: asking again may help (the only reasons ``"retry"`` re-asks);
``refused``: content withheld, an ``AnswerRefusedError``; ``failed``: nothing
produced and asking the same again would not help, an ``AnswerFailedError``."""


class Reason(NamedTuple):
    """What a finish reason means for an answer without content."""

    kind: Kind
    text: str


REASONS: dict[str, Reason] = {
    "STOP": Reason("retry", "the model stopped without writing anything"),
    "MALFORMED_FUNCTION_CALL": Reason(
        "retry",
        "the model wrote a function call that is not valid, so no tool was "
        "called (finish_message holds the broken call)",
    ),
    "UNEXPECTED_TOOL_CALL": Reason(
        "retry", "the model called a tool although no tool is enabled for it"
    ),
    "MAX_TOKENS": Reason(
        "failed",
        "the output token limit was reached before any answer (often all "
        "spent thinking); raise max_output_tokens or lower the thinking level",
    ),
    "TOO_MANY_TOOL_CALLS": Reason(
        "failed", "the model called too many tools in a row and Gemini stopped it"
    ),
    "OTHER": Reason("failed", "Gemini stopped for a reason it does not name"),
    "FINISH_REASON_UNSPECIFIED": Reason("failed", "Gemini gave no finish reason"),
    "NO_IMAGE": Reason("failed", "an image was expected but the model generated none"),
    "IMAGE_OTHER": Reason("failed", "image generation stopped for another reason"),
    "MISSING_THOUGHT_SIGNATURE": Reason(
        "failed", "a replayed model turn lacks its thought signature"
    ),
    "MALFORMED_RESPONSE": Reason("failed", "Gemini produced a malformed response"),
    "ESCALATION": Reason("failed", "Gemini stopped with ESCALATION (undocumented)"),
    "PUP_LIMITED_DISABLED": Reason(
        "failed", "Gemini stopped with PUP_LIMITED_DISABLED (undocumented)"
    ),
    "CONTINUATION": Reason("failed", "Gemini stopped with CONTINUATION (undocumented)"),
    "SAFETY": Reason(
        "refused", "the answer was withheld by the safety filters (safety_ratings)"
    ),
    "RECITATION": Reason(
        "refused", "the answer was withheld for reciting existing content"
    ),
    "LANGUAGE": Reason(
        "refused", "the answer was withheld for using an unsupported language"
    ),
    "BLOCKLIST": Reason(
        "refused", "the answer was withheld for terms on the blocklist"
    ),
    "PROHIBITED_CONTENT": Reason(
        "refused", "the answer was withheld for prohibited content"
    ),
    "SPII": Reason(
        "refused", "the answer was withheld for sensitive personal information"
    ),
    "IMAGE_SAFETY": Reason(
        "refused", "the generated image was withheld by the safety filters"
    ),
    "IMAGE_PROHIBITED_CONTENT": Reason(
        "refused", "the generated image was withheld for prohibited content"
    ),
    "IMAGE_RECITATION": Reason(
        "refused", "the generated image was withheld for reciting existing content"
    ),
    "MODEL_ARMOR": Reason("refused", "the answer was withheld by Model Armor"),
}
"""Every finish reason Gemini documents (discovery document and google-genai)."""

BLOCKED_PROMPT = Reason(
    "refused",
    "the prompt was blocked (prompt_feedback says why); nothing was generated",
)


def _unknown(reason: str) -> Reason:
    return Reason(
        "failed", f"Gemini stopped with {reason}, a reason new to this package"
    )


_NOT_CONTENT = frozenset({"text", "reasoning", "thinking"})
"""Block types that are not content by themselves (text counts when non-blank)."""


def has_content(message: BaseMessage) -> bool:
    """Whether ``message`` (or a chunk) holds something a caller can use.

    Visible non-blank text, a named tool call, or any block that is neither
    text nor reasoning (an image, audio, code, a server tool's call or result).
    Thoughts alone, blank text and nameless calls are no content.
    """
    content = message.content
    if isinstance(content, str):
        if content.strip():
            return True
    else:
        for block in content:
            if isinstance(block, str):
                if block.strip():
                    return True
            elif block.get("type") not in _NOT_CONTENT:
                return True
            elif block.get("type") == "text" and str(block.get("text", "")).strip():
                return True
    calls = getattr(message, "tool_call_chunks", None) or getattr(
        message, "tool_calls", None
    )
    return any(call.get("name") for call in calls or ())


class Verdict(NamedTuple):
    """Why an answer holds no content, and what may be done about it."""

    reason: str
    finish_message: str | None
    meaning: Reason
    blocked_prompt: bool = False

    @property
    def retryable(self) -> bool:
        """Asking again may help (the reasons ``"retry"`` re-asks)."""
        return self.meaning.kind == "retry"

    @property
    def label(self) -> str:
        """The finish reason, or ``prompt blocked: REASON``."""
        return f"prompt blocked: {self.reason}" if self.blocked_prompt else self.reason

    @property
    def explanation(self) -> str:
        """One readable sentence (or two, with Gemini's finish message)."""
        text = f"Gemini returned no usable content ({self.label}): {self.meaning.text}."
        if self.finish_message:
            text += f" Gemini's message: {self.finish_message}"
        return text

    def warn(self) -> None:
        """Warn once per reason per process (an ``EmptyAnswerWarning``)."""
        if not _WARNED.first(self.label):
            return
        warnings.warn(
            f"{self.explanation}{_end(self.explanation)} The empty answer is returned; "
            'on_empty_answer="raise" or "retry" acts on it instead '
            "(this warning is shown once per finish reason).",
            EmptyAnswerWarning,
            stacklevel=2,
        )

    def error(
        self,
        answer: BaseMessage,
        usage: Any,
        candidate: dict[str, Any] | None,
    ) -> EmptyAnswerError:
        """The typed error of ``on_empty_answer="raise"``."""
        cls = (
            AnswerRefusedError if self.meaning.kind == "refused" else AnswerFailedError
        )
        return cls(
            self.explanation,
            finish_reason=self.reason,
            finish_message=self.finish_message,
            usage_metadata=usage,
            candidate=candidate,
            answer=answer,
            blocked_prompt=self.blocked_prompt,
            retryable=self.retryable,
        )


def verdict(metadata: dict[str, Any]) -> Verdict:
    """Why an answer without content (:func:`has_content`) has none.

    ``metadata`` is the answer's ``response_metadata`` (for a stream, its
    finishing chunk's).
    """
    reason = str(metadata.get("finish_reason") or "FINISH_REASON_UNSPECIFIED")
    finish_message = metadata.get("finish_message")
    block = (metadata.get("prompt_feedback") or {}).get("block_reason")
    if block:
        return Verdict(str(block), finish_message, BLOCKED_PROMPT, blocked_prompt=True)
    return Verdict(reason, finish_message, REASONS.get(reason) or _unknown(reason))


_WARNED = Once()
"""Finish reasons warned about in this process."""


def forget_warnings() -> None:
    """Warn again for reasons already warned about (tests start clean with it)."""
    _WARNED.forget()


def _end(text: str) -> str:
    """A full stop after Gemini's own message when it has none (it may be cut)."""
    return "" if text.endswith((".", "!", "?")) else "."
