"""The model's lifecycle: ``modelStatus`` warnings and the retired-model 404.

Gemini answers may carry ``modelStatus`` (``modelStage``, ``retirementTime``,
``message``); the decoder keeps it in ``response_metadata["model_status"]``.
Flow::

    check(model, metadata)     a stage in RETIRING or a retirement time
      -> a ModelStatusWarning naming the model, its stage and the date,
         once per model per process
    retired_model_error(404, model)   Google's "models/x is not found" ->
                               ModelRetiredError naming the families the
                               package has profiles for (_wire.profiles)
"""

from __future__ import annotations

import difflib
import warnings
from typing import Any

from langchain_cometgemini._process import Once
from langchain_cometgemini._wire.profiles import FAMILIES
from langchain_cometgemini.errors import (
    ModelRetiredError,
    ModelStatusWarning,
    NotFoundError,
)

RETIRING = frozenset({"LEGACY", "DEPRECATED", "RETIRED"})
"""Stages that warn even without a retirement time."""

_WARNED = Once()
"""Models warned about in this process."""


def _get(status: dict[str, Any], snake: str, camel: str) -> Any:
    return status.get(snake, status.get(camel))


def check(model: str, metadata: dict[str, Any]) -> None:
    """Warn if ``metadata``'s model status says ``model`` is being retired."""
    status = metadata.get("model_status")
    if not isinstance(status, dict):
        return
    stage = _get(status, "model_stage", "modelStage")
    when = _get(status, "retirement_time", "retirementTime")
    if stage not in RETIRING and not when:
        return
    model = model.removeprefix("models/")
    if not _WARNED.first(model):
        return
    warnings.warn(
        _text(model, stage, when, status.get("message")),
        ModelStatusWarning,
        stacklevel=2,
    )


def _text(model: str, stage: Any, when: Any, message: Any) -> str:
    text = f"Gemini model {model!r}"
    text += f" is {stage}" if stage else " has a retirement date"
    text += f"; its retirement time is {when}." if when else "."
    if message:
        text += f" Gemini's message: {message}"
    return text + " Move to a newer model (this warning is shown once per model)."


def forget_warnings() -> None:
    """Warn again for models already warned about (tests start clean with it)."""
    _WARNED.forget()


def retired_model_error(error: NotFoundError, model: str) -> ModelRetiredError | None:
    """The error for a 404 naming the model asked for; None for another 404.

    Google answers the same 404 for a retired, a renamed and a misspelt model,
    so the message says all three and names the families the package has
    profiles for, the closest first.
    """
    missing = error.missing_resource or ""
    if isinstance(error, ModelRetiredError) or not missing.startswith("models/"):
        return None
    known = tuple(sorted(FAMILIES))
    name = missing.removeprefix("models/")
    closest = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    hint = f" Closest: {', '.join(closest)}." if closest else ""
    said = error.message if error.message.endswith(".") else error.message + "."
    message = (
        f"{said} Gemini does not serve the model {name!r}: it was retired or "
        f"renamed (or the name is misspelt).{hint} Model families this package "
        f"has profiles for: {', '.join(known)}."
    )
    retired = ModelRetiredError(
        message,
        status_code=error.status_code,
        status=error.status,
        details=error.details,
        headers=error.headers,
        request_id=error.request_id,
    )
    retired.model = model
    retired.known_models = known
    return retired
