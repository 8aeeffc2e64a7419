"""``ChatCometGemini``: the LangChain chat model, wiring the modules together.

Call flow::

    invoke / stream (LangChain)
      -> ChatCometGemini._prepare        fields + per-call overrides -> _Call
           -> _request.build_body        messages + params -> JSON body
      -> _client.GeminiHTTP              POST / SSE, retries, typed errors
      -> _response                       JSON -> AIMessage / AIMessageChunk
      around each call: _empty.AnswerPolicy   empty answers: return, raise, retry

``_generate`` / ``_stream`` (and async) hand their one-request versions
(``_generate_once`` ...) to the call's ``AnswerPolicy``.

This class only holds configuration and wires; it converts nothing itself.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import (
    AsyncIterator,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple, Self

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import LangSmithParams, LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
)
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.prompt_values import ChatPromptValue, PromptValue
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils import from_env, secret_from_env
from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SecretStr,
    ValidationError,
    model_validator,
)

from langchain_cometgemini._fields import (
    CLIENT,
    FINITE,
    INT32,
    MODEL,
    TRANSPORT,
    FieldTable,
    body,
    gen,
)
from langchain_cometgemini._http.inputs import (
    build_headers,
    check_base_url,
)
from langchain_cometgemini._process import PerProcess
from langchain_cometgemini._settings import (
    NO_KEY,
    as_messages,
    check_known,
    checked_key,
    known_names,
    ls_overrides,
    no_secrets,
    unknown_call_argument,
    value_error,
    warn_plain_http,
    without_inputs,
)
from langchain_cometgemini._wire.constants import DEFAULT_MODEL
from langchain_cometgemini._wire.media import with_mime_types
from langchain_cometgemini._wire.media_urls import inline_downloads, media_urls
from langchain_cometgemini._wire.profiles import profile_for
from langchain_cometgemini._wire.request import build_body, check_settings
from langchain_cometgemini.errors import MissingAPIKeyError, NotFoundError

if TYPE_CHECKING:
    from langchain_cometgemini._empty import AnswerPolicy
    from langchain_cometgemini._http.client import GeminiHTTP
    from langchain_cometgemini._http.fetch import MediaPolicy
    from langchain_cometgemini._wire.response import StreamState

# Feature modules (_structured, _tools, _tokens, _fetch) are imported where they
# are used: a plain text call never loads them (import time). The HTTP client
# is loaded when a model first builds its engine, the answer side (_empty and
# the decoder, _wire.response) with the first call: importing the package, or
# building and validating models, loads neither.

DEFAULT_BASE_URL = "https://api.cometapi.com"

Effort = Literal["minimal", "low", "medium", "high"]


class _Call(NamedTuple):
    """Everything one request needs, built before any I/O."""

    model: str
    body: dict[str, Any]
    media: bool = True
    """Whether a message has non-text content (so possibly media URLs)."""


class ChatCometGemini(BaseChatModel):
    r"""Gemini chat models through CometAPI's Gemini-native API.

    Requests go to `{base_url}/v1beta/models/{model}:generateContent` (and
    `:streamGenerateContent?alt=sse`) in Gemini's own wire format, so thinking,
    thought signatures, Google Search grounding, image output and native
    structured output all work. The key travels only in a header.

    Content rule: `content` is a `str` while the reply holds only visible text;
    when it holds anything else (thoughts, images, audio, code) it is a list of
    content blocks, one per part, in order. Tool calls are always in `tool_calls`.

    Setup:
        Install the package and set your CometAPI key:

        ```bash
        pip install -U langchain-cometgemini
        export COMETAPI_KEY="your-key"
        # optional: export COMETAPI_BASE_URL="https://api.cometapi.com"
        ```

    Key init args — completion params:
        model: Gemini model name (default `gemini-3-flash-preview`; alias
            `model_name`).
        temperature: Sampling temperature.
        max_output_tokens: Maximum tokens to generate (alias `max_tokens`).
        thinking_level: Gemini 3 thinking level: `minimal`, `low`, `medium`, `high`.
        thinking_budget: Gemini 2.5 thinking budget (0 off, -1 dynamic).
        include_thoughts: Return thought summaries as reasoning blocks.
        response_modalities: Output modalities, e.g. `["TEXT", "IMAGE"]`.
        safety_settings: `{category: threshold}` or Gemini's list form.

    Key init args — client params:
        api_key: CometAPI key (default: the `COMETAPI_KEY` environment variable).
        base_url: API root (default: `COMETAPI_BASE_URL`, else
            `https://api.cometapi.com`).
        timeout: Seconds before a request (or a silent stream) times out.
        max_retries: Retries on 408/429/5xx/connection errors (0 disables).

        Every generation field can also be passed per call
        (`llm.invoke(..., temperature=0)`) or bound (`llm.bind(...)`); unset fields
        are never sent.

    Instantiate:
        ```python
        from langchain_cometgemini import ChatCometGemini

        llm = ChatCometGemini(
            model="gemini-3-flash-preview",
            temperature=1.0,
            max_output_tokens=1024,
            max_retries=2,
        )
        ```

    Invoke:
        ```python
        messages = [
            ("system", "Translate the user sentence to French."),
            ("human", "I love programming."),
        ]
        llm.invoke(messages)
        # AIMessage(content="J'adore la programmation.", response_metadata={
        #     "model_name": "gemini-3-flash-preview", "finish_reason": "STOP", ...},
        #     usage_metadata={"input_tokens": 12, "output_tokens": 6, ...})
        ```

    Stream:
        ```python
        for chunk in llm.stream(messages):
            print(chunk.text, end="", flush=True)

        full = None
        for chunk in llm.stream(messages):
            full = chunk if full is None else full + chunk
        full.usage_metadata  # chunks carry deltas that sum to the totals
        ```

    Async:
        ```python
        await llm.ainvoke(messages)

        async for chunk in llm.astream(messages):
            print(chunk.text, end="")

        await llm.abatch([messages, messages])
        ```

    Tool calling:
        ```python
        from pydantic import BaseModel, Field


        class GetWeather(BaseModel):
            '''Get the current weather in a given location.'''

            location: str = Field(description="City and country, e.g. Paris, France")


        llm_with_tools = llm.bind_tools([GetWeather], tool_choice="auto")
        ai_msg = llm_with_tools.invoke("What's the weather in Paris and in Tokyo?")
        ai_msg.tool_calls
        # [{"name": "GetWeather", "args": {"location": "Paris, France"}, "id": "...",
        #   "type": "tool_call"}, {"name": "GetWeather", ...}]
        ```

        Send the results back as `ToolMessage`s with the `AIMessage` in the
        history: Gemini 3 thought signatures are kept on the message and replayed
        automatically. `tool_choice` takes `"auto"`, `"any"`, `"none"`,
        `"validated"`, a tool name or a list of names.

    Structured output:
        ```python
        class Joke(BaseModel):
            '''A joke to tell the user.'''

            setup: str = Field(description="The setup of the joke")
            punchline: str = Field(description="The punchline")


        structured_llm = llm.with_structured_output(Joke)  # method="json_schema"
        structured_llm.invoke("Tell me a joke about cats")
        # Joke(setup="Why did the cat sit on the computer?",
        #      punchline="To keep an eye on the mouse!")
        ```

        `method="json_schema"` (default) sends `responseJsonSchema`;
        `"function_calling"` forces a tool call; `"json_mode"` sets only the MIME
        type. A reply with nothing to parse raises `OutputParserException` naming
        the finish reason; `include_raw=True` returns it under `parsing_error`.

    Thinking:
        ```python
        thinker = ChatCometGemini(
            model="gemini-3-flash-preview", thinking_level="high", include_thoughts=True
        )
        msg = thinker.invoke("Is 2**61 - 1 prime?")
        [b["type"] for b in msg.content_blocks]  # ["reasoning", "text"]
        msg.usage_metadata["output_token_details"]["reasoning"]  # thinking tokens
        ```

        Use `thinking_level` on Gemini 3 and `thinking_budget` on Gemini 2.5; setting
        both raises `ValueError`. Thoughts never appear in `.text`.

    Grounding:
        ```python
        search_llm = llm.bind_tools([{"google_search": {}}])
        msg = search_llm.invoke("Who won Euro 2024?")
        grounding = msg.response_metadata["grounding_metadata"]
        grounding["web_search_queries"]  # ["Euro 2024 winner"]
        [c["web"]["uri"] for c in grounding["grounding_chunks"]]
        ```

        Other built-in tools: `{"code_execution": {}}`, `{"url_context": {}}`,
        `{"google_maps": {}}`; they combine with function tools.

    Multimodal:
        ```python
        import base64

        import httpx
        from langchain_core.messages import HumanMessage

        image = base64.b64encode(httpx.get("https://picsum.photos/200").content)
        message = HumanMessage(
            content=[
                {"type": "text", "text": "Describe this image in one sentence."},
                {"type": "image", "base64": image.decode(), "mime_type": "image/jpeg"},
            ]
        )
        llm.invoke([message]).text
        ```

        `image`, `audio`, `video` and `file` blocks (base64, `url` or `file_id`)
        and OpenAI `image_url` blocks are accepted. For image output, use an image
        model with `response_modalities=["TEXT", "IMAGE"]`: images come back as
        `{"type": "image", "base64": ..., "mime_type": ...}` blocks in `content`.

    Token usage:
        ```python
        ai_msg = llm.invoke(messages)
        ai_msg.usage_metadata
        # {"input_tokens": 12, "output_tokens": 6, "total_tokens": 18,
        #  "input_token_details": {"cache_read": 0},
        #  "output_token_details": {"reasoning": 0}}

        llm.get_num_tokens_from_messages(messages)  # one :countTokens call
        ```

    Response metadata:
        ```python
        ai_msg.response_metadata
        # {"model_name": "gemini-3-flash-preview", "model_provider": "cometgemini",
        #  "finish_reason": "STOP", "finish_message": None, "safety_ratings": [...],
        #  "prompt_feedback": {...}, "response_id": "..."}
        ```

        A blocked prompt returns an empty message whose `prompt_feedback` says why;
        grounding, URL context, citations and logprobs appear here when returned.

    Empty answers:
        ```python
        agent_llm = ChatCometGemini(on_empty_answer="retry", max_empty_retries=1)
        ```

        An answer with no usable content (a malformed function call, an empty
        stop, a blocked prompt, ...) warns once per finish reason and explains
        itself in `response_metadata["empty_answer"]`; `"raise"` raises
        `AnswerRefusedError` / `AnswerFailedError` instead; `"retry"` asks again
        (each attempt billed) after a malformed or unexpected tool call or an
        empty stop.
    """

    model: Annotated[str, MODEL] = Field(default=DEFAULT_MODEL, alias="model_name")
    """Gemini model name, e.g. ``gemini-3-flash-preview``."""
    api_key: Annotated[SecretStr | None, TRANSPORT] = Field(
        default_factory=secret_from_env("COMETAPI_KEY", default=None)
    )
    """CometAPI key; read from ``COMETAPI_KEY`` when not given."""
    base_url: Annotated[str, TRANSPORT] = Field(
        default_factory=from_env("COMETAPI_BASE_URL", default=DEFAULT_BASE_URL),
        alias="api_base",
    )
    """API root; read from ``COMETAPI_BASE_URL``, default ``https://api.cometapi.com``."""
    api_version: Annotated[str, TRANSPORT] = "v1beta"
    """API version path segment."""
    use_bearer_auth: Annotated[bool, TRANSPORT] = False
    """Send the key as ``Authorization: Bearer`` instead of ``x-goog-api-key``."""
    default_headers: Annotated[dict[str, str] | None, TRANSPORT] = None
    """Extra HTTP headers sent with every request."""
    timeout: Annotated[float | None, TRANSPORT] = Field(
        default=120.0, alias="request_timeout"
    )
    """Seconds a unary call may take from send to last byte, and the longest silence
    of a stream; connecting is capped at 10 s of it. None waits forever."""
    max_retries: Annotated[int, TRANSPORT] = Field(default=2, ge=0)
    """Retries after a retryable failure (429, 5xx, connection); 0 disables retries."""
    http_client: Any | None = Field(default=None, exclude=True, alias="client")
    """Your own ``httpx.Client`` or ``httpx2.Client`` (used as is, never closed)."""
    http_async_client: Any | None = Field(
        default=None, exclude=True, alias="async_client"
    )
    """Your own ``httpx.AsyncClient`` or ``httpx2.AsyncClient`` (used as is)."""
    streaming: bool = False
    """Stream by default, even from ``invoke``."""
    on_empty_answer: Annotated[Literal["return", "raise", "retry"], CLIENT] = "return"
    """An answer with no usable content: return it (and warn), raise, or ask again."""
    max_empty_retries: Annotated[int, CLIENT] = Field(default=1, ge=0)
    """Times ``on_empty_answer="retry"`` asks again (each attempt is billed)."""

    temperature: Annotated[
        float | None, gen("temperature", ls="ls_temperature"), FINITE
    ] = Field(default=None, ge=0, le=2)
    """Sampling temperature."""
    top_p: Annotated[float | None, gen("topP"), FINITE] = None
    """Nucleus sampling probability mass."""
    top_k: Annotated[int | None, gen("topK"), INT32] = None
    """Top-k sampling."""
    max_output_tokens: Annotated[
        int | None, gen("maxOutputTokens", ls="ls_max_tokens"), INT32
    ] = Field(default=None, alias="max_tokens")
    """Maximum tokens to generate."""
    stop: Annotated[list[str] | None, gen("stopSequences", ls="ls_stop")] = Field(
        default=None, alias="stop_sequences", max_length=5
    )
    """Stop sequences."""
    seed: Annotated[int | None, gen("seed")] = Field(
        default=None, ge=-(2**31), le=2**31 - 1
    )
    """Sampling seed."""
    presence_penalty: Annotated[float | None, gen("presencePenalty"), FINITE] = None
    """Presence penalty."""
    frequency_penalty: Annotated[float | None, gen("frequencyPenalty"), FINITE] = None
    """Frequency penalty."""
    candidate_count: Annotated[int | None, gen("candidateCount")] = Field(
        default=None, ge=1, le=2**31 - 1
    )
    """Number of candidates to generate (each becomes a generation)."""
    response_mime_type: Annotated[str | None, gen("responseMimeType")] = None
    """Output MIME type, e.g. ``application/json``."""
    safety_settings: Annotated[
        dict[str, str] | list[dict[str, str]] | None, body("safetySettings")
    ] = None
    """Safety thresholds: ``{category: threshold}`` or Gemini's list form."""
    cached_content: Annotated[str | None, body("cachedContent")] = None
    """Name of cached content (``cachedContents/...``) to answer from."""
    generation_config: Annotated[dict[str, Any] | None, body("generationConfig")] = None
    """Raw ``generationConfig`` entries merged last (for fields Gemini adds later)."""

    thinking_level: Annotated[Effort | None, body("generationConfig")] = None
    """Gemini 3 thinking level."""
    thinking_budget: Annotated[int | None, body("generationConfig")] = Field(
        default=None, ge=-1, le=2**31 - 1
    )
    """Gemini 2.5 thinking token budget (0 off, -1 dynamic)."""
    include_thoughts: Annotated[bool | None, body("generationConfig")] = None
    """Return thought summaries as reasoning blocks."""
    thinking_config: Annotated[dict[str, Any] | None, body("generationConfig")] = None
    """Raw ``thinkingConfig`` entries (the fields above win)."""
    reasoning_effort: Annotated[Effort | None, body("generationConfig")] = None
    """LangChain's standard effort: ``thinkingLevel`` on Gemini 3, a
    ``thinkingBudget`` on 2.5 (0/1,024/8,192/24,576); not with the two above."""
    service_tier: Annotated[
        Literal["standard", "flex", "priority"] | None, body("serviceTier")
    ] = None
    """Gemini's service tier (``serviceTier``): ``standard``, ``flex`` or
    ``priority``."""
    store: Annotated[bool | None, body("store")] = None
    """Request logging (``store``); overrides the project's logging setting."""
    stream_function_call_arguments: Annotated[bool | None, body("toolConfig")] = None
    """Ask for function-call arguments in pieces while streaming (``partialArgs``;
    a Vertex AI field that Google's Gemini API may refuse); pieces are assembled
    into whole calls either way."""
    extra_body: Annotated[dict[str, Any] | None, body(None)] = None
    """Top-level request fields the package does not know yet, sent as given
    (camelCase, merged last), e.g. ``{"newField": 1}``."""
    response_modalities: Annotated[
        list[str] | str | None, gen("responseModalities")
    ] = None
    """Output modalities: ``TEXT``, ``IMAGE``, ``AUDIO``."""
    media_resolution: Annotated[str | None, gen("mediaResolution")] = None
    """Input media resolution: ``low``, ``medium`` or ``high``."""
    image_config: Annotated[dict[str, Any] | None, gen("imageConfig")] = None
    """Image output settings (``aspect_ratio``, ``image_size``)."""
    speech_config: Annotated[dict[str, Any] | None, gen("speechConfig")] = None
    """Audio output settings (voice)."""
    response_logprobs: Annotated[bool | None, gen("responseLogprobs")] = None
    """Return log probabilities of the chosen tokens."""
    logprobs: Annotated[int | None, gen("logprobs")] = Field(default=None, ge=0, le=20)
    """Number of top candidate log probabilities per token."""
    media_fetch: Annotated[Literal["download", "pass_through"], CLIENT] = "download"
    """http(s) media URLs: download and send inline, or pass through as fileData."""
    media_max_bytes: Annotated[int, CLIENT] = 20 * 1024 * 1024
    """Largest media file downloaded for a URL block."""
    allow_private_media_urls: Annotated[bool, CLIENT] = False
    """Allow downloading media from loopback, private and link-local addresses."""
    tool_schema_format: Annotated[Literal["json_schema", "openapi"], CLIENT] = (
        "json_schema"
    )
    """How tool and response schemas are sent: ``json_schema``
    (``parametersJsonSchema`` / ``responseJsonSchema``, lossless) or ``openapi``
    (the OpenAPI-subset ``parameters`` / ``responseSchema``, for models or
    gateways that need it; unsupported keys are dropped with a warning)."""

    model_config = ConfigDict(
        populate_by_name=True,
        arbitrary_types_allowed=True,
        hide_input_in_errors=True,  # a validation error never repeats the key
    )

    _http: GeminiHTTP | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown(cls, values: Any) -> Any:
        """An argument that is no field (``temprature=0.2``) is a ``TypeError``."""
        if isinstance(values, dict):
            check_known(values, _known(cls))
        return values

    @model_validator(mode="wrap")
    @classmethod
    def _validate(cls, values: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """Check key and URL; a refused input is never repeated (key included).

        ``hide_input_in_errors`` hides the input from ``str`` only, so the
        error is rebuilt without it for ``errors()`` and ``json()`` too.
        """
        try:
            model = handler(values)
            model.api_key = checked_key(model.api_key)
            check_base_url(model.base_url)
            _check_settings(model)
        except ValidationError as exc:
            error = without_inputs(exc.title, exc.errors(include_url=False))
        except ValueError as exc:
            error = without_inputs(cls.__name__, [value_error(exc)])
        else:
            warn_plain_http(model.base_url)
            return model
        raise error

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self:
        """A copy with ``update`` applied; it builds its own HTTP clients.

        Transport settings (key, URL, headers, timeout, retries) of the copy are
        therefore always its own, even when this model has already made calls.
        """
        changes = dict(update or {})
        if "api_key" in changes:
            changes["api_key"] = checked_key(changes["api_key"])
        if "base_url" in changes:
            check_base_url(changes["base_url"])
        clone = super().model_copy(update=changes, deep=deep)
        clone._http = None
        return clone

    def bind(self, **kwargs: Any) -> Any:
        """Bind call arguments, checked now as the constructor checks fields.

        A plain-text ``api_key`` is kept as a secret.

        Raises:
            ValueError: a value its field would refuse (naming the argument).
        """
        table = _table(type(self))
        params = self._default_params()
        for key, value in kwargs.items():
            name = table.canonical(key)
            kwargs[key] = params[name] = table.validate(name, value)
        model = str(params.get("model") or self.model)
        check_settings(params, model, keys=table.generation_keys)
        return super().bind(**kwargs)

    def _get_invocation_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Call parameters for callbacks and tracing, without any key."""
        return super()._get_invocation_params(stop=stop, **no_secrets(kwargs))

    def _get_llm_string(self, stop: list[str] | None = None, **kwargs: Any) -> str:
        """The cache key: the model and parameters, never the API key."""
        return super()._get_llm_string(stop=stop, **no_secrets(kwargs))

    def close(self) -> None:
        """Release this model's sync connections (a later call opens new ones)."""
        if self._http is not None:
            self._http.close()

    async def aclose(self) -> None:
        """Release this model's async connections for the running event loop."""
        if self._http is not None:
            await self._http.aclose()

    # -- LangChain plumbing ---------------------------------------------------

    def _resolve_model_profile(self) -> ModelProfile | None:
        return profile_for(self.model)

    @property
    def _llm_type(self) -> str:
        return "cometgemini-chat"

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and their environment variables (for serialization)."""
        return {"api_key": "COMETAPI_KEY"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """This model can be serialized with ``dumpd`` (secrets excluded)."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """Namespace for LangChain serialization."""
        return ["langchain_cometgemini", "chat_models"]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **self._default_params()}

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        params = ls_overrides(_table(type(self)), kwargs)
        if stop is not None:
            params["stop"] = _table(type(self)).validate("stop", stop)
        model = params.get("model", self.model)
        temperature = params.get("temperature", self.temperature)
        max_tokens = params.get("max_output_tokens", self.max_output_tokens)
        stop_value = params.get("stop", self.stop)
        ls_params = LangSmithParams(
            ls_provider="cometapi",
            ls_model_name=str(model or self.model),
            ls_model_type="chat",
        )
        if temperature is not None:
            ls_params["ls_temperature"] = temperature
        if max_tokens is not None:
            ls_params["ls_max_tokens"] = max_tokens
        if stop_value:
            ls_params["ls_stop"] = list(stop_value)
        return ls_params

    # -- parameters -------------------------------------------------------------

    def _default_params(self) -> dict[str, Any]:
        """Generation-related fields that are set (unset ones are never sent)."""
        names = _table(type(self)).request_fields
        return {n: v for n in names if (v := getattr(self, n)) is not None}

    def _merged_params(
        self, stop: list[str] | None, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """Fields, then per-call (and bound) values, each checked as a field is.

        Raises:
            TypeError: an argument that is nothing known.
            ValueError: a value its field would refuse (naming the argument).
        """
        table = _table(type(self))
        params = self._default_params()
        params["model"] = self.model
        for key, value in kwargs.items():
            name = table.canonical(key)
            if name in table.client_fields:
                continue  # applied by _for_call, not part of the body
            if name not in table.request_fields and name not in table.call_only:
                if name != "model":
                    raise TypeError(unknown_call_argument(table, key))
            params[name] = table.validate(name, value)
        if stop is not None:
            params["stop"] = table.validate("stop", stop)
        if params.get("response_format") is not None:
            from langchain_cometgemini._wire.structured import (
                openapi_response_schema,
                response_format_params,
            )

            extra = response_format_params(params.pop("response_format"))
            if self.tool_schema_format == "openapi":
                extra = openapi_response_schema(extra)
            params.update(extra)
        params.pop("response_format", None)
        self._call_tools(params)
        return params

    def _call_tools(self, params: dict[str, Any]) -> None:
        """``tools``/``tool_choice``/``tool_config`` given per call (or bound)."""
        from langchain_cometgemini._wire.tools import check_tool_config, prepare_tools

        if params.get("tools") or params.get("tool_choice") is not None:
            params["tools"], config = prepare_tools(
                params.get("tools") or [],
                params.pop("tool_choice", None),
                schema_format=self.tool_schema_format,
                retrieval=params.pop("retrieval_config", None),
            )
            if config is not None:
                params["tool_config"] = config
        else:
            params.pop("tool_choice", None)
            params.pop("retrieval_config", None)
        if params.get("tool_config") is not None:
            tools = params.get("tools") or []
            params["tool_config"] = check_tool_config(params["tool_config"], tools)

    def _convert_input(self, model_input: LanguageModelInput) -> PromptValue:
        """The input as a prompt; base64 media blocks get their MIME type here.

        langchain-core's tracing refuses a base64 ``image`` without
        ``mime_type`` before the model runs, so it is inferred first.
        """
        prompt = super()._convert_input(model_input)
        messages = with_mime_types(prompt.to_messages())
        return prompt if messages is None else ChatPromptValue(messages=messages)

    def _prepare(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        partial: bool = False,
    ) -> _Call:
        """The request of one call, built and checked before any I/O.

        ``stream=True`` in ``kwargs`` marks a streamed call (``_stream`` sets
        it); ``partial`` converts a slice of a history (token counting).
        """
        stream = bool(kwargs.pop("stream", False))
        params = self._merged_params(stop, kwargs)
        model = str(params.pop("model"))
        body = build_body(
            messages,
            params,
            model=model,
            stream=stream,
            partial=partial,
            keys=_table(type(self)).generation_keys,
        )
        media = any(type(m.content) is not str for m in messages)
        return _Call(model=model, body=body, media=media)

    def _for_call(self, kwargs: dict[str, Any], *, async_api: bool) -> ChatCometGemini:
        """This model, or a copy with per-call client/media settings applied.

        A copy with other transport settings reuses this model's connection
        pools; only the URL, headers, timeout and retry policy differ.
        """
        table = _table(type(self))
        overrides = {
            table.canonical(k): table.validate(table.canonical(k), kwargs.pop(k))
            for k in list(kwargs)
            if table.canonical(k) in table.client_fields
        }
        if not overrides:
            return self
        clone = self.model_copy(update=overrides)
        shared = self._engine()
        if not overrides.keys() & table.transport_fields:
            clone._http = shared
            return clone
        clone._http = clone._build_http(
            client=None if async_api else shared.client,
            async_client=shared.async_client if async_api else None,
        )
        return clone

    @property
    def _media_policy(self) -> MediaPolicy:
        from langchain_cometgemini._http.fetch import MediaPolicy

        return MediaPolicy(
            mode=self.media_fetch,
            max_bytes=self.media_max_bytes,
            allow_private=self.allow_private_media_urls,
            timeout=self.timeout,
        )

    def _engine(self) -> GeminiHTTP:
        """The lazily built HTTP engine (one per model instance, thread-safe).

        Read from pydantic's documented ``__pydantic_private__`` store first:
        ``self._http`` goes through ``BaseModel.__getattr__`` (a failed
        lookup first: a few microseconds per call).
        """
        built: GeminiHTTP | None = self.__pydantic_private__.get("_http")  # type: ignore[union-attr]
        if built is not None:
            return built
        with _HTTP_INIT_LOCK.get():
            if self._http is None:
                self._http = self._build_http()
        return self._http

    def _build_http(self, client: Any = None, async_client: Any = None) -> GeminiHTTP:
        from langchain_cometgemini._http.client import GeminiHTTP, RetryPolicy

        if self.api_key is None:  # pragma: no cover - refused by the validator
            raise MissingAPIKeyError(NO_KEY)
        headers = build_headers(
            self.api_key.get_secret_value(),
            bearer=self.use_bearer_auth,
            extra=self.default_headers,
        )
        return GeminiHTTP(
            base_url=self.base_url,
            api_version=self.api_version,
            headers=headers,
            timeout=self.timeout,
            retry=RetryPolicy(max_retries=self.max_retries),
            client=client or self.http_client,
            async_client=async_client or self.http_async_client,
        )

    def _resolve_media(self, call: _Call, http: GeminiHTTP) -> dict[str, Any]:
        """The body with media URLs downloaded (only if a message may hold one)."""
        urls = media_urls(call.body, self.media_fetch) if call.media else []
        if not urls:
            return call.body
        fetched = http.fetch_media(urls, self._media_policy)
        return inline_downloads(call.body, fetched)

    async def _aresolve_media(self, call: _Call, http: GeminiHTTP) -> dict[str, Any]:
        """Async :meth:`_resolve_media`."""
        urls = media_urls(call.body, self.media_fetch) if call.media else []
        if not urls:
            return call.body
        fetched = await http.afetch_media(urls, self._media_policy)
        return inline_downloads(call.body, fetched)

    # -- calls ------------------------------------------------------------------

    def _answers(self, kwargs: dict[str, Any]) -> AnswerPolicy:
        """This call's answer policy, taken out of ``kwargs``."""
        from langchain_cometgemini import _empty

        return _empty.AnswerPolicy.pop(kwargs, self)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        answers = self._answers(kwargs)
        return answers.generate(self._generate_once, answers, messages, stop, kwargs)

    def _generate_once(
        self,
        answers: AnswerPolicy,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        """One request (``kwargs`` is the call's: copied, never consumed)."""
        from langchain_cometgemini._wire import response

        kwargs = dict(kwargs)
        llm = self._for_call(kwargs, async_api=False)
        call = llm._prepare(messages, stop, kwargs)
        http = llm._engine()
        request = llm._resolve_media(call, http)
        body = answers.seen(http.generate(call.model, request))
        return response.result_from_response(body, output_version=self.output_version)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        answers = self._answers(kwargs)
        return await answers.agenerate(
            self._agenerate_once, answers, messages, stop, kwargs
        )

    async def _agenerate_once(
        self,
        answers: AnswerPolicy,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        """Async :meth:`_generate_once`."""
        from langchain_cometgemini._wire import response

        kwargs = dict(kwargs)
        llm = self._for_call(kwargs, async_api=True)
        call = llm._prepare(messages, stop, kwargs)
        http = llm._engine()
        request = await llm._aresolve_media(call, http)
        body = answers.seen(await http.agenerate(call.model, request))
        return response.result_from_response(body, output_version=self.output_version)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        answers = self._answers(kwargs)
        chunks = answers.stream(self._stream_once, answers, messages, stop, kwargs)
        return chunks if run_manager is None else _reported(chunks, run_manager)

    def _stream_once(
        self,
        answers: AnswerPolicy,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
    ) -> tuple[Iterator[dict[str, Any]], StreamState]:
        """One request: its events, and the state that reads them into chunks."""
        from langchain_cometgemini._wire import response

        kwargs = dict(kwargs)
        llm = self._for_call(kwargs, async_api=False)
        call = llm._prepare(messages, stop, {**kwargs, "stream": True})
        http = llm._engine()
        request = llm._resolve_media(call, http)
        events = answers.watch(http.stream(call.model, request))
        return events, response.StreamState(output_version=self.output_version)

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        answers = self._answers(kwargs)
        chunks = answers.astream(self._astream_once, answers, messages, stop, kwargs)
        return chunks if run_manager is None else _areported(chunks, run_manager)

    async def _astream_once(
        self,
        answers: AnswerPolicy,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
    ) -> tuple[AsyncIterator[dict[str, Any]], StreamState]:
        """Async :meth:`_stream_once`."""
        from langchain_cometgemini._wire import response

        kwargs = dict(kwargs)
        llm = self._for_call(kwargs, async_api=True)
        call = llm._prepare(messages, stop, {**kwargs, "stream": True})
        http = llm._engine()
        request = await llm._aresolve_media(call, http)
        events = answers.awatch(http.astream(call.model, request))
        return events, response.StreamState(output_version=self.output_version)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """Count tokens with ``:countTokens``; counts already learnt are reused.

        Contents, system instruction and tools are all counted. A first count
        is one request carrying the whole request; contents counted before are
        not asked about again (``_tokens.py``: ``trim_messages`` costs one
        request per new content). Where the endpoint is missing, a local
        estimate (about 4 characters per token) is returned with a warning.
        """
        from langchain_cometgemini._empty import retired_or
        from langchain_cometgemini._tokens import count_tokens
        from langchain_cometgemini._wire.tools import convert_tools

        kwargs: dict[str, Any] = {}
        if tools:
            kwargs["tools"] = convert_tools(
                tools, schema_format=self.tool_schema_format
            )
        call = self._prepare(as_messages(messages), None, kwargs, partial=True)
        if not call.body.get("contents"):
            return 0  # nothing to count (trim_messages asks about [])
        try:
            return count_tokens(
                self._engine(), call.model, call.body, self._media_policy
            )
        except NotFoundError as error:
            raise retired_or(error, call.model)  # noqa: B904 (its own cause)

    def get_num_tokens(self, text: str) -> int:
        """Count the tokens of one text with Gemini's ``:countTokens``."""
        return self.get_num_tokens_from_messages([HumanMessage(text)])

    # -- tools and structured output ---------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | dict[str, Any] | list[str] | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        retrieval_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (any LangChain tool form, or Gemini built-in tool dicts).

        Args:
            tools: ``@tool``/``BaseTool``, functions, pydantic classes, TypedDicts,
                OpenAI or Gemini tool dicts, built-ins like ``{"google_search": {}}``.
            tool_choice: ``"auto"``, ``"any"``/``"required"``/``True``, ``"none"``,
                ``"validated"``, a tool name, a list of names or an OpenAI
                ``{"type": "function", "function": {"name": ...}}`` dict.
            strict: ``True`` sends Gemini's VALIDATED function-calling mode
                (every call matches its schema) unless ``tool_choice`` forces
                a call (ANY, validated already) or ``"none"``.
            parallel_tool_calls: Accepted for compatibility; Gemini decides.
            retrieval_config: The user's location for ``{"google_maps": {}}``
                grounding: ``{"latitude", "longitude", "language_code"}``
                (sent as ``toolConfig.retrievalConfig``).
            **kwargs: Further call arguments bound with the tools (for example
                ``response_format`` from ``create_agent``'s provider strategy).

        Raises:
            ValueError: ``tool_choice`` names a tool that is not bound, or two
                tools share a name.
        """
        from langchain_cometgemini._wire.tools import prepare_tools

        gemini_tools, config = prepare_tools(
            tools,
            tool_choice,
            schema_format=self.tool_schema_format,
            retrieval=retrieval_config,
            strict=strict,
        )
        if config is not None:
            kwargs["tool_config"] = config
        bound: Runnable[LanguageModelInput, AIMessage] = self.bind(
            tools=gemini_tools, **kwargs
        )
        return bound

    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type,
        *,
        method: Literal["json_schema", "function_calling", "json_mode"] = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Return a runnable whose output is parsed into ``schema``.

        Args:
            schema: A pydantic class, TypedDict or JSON-schema dict.
            method: ``json_schema`` (native ``responseJsonSchema``, default),
                ``function_calling`` (a forced tool call) or ``json_mode``.
            include_raw: Also return the raw message and any parsing error.
            strict: Accepted for API compatibility; Gemini validates natively.
            **kwargs: Further call arguments.

        Returns:
            A runnable returning the parsed object (a pydantic instance or a
            dict); streaming yields partial objects. A reply with nothing to
            parse raises ``OutputParserException`` carrying ``finish_reason``
            and ``finish_message`` (with ``include_raw`` it goes into
            ``parsing_error``).
        """
        from langchain_cometgemini._wire.structured import structured_runnable

        return structured_runnable(
            self,
            schema,
            method=method,
            include_raw=include_raw,
            strict=strict,
            **kwargs,
        )


_HTTP_INIT_LOCK: PerProcess[threading.Lock] = PerProcess(threading.Lock)
"""Guards the lazy creation of a model's transport across threads (per process:
another thread may hold the parent's at a fork)."""


def _check_settings(model: ChatCometGemini) -> None:
    """The rules every call meets, applied to the constructor's settings.

    Raises:
        ValueError: settings that can never work (a wrong type inside a dict
            setting included).
    """
    table = _table(type(model))
    table.check_raw_generation(model.generation_config)
    try:
        check_settings(model._default_params(), model.model, keys=table.generation_keys)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


@functools.cache
def _table(cls: type[ChatCometGemini]) -> FieldTable:
    """Where each of ``cls``'s fields goes, read from the fields once per class."""
    return FieldTable.of(cls.model_fields)


@functools.cache
def _known(cls: type[ChatCometGemini]) -> frozenset[str]:
    """The names ``cls``'s constructor accepts (fields and aliases), once per class."""
    return known_names(cls.model_fields)


def _reported(
    chunks: Iterator[ChatGenerationChunk], run_manager: CallbackManagerForLLMRun
) -> Iterator[ChatGenerationChunk]:
    """``chunks``, each reported to the callbacks as it is yielded."""
    for chunk in chunks:
        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk


async def _areported(
    chunks: AsyncIterator[ChatGenerationChunk],
    run_manager: AsyncCallbackManagerForLLMRun,
) -> AsyncIterator[ChatGenerationChunk]:
    """Async :func:`_reported`."""
    async for chunk in chunks:
        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk
