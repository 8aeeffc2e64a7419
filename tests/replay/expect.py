"""What a recorded answer must become, computed from the raw JSON alone.

Deliberately independent of the package's converters: plain loops over the
recorded events (a unary body is a one-event stream), following Google's
discovery document for field meanings.

The corpus is tests/data/recordings plus every directory named in the
``COMETGEMINI_RECORDINGS`` environment variable (``os.pathsep``-separated,
same ``<name>.meta.json`` + body format), so a larger local corpus is
replayed by the same cases: ``COMETGEMINI_RECORDINGS=/tmp/more pytest
tests/replay``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).parent.parent / "data" / "recordings"
EXTRA_RECORDINGS = "COMETGEMINI_RECORDINGS"


@dataclass
class Recording:
    """One recorded exchange: metadata, raw body bytes and decoded events."""

    name: str
    meta: dict[str, Any]
    raw: bytes

    @property
    def kind(self) -> str:
        return str(self.meta["kind"])

    @property
    def is_stream(self) -> bool:
        return str(self.meta["body_file"]).endswith(".sse")

    @property
    def content_type(self) -> str:
        if self.is_stream:
            return "text/event-stream"
        return self.meta.get("content_type") or "application/json; charset=UTF-8"

    def events(self) -> list[dict[str, Any]]:
        """The decoded answer: SSE ``data:`` lines, or the one JSON body."""
        if not self.is_stream:
            return [json.loads(self.raw)]
        events = []
        for line in self.raw.decode("utf-8").splitlines():
            if line.startswith("data:"):
                events.append(json.loads(line[len("data:") :]))
        return events


def recording_dirs() -> list[Path]:
    """The committed corpus, then any extra directories from the environment."""
    extra = os.environ.get(EXTRA_RECORDINGS, "")
    return [RECORDINGS, *(Path(d) for d in extra.split(os.pathsep) if d)]


def all_recordings() -> list[Recording]:
    """Every ``*.meta.json`` of the corpus with its body file, names unique."""
    found: dict[str, Recording] = {}
    for directory in recording_dirs():
        for meta_path in sorted(directory.glob("*.meta.json")):
            meta = json.loads(meta_path.read_text())
            raw = (directory / meta["body_file"]).read_bytes()
            name = meta_path.name[: -len(".meta.json")]
            if name in found:
                raise ValueError(f"recording {name} is in two directories")
            found[name] = Recording(name, meta, raw)
    return list(found.values())


@dataclass
class Expected:
    """The caller-visible facts of one answer."""

    text: str = ""
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)
    thought_images: list[tuple[str, str]] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    code_outputs: list[str] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    finish_reason: str | None = None
    model_name: str | None = None
    response_id: str | None = None
    create_time: str | None = None
    grounding_chunks: list[Any] = field(default_factory=list)
    web_search_queries: list[str] = field(default_factory=list)
    url_metadata: list[Any] = field(default_factory=list)
    citation_sources: list[Any] = field(default_factory=list)
    chosen_logprobs: int = 0
    avg_logprobs: float | None = None
    signed_parts: list[tuple[str, str]] = field(default_factory=list)
    parts: list[dict[str, Any]] = field(default_factory=list)


def part_kind(part: dict[str, Any]) -> str:
    """The data field of a part (``text``, ``functionCall``, ...)."""
    for key in part:
        if key not in ("thought", "thoughtSignature", "partMetadata", "videoMetadata"):
            return key
    return "empty"


def _first_candidate(event: dict[str, Any]) -> dict[str, Any]:
    for position, candidate in enumerate(event.get("candidates") or []):
        if candidate.get("index", position) == 0:
            return dict(candidate)
    return {}


def _union(into: list[Any], items: list[Any]) -> None:
    for item in items:
        if item not in into:
            into.append(item)


def expected(events: list[dict[str, Any]]) -> Expected:
    """Expectations for candidate 0 over all events of an answer."""
    out = Expected()
    usage: dict[str, Any] = {}
    for event in events:
        candidate = _first_candidate(event)
        for part in (candidate.get("content") or {}).get("parts") or []:
            _read_part(out, part)
        usage = event.get("usageMetadata") or usage
        blocked = (event.get("promptFeedback") or {}).get("blockReason")
        out.finish_reason = (
            candidate.get("finishReason") or blocked or out.finish_reason
        )
        out.model_name = event.get("modelVersion") or out.model_name
        out.response_id = event.get("responseId") or out.response_id
        out.create_time = event.get("createTime") or out.create_time
        grounding = candidate.get("groundingMetadata") or {}
        _union(out.grounding_chunks, grounding.get("groundingChunks") or [])
        _union(out.web_search_queries, grounding.get("webSearchQueries") or [])
        url = candidate.get("urlContextMetadata") or {}
        _union(out.url_metadata, url.get("urlMetadata") or [])
        cites = candidate.get("citationMetadata") or {}
        _union(out.citation_sources, cites.get("citationSources") or [])
        logprobs = candidate.get("logprobsResult") or {}
        out.chosen_logprobs += len(logprobs.get("chosenCandidates") or [])
        if "avgLogprobs" in candidate:
            out.avg_logprobs = candidate["avgLogprobs"]
    out.usage = _usage(usage)
    return out


def _read_part(out: Expected, part: dict[str, Any]) -> None:
    out.parts.append(part)
    kind = part_kind(part)
    if part.get("thoughtSignature"):
        out.signed_parts.append((kind, part["thoughtSignature"]))
    thought = bool(part.get("thought"))
    if kind == "text":
        if thought:
            out.reasoning += part["text"]
        else:
            out.text += part["text"]
    elif kind == "functionCall":
        call = part["functionCall"]
        out.tool_calls.append(
            {"name": call["name"], "args": call.get("args", {}), "id": call.get("id")}
        )
    elif kind == "inlineData":
        blob = part["inlineData"]
        image = (blob["mimeType"], blob["data"])
        (out.thought_images if thought else out.images).append(image)
    elif kind == "executableCode":
        out.code.append(part["executableCode"]["code"])
    elif kind == "codeExecutionResult":
        out.code_outputs.append(part["codeExecutionResult"].get("output", ""))


def _usage(usage: dict[str, Any]) -> dict[str, int]:
    prompt = usage.get("promptTokenCount", 0) + usage.get("toolUsePromptTokenCount", 0)
    output = usage.get("candidatesTokenCount", 0) + usage.get("thoughtsTokenCount", 0)
    return {
        "input": prompt,
        "output": output,
        "total": usage.get("totalTokenCount") or prompt + output,
        "reasoning": usage.get("thoughtsTokenCount", 0),
        "cache_read": usage.get("cachedContentTokenCount", 0),
    }
