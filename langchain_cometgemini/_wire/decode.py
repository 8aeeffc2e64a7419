"""Gemini's answer JSON, checked and read: the decode half of the answer path.

Pure functions over decoded JSON (no LangChain types): ``response.py`` renders
what they return as ``AIMessageChunk`` / ``AIMessage``. Flow of one event
(a stream event, or a whole ``generateContent`` body read as one)::

    check_event(event)                 shapes: wrong JSON types are an
                                       InvalidResponseError naming the field
    candidate_index / pick_candidate   the candidate followed (index as an int,
                                       a decimal string or absent)
    usage_counts                       Gemini's cumulative counts, checked
                                       (deltas between events: response.py)
    PartialCall.feed                   a function call streamed as partialArgs,
                                       assembled (list indices bounded)
    Collected.add                      grounding, citation, URL-context and
                                       logprobs lists gathered over the events;
                                       fields read by no one else, snake_cased;
                                       the latest top-level answer fields
    is_final / finish_metadata         Gemini's end marker; the answer's
                                       metadata as far as the events tell it
    check_end                          the end-of-stream rule (the one place):
                                       the candidate shown finished, no call
                                       left open
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from langchain_cometgemini.errors import InvalidResponseError, StreamInterruptedError

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake_keys(value: Any) -> Any:
    """Copy of a JSON value with camelCase dict keys turned into snake_case."""
    if isinstance(value, dict):
        return {snake(k): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


@functools.lru_cache(maxsize=1024)
def snake(key: str) -> str:
    """``promptTokenCount`` -> ``prompt_token_count`` (the same few keys recur)."""
    return _CAMEL.sub("_", key).lower()


# -- usage -----------------------------------------------------------------

USAGE_FIELDS = (
    "promptTokenCount",
    "toolUsePromptTokenCount",
    "candidatesTokenCount",
    "thoughtsTokenCount",
    "cachedContentTokenCount",
    "totalTokenCount",
)


_PROMPT, _ANSWER = ("promptTokensDetails", "candidatesTokensDetails")
"""Where the audio input and output counts are: the per-modality details lists."""

UsageCounts = tuple[int, int, int, int, int, int, int, int]
"""Gemini's cumulative counts: :data:`USAGE_FIELDS`, then audio in and out."""

NO_USAGE: UsageCounts = (0, 0, 0, 0, 0, 0, 0, 0)

_MAX_COUNT = 2**63


def _modality_count(details: Any, modality: str, field_name: str) -> int:
    """The tokens of one modality in a details list (names built only to raise)."""
    if not isinstance(details, list):
        raise shape_error(f"usageMetadata.{field_name}", details)
    total = 0
    for entry in details:
        if entry is None:
            continue
        if not isinstance(entry, dict):
            raise shape_error(f"usageMetadata.{field_name}[]", entry)
        if entry.get("modality") == modality:
            total += count(entry, "tokenCount")
    return total


def usage_counts(meta: Any) -> UsageCounts:
    """Gemini's cumulative counts, each checked (absent counts are 0)."""
    if not meta:
        return NO_USAGE
    get = as_object(meta, "usageMetadata").get
    counts = []
    for key in USAGE_FIELDS:
        value = get(key, 0)
        if type(value) is not int or not 0 <= value < _MAX_COUNT:  # unusual
            value = count(meta, key)
        counts.append(value)
    prompt, answer = get(_PROMPT), get(_ANSWER)
    counts.append(0 if prompt is None else _modality_count(prompt, "AUDIO", _PROMPT))
    counts.append(0 if answer is None else _modality_count(answer, "AUDIO", _ANSWER))
    return tuple(counts)  # type: ignore[return-value]


# -- shapes ------------------------------------------------------------------
# Decoded JSON of the wrong shape is an InvalidResponseError naming the field,
# never an AttributeError / TypeError deep in the conversion.


def shape_error(field_name: str, value: Any) -> InvalidResponseError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    kind = type(value).__name__
    return InvalidResponseError(
        f"malformed Gemini response: {field_name} is {kind} {shown}"
    )


def as_object(value: Any, field_name: str) -> dict[str, Any]:
    """``value`` if it is a JSON object (``None`` counts as empty), else raise."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise shape_error(field_name, value)
    return value


def as_list(value: Any, field_name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise shape_error(field_name, value)
    return value


def count(meta: dict[str, Any], field_name: str) -> int:
    """A token count: a non-negative integer (JSON numbers like 3.0 accepted)."""
    value = meta.get(field_name)
    if value is None:
        return 0
    if type(value) is int and 0 <= value < 2**63:  # the usual case, first
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise shape_error(f"usageMetadata.{field_name}", value)
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise shape_error(f"usageMetadata.{field_name}", value)
    if value < 0 or value >= 2**63:
        raise shape_error(f"usageMetadata.{field_name}", value)
    return int(value)


TOP_STRINGS = ("responseId", "modelVersion", "createTime")


def check_event(event: Any) -> dict[str, Any]:
    """Top-level shape of a response or stream event (raises if wrong)."""
    if type(event) is not dict:
        event = as_object(event, "response")
    checked: dict[str, Any] = event
    candidates = checked.get("candidates")
    if candidates is not None:
        if type(candidates) is not list:
            raise shape_error("candidates", candidates)
        for position, candidate in enumerate(candidates):
            _check_candidate(candidate, position)
    for key in TOP_STRINGS:
        value = checked.get(key)
        if value is not None and type(value) is not str:
            raise shape_error(key, value)
    feedback = checked.get("promptFeedback")
    if feedback is not None:
        reason = as_object(feedback, "promptFeedback").get("blockReason")
        if reason is not None and not isinstance(reason, str):
            raise shape_error("promptFeedback.blockReason", reason)
    usage = checked.get("usageMetadata")
    if usage is not None and type(usage) is not dict:
        raise shape_error("usageMetadata", usage)
    return checked


def _check_candidate(candidate: Any, position: int) -> None:
    """One candidate's shape (field names built only for an error)."""
    if type(candidate) is not dict:
        raise shape_error(f"candidates[{position}]", candidate)
    content = candidate.get("content")
    if content is not None:
        if type(content) is not dict:
            raise shape_error(f"candidates[{position}].content", content)
        parts = content.get("parts")
        if parts is not None:
            if type(parts) is not list:
                raise shape_error(f"candidates[{position}].content.parts", parts)
            for i, part in enumerate(parts):
                if type(part) is not dict:
                    where = f"candidates[{position}].content.parts[{i}]"
                    raise shape_error(where, part)
    for key in ("finishReason", "finishMessage"):
        value = candidate.get(key)
        if value is not None and type(value) is not str:
            raise shape_error(f"candidates[{position}].{key}", value)
    candidate_index(candidate, position)


def candidate_index(candidate: dict[str, Any], position: int) -> int:
    """A candidate's ``index`` as an ``int``.

    An integer, a decimal string (proto3 JSON allows both), or absent /
    ``null`` (then its position in ``candidates``); anything else raises.
    """
    value = candidate.get("index")
    if value is None:
        return position
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    raise shape_error(f"candidates[{position}].index", value)


class PartialCall:
    """A function call whose arguments stream in pieces (``partialArgs``).

    A ``functionCall`` with a name and ``willContinue: true`` opens the call;
    parts carrying ``partialArgs`` (``jsonPath`` + a typed value, strings
    continued while ``willContinue``) fill its arguments; a ``functionCall``
    without ``willContinue`` closes it. Anything else is an error: never a
    half-built call.
    """

    def __init__(self) -> None:
        self.active = False
        self.name: Any = None
        self.call_id: Any = None
        self.signature: str | None = None
        self.args: dict[str, Any] = {}

    def feed(
        self, call: dict[str, Any], signature: str | None
    ) -> tuple[dict[str, Any], str | None] | None:
        """Take one piece; the whole call once it is complete, else None."""
        if not self.active:
            self.active, self.args = True, {}
            self.name, self.call_id, self.signature = None, None, None
        if call.get("name") is not None:
            if self.name is not None and call["name"] != self.name:
                raise shape_error("functionCall.name (while streaming args)", call)
            self.name = call["name"]
        self.call_id = call.get("id") or self.call_id
        self.signature = signature or self.signature
        if call.get("args") is not None:
            self.args.update(as_object(call["args"], "functionCall.args"))
        for piece in as_list(call.get("partialArgs"), "functionCall.partialArgs"):
            self._apply(as_object(piece, "functionCall.partialArgs[]"))
        if call.get("willContinue"):
            return None
        self.active = False
        if self.name is None:
            raise shape_error("functionCall.name", None)
        done = {"name": self.name, "args": self.args}
        if self.call_id:
            done["id"] = self.call_id
        return done, self.signature

    def _apply(self, piece: dict[str, Any]) -> None:
        path = piece.get("jsonPath")
        if not isinstance(path, str) or not path.startswith("$"):
            raise shape_error("functionCall.partialArgs.jsonPath", path)
        keys = _json_path(path)
        if "stringValue" in piece:
            value = piece["stringValue"]
            if not isinstance(value, str):
                raise shape_error("functionCall.partialArgs.stringValue", value)
            before = _get_path(self.args, keys)
            start = before if isinstance(before, str) else ""
            _set_path(self.args, keys, start + value)
        elif "numberValue" in piece:
            _set_path(self.args, keys, piece["numberValue"])
        elif "boolValue" in piece:
            _set_path(self.args, keys, bool(piece["boolValue"]))
        elif "nullValue" in piece:
            _set_path(self.args, keys, None)
        else:
            for key in ("structValue", "listValue"):
                if key in piece:
                    _set_path(self.args, keys, piece[key])
                    return
            raise shape_error("functionCall.partialArgs (no value)", piece)


_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d{1,9})\]|\['([^']*)'\]")

PARTIAL_LIST_GAP = 16
"""How far past a list's end a streamed ``partialArgs`` index may reach.

Gemini fills argument lists in order (index = current length); a larger jump
leaves ``None`` placeholders. The bound keeps a server's bytes from deciding
how much memory the client allocates: ``$.a[10000000]`` is an
:class:`InvalidResponseError`, not a ten-million-item list."""


def _json_path(path: str) -> list[str | int]:
    """``$.a.b[0]`` -> ``["a", "b", 0]`` (the subset partialArgs uses)."""
    keys: list[str | int] = []
    position = 1
    while position < len(path):
        match = _PATH_STEP.match(path, position)
        if match is None:
            raise shape_error("functionCall.partialArgs.jsonPath", path)
        name, index, quoted = match.groups()
        keys.append(int(index) if index is not None else (name or quoted or ""))
        position = match.end()
    if not keys:
        raise shape_error("functionCall.partialArgs.jsonPath", path)
    return keys


def _get_path(root: Any, keys: list[str | int]) -> Any:
    for key in keys:
        if isinstance(key, int):
            root = root[key] if isinstance(root, list) and key < len(root) else None
        else:
            root = root.get(key) if isinstance(root, dict) else None
    return root


def _set_path(root: dict[str, Any], keys: list[str | int], value: Any) -> None:
    node: Any = root
    for key, following in zip(keys, [*keys[1:], None], strict=True):
        if following is None:
            _put(node, key, value)
            return
        child = _get_path(node, [key])
        if not isinstance(child, (dict, list)):
            child = [] if isinstance(following, int) else {}
            _put(node, key, child)
        node = child


def _put(node: Any, key: str | int, value: Any) -> None:
    if isinstance(key, int):
        if not isinstance(node, list) or key > len(node) + PARTIAL_LIST_GAP:
            raise shape_error("functionCall.partialArgs.jsonPath", key)
        node.extend([None] * (key + 1 - len(node)))
        node[key] = value
    elif isinstance(node, dict):
        node[key] = value
    else:
        raise shape_error("functionCall.partialArgs.jsonPath", key)


def is_partial(call: dict[str, Any]) -> bool:
    return bool(call.get("willContinue")) or "partialArgs" in call


COLLECTED_LISTS: dict[str, tuple[str, ...]] = {
    "groundingMetadata": (
        "groundingChunks",
        "groundingSupports",
        "webSearchQueries",
        "imageSearchQueries",
    ),
    "citationMetadata": ("citationSources",),
    "urlContextMetadata": ("urlMetadata",),
    "logprobsResult": ("chosenCandidates", "topCandidates"),
}
"""Candidate metadata whose lists a stream spreads over several events."""

_REPEATABLE = frozenset({"logprobsResult"})
"""Lists whose equal items are distinct (two decoding steps may look the same);
the others may be re-sent by the API and are de-duplicated."""


_KNOWN_TOP = frozenset(
    {
        "candidates",
        "promptFeedback",
        "usageMetadata",
        "modelVersion",
        "responseId",
        "createTime",
    }
)
"""Top-level answer fields read by name; any other passes through snake_cased."""

_KNOWN_CANDIDATE = frozenset(
    {
        "content",
        "index",
        "finishReason",
        "finishMessage",
        "safetyRatings",
        "avgLogprobs",
        *COLLECTED_LISTS,
    }
)
"""Candidate fields read by name; any other passes through snake_cased."""


_LATEST_TOP = ("promptFeedback", "modelVersion", "responseId", "createTime")
"""Top-level fields an event may omit: the answer's value is the latest sent."""

_OURS = frozenset({"model_provider", "output_version"})
"""``response_metadata`` keys the package writes itself (never passed through)."""


class Collected:
    """Grounding, citation, URL-context and logprobs data gathered over a stream.

    Streamed events carry only what is new (e.g. grounding chunks not sent
    before); the final chunk reports the union, so merged chunks equal the
    non-streamed message and nothing is concatenated twice.

    Fields the package does not read by name (``modelStatus``, a candidate's
    ``tokenCount``, whatever a newer API adds) pass through snake_cased into
    ``response_metadata``: ``extra`` keeps the latest value of each.
    """

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}
        self.extra: dict[str, Any] = {}
        self.top: dict[str, Any] = {}

    def add(self, event: dict[str, Any], candidate: dict[str, Any]) -> None:
        """Gather what ``event`` and its ``candidate`` followed carry.

        Their metadata lists (grounding, citations, ...), the latest top-level
        answer fields (``promptFeedback`` may come only on the first event,
        the finish on the last), and the fields read by no one else.
        """
        for key, value in event.items():
            if value is None:
                continue
            if key in _LATEST_TOP:
                self.top[key] = value
            elif key not in _KNOWN_TOP:
                self._add_unknown(key, value)
        for key, value in candidate.items():
            if key in _KNOWN_CANDIDATE:
                list_fields = COLLECTED_LISTS.get(key)
                if list_fields is not None and isinstance(value, dict):
                    into = self.values.setdefault(key, {})
                    unique = key not in _REPEATABLE
                    self._merge(into, value, list_fields, unique=unique)
            elif value is not None:
                self._add_unknown(key, value)

    def _add_unknown(self, key: str, value: Any) -> None:
        name = snake(key)
        if name not in _OURS:
            self.extra[name] = snake_keys(value)

    @staticmethod
    def _merge(
        into: dict[str, Any],
        value: dict[str, Any],
        lists: tuple[str, ...],
        *,
        unique: bool,
    ) -> None:
        for field_name, item in value.items():
            if field_name in lists and isinstance(item, list):
                seen = into.setdefault(field_name, [])
                seen.extend(v for v in item if not unique or v not in seen)
            elif field_name == "logProbabilitySum" and field_name in into:
                into[field_name] += item
            else:
                into[field_name] = item

    def get(self, key: str) -> Any:
        """The gathered value of ``key``, snake_cased (None if never seen)."""
        value = self.values.get(key)
        return snake_keys(value) if value is not None else None


def pick_candidate(event: dict[str, Any], index: int) -> dict[str, Any]:
    """Candidate ``index`` of a checked event (``{}`` if this event has none)."""
    for position, candidate in enumerate(event.get("candidates") or ()):
        if candidate_index(candidate, position) == index:
            return candidate  # type: ignore[no-any-return]
    return {}


def is_final(event: dict[str, Any], candidate: dict[str, Any]) -> bool:
    if candidate.get("finishReason"):
        return True
    return bool((event.get("promptFeedback") or {}).get("blockReason"))


def check_end(
    *, events: int, finished: bool, candidate: int | None, in_call: bool
) -> None:
    """The end-of-stream rule: Gemini said it finished, and nothing was lost.

    Gemini marks the end of an answer with ``finishReason`` on the candidate
    shown (or ``promptFeedback.blockReason`` for a blocked prompt); events may
    still follow it (late grounding or usage) and belong to the answer. A
    stream that closes without that marker, or inside a function call whose
    arguments were still streaming, was cut short. (A last event the
    connection cut in the middle of is a framing fault: ``_http/sse.py``
    raises for it.)

    Raises:
        InvalidResponseError: the stream ended inside a streamed call.
        StreamInterruptedError: the candidate shown never finished (another
            candidate's ``finishReason`` does not end this one's answer).
    """
    if in_call:
        msg = "Gemini ended its answer inside a streamed function call"
        raise InvalidResponseError(msg)
    if not finished:
        shown = "" if candidate is None else f" for candidate {candidate}"
        msg = (
            f"the stream ended after {events} event(s) without a finishReason"
            f"{shown}: the answer is incomplete"
        )
        raise StreamInterruptedError(msg)


def finish_metadata(
    event: dict[str, Any], candidate: dict[str, Any], collected: Collected
) -> dict[str, Any]:
    """The answer's metadata as far as this event knows it (no ``None``)."""
    top = {**collected.top, **{k: event[k] for k in _LATEST_TOP if event.get(k)}}
    feedback = top.get("promptFeedback")
    block_reason = (feedback or {}).get("blockReason")
    values = {
        "finish_reason": candidate.get("finishReason") or block_reason,
        "model_name": top.get("modelVersion"),
        "response_id": top.get("responseId"),
        "create_time": top.get("createTime"),
        "finish_message": candidate.get("finishMessage"),
        "safety_ratings": snake_keys(candidate.get("safetyRatings")),
        "prompt_feedback": snake_keys(feedback),
        "citation_metadata": collected.get("citationMetadata"),
        "grounding_metadata": collected.get("groundingMetadata"),
        "url_context_metadata": collected.get("urlContextMetadata"),
        "logprobs_result": collected.get("logprobsResult"),
        "avg_logprobs": candidate.get("avgLogprobs"),
        "usage_details": _modality_details(event.get("usageMetadata")),
    }
    known = {k: v for k, v in values.items() if v is not None}
    return {**collected.extra, **known}


def _modality_details(usage: dict[str, Any] | None) -> dict[str, Any] | None:
    """Usage beyond the counts in ``usage_metadata``, snake_cased.

    Per-modality details, ``serviceTier``, ``trafficType`` and any field a
    newer API adds.
    """
    if not usage:
        return None
    keep = {k: v for k, v in usage.items() if k not in USAGE_FIELDS}
    return snake_keys(keep) or None
