"""``Reply``: what the emulator answers to one request, normal or faulty.

A ``Reply`` is plain data: a status and JSON ``body`` (or ``raw`` bytes), the
stream ``chunks``, and fault knobs (``delay``, ``event_delay``,
``drop_after``, ``reset``, ``error_event``, ``raw_events``). Class methods
build the common cases, and each takes the first four as keyword options
(:class:`Faults`); see :class:`Reply`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, Unpack

from langchain_cometgemini.testing import _build
from langchain_cometgemini.testing._errors import google_error, retry_info

Body = dict[str, Any]


class Faults(TypedDict, total=False):
    """The fault options every ``Reply`` builder takes (see :class:`Reply`).

    ``Reply.text("hi", event_delay=0.5, drop_after=2)``: a stream that sends two
    events half a second apart, then closes the connection.
    """

    delay: float
    event_delay: float
    drop_after: int | None
    reset: bool


def captures_dir() -> Path:
    """Where relative capture names are looked up: ``$COMETGEMINI_CAPTURES`` or "."."""
    return Path(os.environ.get("COMETGEMINI_CAPTURES", "."))


@dataclass
class Reply:
    """One answer of the emulator.

    Attributes:
        status: HTTP status code.
        body: JSON body (a ``GenerateContentResponse`` or an error body).
        raw: Bytes sent verbatim instead of ``body`` (malformed JSON, HTML).
        content_type: Content type; defaults to JSON (or SSE for streams).
        headers: Extra response headers, e.g. ``Retry-After``.
        chunks: Stream events; merged into one response for non-stream calls.
        delay: Seconds to wait before sending the status line.
        event_delay: Seconds to wait between stream events.
        drop_after: Close the connection abruptly after this many stream
            events (``0``: close before sending any response).
        reset: With ``drop_after`` (required): end the connection with a TCP
            reset (RST, "connection reset by peer") instead of a clean close
            (FIN).
        error_event: Sent as ``data: {"error": ...}`` after the chunks.
        raw_events: ``data:`` payloads sent verbatim after the chunks.
        synthetic: Built by a constructor: the emulator fills in the prompt
            token count and adds Gemini 3 thought signatures.
    """

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[Body] | None = None
    delay: float = 0.0
    event_delay: float = 0.0
    drop_after: int | None = None
    reset: bool = False
    error_event: Body | None = None
    raw_events: list[str] | None = None
    synthetic: bool = False

    def __post_init__(self) -> None:
        if self.reset and self.drop_after is None:
            msg = (
                "Reply(reset=True) needs drop_after: the reset ends the connection "
                "where the reply is cut (drop_after=0: before any response)"
            )
            raise ValueError(msg)

    @classmethod
    def text(
        cls,
        text: str,
        *,
        model: str | None = None,
        finish_reason: str | None = "STOP",
        n_chunks: int | None = None,
        thought: str | None = None,
        signature: str | None = None,
        usage: Body | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """A realistic text answer.

        Args:
            text: The answer text.
            model: ``modelVersion`` to report (default: the requested model).
            finish_reason: ``finishReason`` of the last chunk (None: omit it).
            n_chunks: Number of stream events for the text (default 3, at most
                one per word).
            thought: Text of a leading thought part (``thought: true``).
            signature: Thought signature for the end of the answer; on Gemini 3
                models one is issued automatically when not given.
            usage: ``usageMetadata`` of the final response (default: counted
                in words, prompt tokens from the request).
            faults: ``delay``, ``event_delay``, ``drop_after``, ``reset``.
        """
        pieces = _build.split_text(text, n_chunks or 3)
        thoughts = _build.count_words(thought) if thought else 0
        chunk_parts: list[list[Body]] = []
        if thought:
            chunk_parts.append([{"text": thought, "thought": True}])
        chunk_parts += [[{"text": piece}] for piece in pieces]
        if signature:
            chunk_parts.append([{"text": "", "thoughtSignature": signature}])
        reply = cls._from_parts(chunk_parts, thoughts, usage, finish_reason, model)
        return reply._with(faults)

    @classmethod
    def function_call(
        cls,
        name: str,
        args: Body | None = None,
        *,
        id: str | None = None,
        signature: str | None = None,
        text: str | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """A single function call, optionally preceded by some text.

        Args:
            name: Function name.
            args: Call arguments (default ``{}``).
            id: ``functionCall.id`` (Gemini 3.1+ style), omitted if None.
            signature: Thought signature of the call; on Gemini 3 models one
                is issued automatically when not given.
            text: Text part sent before the call (its own stream event).
            faults: ``delay``, ``event_delay``, ``drop_after``, ``reset``.
        """
        call = _call_part(name, args, id)
        if signature:
            call["thoughtSignature"] = signature
        chunk_parts = [[{"text": text}]] if text else []
        chunk_parts.append([call])
        return cls._from_parts(chunk_parts, 0, None, "STOP", None)._with(faults)

    @classmethod
    def function_calls(cls, calls: list[Any], **faults: Unpack[Faults]) -> Reply:
        """Parallel function calls, all in one part list (and one stream event).

        Args:
            calls: ``(name, args)`` or ``(name, args, id)`` tuples, or dicts
                with ``name``, ``args`` and optional ``id``.
            faults: ``delay``, ``event_delay``, ``drop_after``, ``reset``.
        """
        parts = [
            _call_part(c["name"], c.get("args"), c.get("id"))
            if isinstance(c, dict)
            else _call_part(*c)
            for c in calls
        ]
        return cls._from_parts([parts], 0, None, "STOP", None)._with(faults)

    @classmethod
    def empty(
        cls,
        finish_reason: str = "STOP",
        *,
        finish_message: str | None = None,
        thought: str | None = None,
        prompt_blocked: bool = False,
        usage: Body | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """An answer with no usable content (what ``on_empty_answer`` acts on).

        ``Reply.empty("MALFORMED_FUNCTION_CALL", finish_message="Malformed
        function call: print(default_api.f(x=)")`` is the HTTP 200 Gemini
        sends when the model wrote a broken call.

        Args:
            finish_reason: The candidate's ``finishReason`` (any value, also
                one Gemini has not documented yet); with ``prompt_blocked``,
                the ``promptFeedback.blockReason``.
            finish_message: ``finishMessage`` (for ``MALFORMED_FUNCTION_CALL``,
                the text of the broken call).
            thought: A thought part sent first (a ``MAX_TOKENS`` spent
                thinking); thoughts alone are no content.
            prompt_blocked: The prompt itself is blocked: ``promptFeedback``
                and no candidate.
            usage: ``usageMetadata`` (default: the thought's words; prompt
                tokens from the request).
            faults: ``delay``, ``event_delay``, ``drop_after``, ``reset``.
        """
        if prompt_blocked:
            feedback = {"blockReason": finish_reason, "safetyRatings": []}
            meta = usage or _build.usage(0)
            event = {"promptFeedback": feedback, "usageMetadata": meta}
            blocked = cls(body=event, chunks=[event], synthetic=True)
            return blocked._with(faults)
        thoughts = _build.count_words(thought) if thought else 0
        meta = usage or _build.usage(0, 0, thoughts)
        chunks = []
        if thought:
            part = {"text": thought, "thought": True}
            chunks.append(_build.response([part], meta, None, None))
        last: Body = {"finishReason": finish_reason, "index": 0}
        if finish_message is not None:
            last["finishMessage"] = finish_message
        chunks.append({"candidates": [last], "usageMetadata": meta})
        body = _build.merge_chunks(chunks)
        if not thought:
            del body["candidates"][0]["content"]  # as Gemini: no parts at all
        return cls(body=body, chunks=chunks, synthetic=True)._with(faults)

    @classmethod
    def _from_parts(
        cls,
        chunk_parts: list[list[Body]],
        thoughts: int,
        usage: Body | None,
        finish_reason: str | None,
        model: str | None,
    ) -> Reply:
        chunks, produced = [], 0
        for index, parts in enumerate(chunk_parts):
            produced += sum(_part_words(p) for p in parts if not p.get("thought"))
            last = index == len(chunk_parts) - 1
            meta = _partial_usage(usage, produced) if usage else None
            meta = meta or _build.usage(0, produced, thoughts)
            reason = finish_reason if last else None
            chunks.append(_build.response(parts, meta, reason, model))
        body = _build.merge_chunks(chunks)
        return cls(body=body, chunks=chunks, synthetic=True)

    @classmethod
    def error(
        cls,
        code: int,
        message: str,
        status: str | None = None,
        *,
        details: list[Body] | None = None,
        retry_after: str | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """A Google-shaped error with HTTP status ``code`` (and ``faults``)."""
        headers = {"Retry-After": retry_after} if retry_after else {}
        body = google_error(code, message, status, details)
        return cls(status=code, body=body, headers=headers, **faults)

    @classmethod
    def rate_limited(
        cls,
        retry_delay: str | None = "1s",
        retry_after: str | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """A 429 ``RESOURCE_EXHAUSTED`` with RetryInfo and/or ``Retry-After``."""
        details = [retry_info(retry_delay)] if retry_delay else None
        message = "You exceeded your current quota, please check your plan."
        if retry_delay:
            message += f"\nPlease retry in {retry_delay}."
        return cls.error(
            429, message, details=details, retry_after=retry_after, **faults
        )

    @classmethod
    def comet_error(
        cls,
        http_status: int,
        message: str,
        code: str,
        type: str = "comet_api_error",
        **faults: Unpack[Faults],
    ) -> Reply:
        """A CometAPI gateway error ``{"error": {"message", "type", "code"}}``."""
        request_id = secrets.token_hex(13)
        text = f"{message} (request id: {request_id})"
        body = {"error": {"message": text, "type": type, "code": code}}
        return cls(status=http_status, body=body, **faults)

    @classmethod
    def html(cls, status: int, html: str, **faults: Unpack[Faults]) -> Reply:
        """An HTML page (what a proxy or wrong path may answer)."""
        raw = html.encode("utf-8")
        content_type = "text/html; charset=utf-8"
        return cls(status=status, raw=raw, content_type=content_type, **faults)

    @classmethod
    def drop(cls) -> Reply:
        """Close the connection without sending any response."""
        return cls(drop_after=0)

    @classmethod
    def connection_reset(cls) -> Reply:
        """Reset the connection (TCP RST) without sending any response."""
        return cls(drop_after=0, reset=True)

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Reply:
        """A redirect to ``location``."""
        html = f'<a href="{location}">Moved</a>.\n'.encode()
        headers = {"Location": location}
        content_type = "text/html; charset=utf-8"
        return cls(status=status, raw=html, headers=headers, content_type=content_type)

    @classmethod
    def from_capture(cls, path: str | Path, **faults: Unpack[Faults]) -> Reply:
        """Load a capture (``.json``, ``.jsonl``, ``.chunks.txt``, ``.sse``).

        A relative path that does not exist from the working directory is
        looked up in ``$COMETGEMINI_CAPTURES``.
        ``errors.json#429_quota`` picks one entry of the error collection.
        ``faults``: ``delay``, ``event_delay``, ``drop_after``, ``reset``.
        """
        name, _, entry = str(path).partition("#")
        file = Path(name)
        if not file.is_absolute() and not file.exists():
            file = captures_dir() / file
        text = file.read_text(encoding="utf-8")
        if file.suffix == ".json":
            return _json_capture(json.loads(text), entry)._with(faults)
        if file.suffix == ".sse":
            lines = [
                ln[5:].strip() for ln in text.splitlines() if ln.startswith("data:")
            ]
        else:
            lines = [ln for ln in text.splitlines() if ln.strip()]
        return cls(chunks=[json.loads(line) for line in lines], **faults)

    def _with(self, faults: Faults) -> Reply:
        """This reply with ``faults`` set (a copy when there are any)."""
        return dataclasses.replace(self, **faults) if faults else self


def _json_capture(data: Any, entry: str) -> Reply:
    if entry:
        data = data[entry]
        return Reply(status=int(data.get("http_status", 200)), body=data["body"])
    if isinstance(data, dict) and isinstance(data.get("response"), dict):
        response = data["response"]
        if "body" in response:
            return Reply(status=int(response.get("status", 200)), body=response["body"])
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), int):
        return Reply(status=error["code"], body=data)
    return Reply(body=data)


def _partial_usage(usage: Body, produced: int) -> Body:
    """Scale a final ``usage`` down to what has been produced so far."""
    meta = dict(usage)
    final = int(meta.get("candidatesTokenCount", 0))
    if produced < final:
        meta["candidatesTokenCount"] = produced
        meta["totalTokenCount"] = int(meta.get("totalTokenCount", 0)) - final + produced
        if not produced:
            del meta["candidatesTokenCount"]
    return meta


def _call_part(name: str, args: Body | None = None, id: str | None = None) -> Body:
    call: Body = {"name": name, "args": args if args is not None else {}}
    if id:
        call["id"] = id
    return {"functionCall": call}


def _part_words(part: Body) -> int:
    if "text" in part:
        return _build.count_words(part["text"])
    return _build.count_words(json.dumps(part.get("functionCall", part)))
