"""One table of the model's call fields: each declared once (issue 16).

Each row says a field's name, its aliases, where it goes (``wire``: a
``generationConfig`` key, a top-level request key, or the client), whether it
may be given per call, and which LangSmith parameter reports it. Everything
else is derived from this table:

    GENERATION_KEYS   name -> generationConfig key     (_request.generation_config)
    REQUEST_FIELDS    fields that shape the body       (_default_params, per call)
    CALL_ONLY         body arguments that are no field (tools, tool_choice, ...)
    CLIENT_FIELDS     per-call client settings          (a model copy per call)
    ALIASES           alias -> name, for constructor, per call and bind alike
    LS_PARAMS         name -> LangSmith parameter        (_get_ls_params)

Fields computed from several rows (``thinkingConfig``, ``toolConfig``) or
special in form (``safetySettings``, raw ``generation_config`` /
``extra_body``) are assembled by ``_request``; their rows say so with a
``wire`` of the key they end up in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["generation", "body", "client", "model"]


@dataclass(frozen=True)
class CallField:
    """One row: a field (or per-call argument) and where it goes."""

    name: str
    kind: Kind
    wire: str | None = None
    """``generationConfig`` key (kind ``generation``) or top-level body key."""
    aliases: tuple[str, ...] = ()
    ls: str | None = None
    """LangSmith parameter reporting it (``ls_temperature``...)."""
    field: bool = True
    """A field of the model; False for arguments given per call (or bound) only."""


def _gen(name: str, wire: str, *aliases: str, ls: str | None = None) -> CallField:
    return CallField(name, "generation", wire, aliases, ls)


def _body(name: str, wire: str | None) -> CallField:
    return CallField(name, "body", wire)


def _client(name: str, *aliases: str) -> CallField:
    return CallField(name, "client", None, aliases)


TABLE: tuple[CallField, ...] = (
    CallField("model", "model", None, ("model_name",), "ls_model_name"),
    # -- generationConfig ------------------------------------------------------
    _gen("temperature", "temperature", ls="ls_temperature"),
    _gen("top_p", "topP"),
    _gen("top_k", "topK"),
    _gen("max_output_tokens", "maxOutputTokens", "max_tokens", ls="ls_max_tokens"),
    _gen("stop", "stopSequences", "stop_sequences", ls="ls_stop"),
    _gen("seed", "seed"),
    _gen("presence_penalty", "presencePenalty"),
    _gen("frequency_penalty", "frequencyPenalty"),
    _gen("candidate_count", "candidateCount"),
    _gen("response_mime_type", "responseMimeType"),
    _gen("response_modalities", "responseModalities"),
    _gen("response_logprobs", "responseLogprobs"),
    _gen("logprobs", "logprobs"),
    _gen("media_resolution", "mediaResolution"),
    _gen("image_config", "imageConfig"),
    _gen("speech_config", "speechConfig"),
    CallField("response_json_schema", "generation", "responseJsonSchema", field=False),
    CallField("response_schema", "generation", "responseSchema", field=False),
    # -- assembled into generationConfig.thinkingConfig --------------------------
    _body("thinking_level", "generationConfig"),
    _body("thinking_budget", "generationConfig"),
    _body("include_thoughts", "generationConfig"),
    _body("thinking_config", "generationConfig"),
    _body("reasoning_effort", "generationConfig"),
    _body("generation_config", "generationConfig"),
    # -- top level ----------------------------------------------------------------
    _body("safety_settings", "safetySettings"),
    _body("cached_content", "cachedContent"),
    _body("service_tier", "serviceTier"),
    _body("store", "store"),
    _body("stream_function_call_arguments", "toolConfig"),
    _body("extra_body", None),
    CallField("tools", "body", "tools", field=False),
    CallField("tool_config", "body", "toolConfig", field=False),
    CallField("tool_choice", "body", "toolConfig", field=False),
    CallField("retrieval_config", "body", "toolConfig", field=False),
    CallField("response_format", "body", "generationConfig", field=False),
    # -- client settings (a per-call value gives a model copy) ------------------
    _client("base_url", "api_base"),
    _client("api_key"),
    _client("api_version"),
    _client("use_bearer_auth"),
    _client("default_headers"),
    _client("timeout", "request_timeout"),
    _client("max_retries"),
    _client("media_fetch"),
    _client("media_max_bytes"),
    _client("allow_private_media_urls"),
    _client("tool_schema_format"),
    # -- answer policy (read by _empty.AnswerPolicy, never sent) -----------------
    _client("on_empty_answer"),
    _client("max_empty_retries"),
)

GENERATION_KEYS: dict[str, str] = {
    row.name: str(row.wire) for row in TABLE if row.kind == "generation"
}
REQUEST_FIELDS: tuple[str, ...] = tuple(
    row.name for row in TABLE if row.kind in ("generation", "body") and row.field
)
CALL_ONLY: frozenset[str] = frozenset(row.name for row in TABLE if not row.field)
CLIENT_FIELDS: frozenset[str] = frozenset(
    row.name for row in TABLE if row.kind == "client"
)
ALIASES: dict[str, str] = {alias: row.name for row in TABLE for alias in row.aliases}
LS_PARAMS: dict[str, str] = {row.name: row.ls for row in TABLE if row.ls}


def canonical(key: str) -> str:
    """The field name of an argument given by name or alias."""
    return ALIASES.get(key, key)
