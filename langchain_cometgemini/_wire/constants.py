"""Names shared by both directions of conversion (the message format's vocabulary).

``_response.py`` writes these keys and values onto LangChain messages;
``_messages.py`` and ``_blocks.py`` read them back when a history is replayed.
Keeping them here lets neither direction import the other.
"""

DEFAULT_MODEL = "gemini-3-flash-preview"
"""The model ``ChatCometGemini`` uses when none is given (here, with no import of
LangChain, so that ``cometgemini --help`` can name it without loading LangChain)."""

MODEL_PROVIDER = "google_genai"
"""``response_metadata["model_provider"]`` of langchain-google-genai's messages
(Gemini's own parts and signatures, as this package's)."""

PROVIDER = "cometgemini"
"""``response_metadata["model_provider"]`` of this package's messages: the name
its content-block translator is registered under, so that langchain-core's
``google_genai`` translator stays as it is for every other package's messages."""

GEMINI_FORMAT = frozenset({PROVIDER, MODEL_PROVIDER})
"""Providers whose messages hold Gemini's parts, ids and signatures as sent."""

FC_SIGNATURES_KEY = "__gemini_function_call_thought_signatures__"
"""``additional_kwargs`` key: function-call signatures by tool call id (as
``langchain-google-genai``)."""

TEXT_SIGNATURES_KEY = "__gemini_text_thought_signatures__"
"""``additional_kwargs`` key: ``[{offset, signature}]`` for string content."""

GENERATED_ID_PREFIX = "lc_"
"""Tool call ids this package invents when Gemini sends none (never sent back)."""

OUTCOME_CODES = {
    "OUTCOME_UNSPECIFIED": 0,
    "OUTCOME_OK": 1,
    "OUTCOME_FAILED": 2,
    "OUTCOME_DEADLINE_EXCEEDED": 3,
}
"""``codeExecutionResult.outcome`` -> the enum number stored on
``code_execution_result`` blocks (as ``langchain-google-genai`` does, so
LangChain's Gemini translator reports ``status`` correctly)."""
