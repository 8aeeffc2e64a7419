"""Where each model field goes, read from the fields themselves.

A field says where it goes with a marker in its annotation, next to its type::

    temperature: Annotated[float | None, gen("temperature", ls="ls_temperature")]
    safety_settings: Annotated[..., body("safetySettings")]
    timeout: Annotated[float | None, TRANSPORT]

``FieldTable.of(model_fields)`` reads the markers (and each field's alias) once
per class and derives everything the model needs:

    generation_keys   name -> generationConfig key   (_wire.request, passed in)
    request_fields    fields that shape the body     (_default_params, per call)
    call_only         body arguments that are no field (tools, tool_choice, ...)
    client_fields     per-call settings that are no body (a model copy per call)
    transport_fields  the client fields that need their own HTTP settings
    aliases           alias -> name, for constructor, per call and bind alike
    ls_params         name -> LangSmith parameter     (_get_ls_params)
    validate(name, v) a per-call or bound value checked by the field's own type

A field without a marker (``streaming``, ``http_client``) is no call argument.
Fields computed from several (``thinkingConfig``, ``toolConfig``) or special in
form (``safetySettings``, raw ``generation_config`` / ``extra_body``) are
assembled by ``_wire.request``. This module imports nothing of the package, so
the wire layer gets what it needs passed in.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AllowInfNan, Field, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

Kind = Literal["generation", "body", "client", "transport", "model"]


class Goes:
    """The marker in a field's annotation: where its value goes.

    A plain class, not a tuple: pydantic would expand an iterable marker into
    its items (``annotated_types.GroupedMetadata``).
    """

    __slots__ = ("kind", "ls", "wire")

    def __init__(self, kind: Kind, wire: str | None = None, ls: str | None = None):
        self.kind = kind
        self.wire = wire
        """``generationConfig`` key (kind ``generation``) or top-level body key."""
        self.ls = ls
        """LangSmith parameter reporting it (``ls_temperature``...)."""

    def __repr__(self) -> str:
        return f"Goes({self.kind!r}, wire={self.wire!r}, ls={self.ls!r})"


def gen(wire: str, *, ls: str | None = None) -> Goes:
    """A ``generationConfig`` key."""
    return Goes("generation", wire, ls)


def body(wire: str | None) -> Goes:
    """Assembled into the body (``wire``: the key it ends up in)."""
    return Goes("body", wire)


CLIENT = Goes("client")
"""A per-call setting outside the body (media, schema format, answer policy)."""
TRANSPORT = Goes("transport")
"""A per-call HTTP setting: the call gets its own URL, headers or retries."""
MODEL = Goes("model", ls="ls_model_name")

INT32: Any = Field(ge=-(2**31), le=2**31 - 1)
"""An int Gemini reads as ``int32`` (larger values are refused, not sent)."""
FINITE = AllowInfNan(False)
"""A float JSON can carry: NaN and infinities are refused naming the field."""


CALL_ONLY: Mapping[str, str] = {
    "tools": "tools",
    "tool_config": "toolConfig",
    "tool_choice": "toolConfig",
    "retrieval_config": "toolConfig",
    "response_format": "generationConfig",
    "response_json_schema": "responseJsonSchema",
    "response_schema": "responseSchema",
}
"""Arguments given per call (or bound) only -> where they end up."""

CALL_ONLY_GENERATION = {"response_json_schema", "response_schema"}


class Row(NamedTuple):
    """One call argument: a field (or call-only argument) and where it goes."""

    name: str
    kind: Kind
    wire: str | None = None
    aliases: tuple[str, ...] = ()
    ls: str | None = None
    field: bool = True


class FieldTable:
    """Every call argument of a model class, derived from its fields."""

    def __init__(self, rows: tuple[Row, ...], infos: Mapping[str, FieldInfo]):
        self.rows = rows
        self.infos = infos

    @classmethod
    def of(cls, fields: Mapping[str, FieldInfo]) -> FieldTable:
        """Read the ``Goes`` markers of ``fields`` (a class's ``model_fields``)."""
        rows = [row for name, info in fields.items() for row in _row(name, info)]
        rows += [
            Row(name, _call_only_kind(name), wire, field=False)
            for name, wire in CALL_ONLY.items()
        ]
        marked = {row.name: fields[row.name] for row in rows if row.name in fields}
        return cls(tuple(rows), marked)

    def _names(self, *kinds: Kind, fields_only: bool = False) -> Iterator[Row]:
        for row in self.rows:
            if row.kind in kinds and (row.field or not fields_only):
                yield row

    @functools.cached_property
    def generation_keys(self) -> dict[str, str]:
        return {r.name: str(r.wire) for r in self._names("generation")}

    @functools.cached_property
    def request_fields(self) -> tuple[str, ...]:
        return tuple(
            r.name for r in self._names("generation", "body", fields_only=True)
        )

    @functools.cached_property
    def call_only(self) -> frozenset[str]:
        return frozenset(r.name for r in self.rows if not r.field)

    @functools.cached_property
    def client_fields(self) -> frozenset[str]:
        return frozenset(r.name for r in self._names("client", "transport"))

    @functools.cached_property
    def transport_fields(self) -> frozenset[str]:
        return frozenset(r.name for r in self._names("transport"))

    @functools.cached_property
    def aliases(self) -> dict[str, str]:
        return {alias: r.name for r in self.rows for alias in r.aliases}

    @functools.cached_property
    def ls_params(self) -> dict[str, str]:
        return {r.name: r.ls for r in self.rows if r.ls}

    @functools.cached_property
    def call_names(self) -> tuple[str, ...]:
        """Every name a call accepts (for "did you mean" hints)."""
        return tuple(sorted({r.name for r in self.rows} | set(self.aliases)))

    def canonical(self, key: str) -> str:
        """The field name of an argument given by name or alias."""
        return self.aliases.get(key, key)

    @functools.cached_property
    def _adapters(self) -> dict[str, TypeAdapter[Any]]:
        return {}

    def _adapter(self, name: str) -> TypeAdapter[Any]:
        """The field's type and constraints (not its marker), built once."""
        adapter = self._adapters.get(name)
        if adapter is None:
            info = self.infos[name]
            kept = tuple(m for m in info.metadata if not isinstance(m, Goes))
            annotation: Any = info.annotation
            if kept:
                annotation = Annotated[annotation, *kept]
            adapter = self._adapters[name] = TypeAdapter(annotation)
        return adapter

    def validate(self, name: str, value: Any) -> Any:
        """A per-call (or bound) value checked by the field's own annotation.

        The constructor's rules, so ``temperature="hot"`` fails the same way
        everywhere; ``None`` (unset for this call) always passes.

        Raises:
            ValueError: the value does not fit the field, naming the argument.
        """
        if value is None or name not in self.infos:
            return value
        try:
            checked = self._adapter(name).validate_python(value)
        except ValidationError as exc:
            problem = "; ".join(e["msg"] for e in exc.errors())
            shown = "'**********'" if name == "api_key" else f"{value!r:.80}"
            msg = f"Invalid value for {name}: {problem} (got {shown})."
            raise ValueError(msg) from None
        if name == "generation_config":
            self.check_raw_generation(checked)
        return checked

    def check_raw_generation(self, raw: Mapping[str, Any] | None) -> None:
        """Known entries of a raw ``generation_config`` meet their field's rule.

        ``{"topK": 2.5}`` fails as ``top_k=2.5`` does; unknown entries (fields
        Gemini adds later) pass as given.

        Raises:
            ValueError: a known entry its field would refuse, naming the key.
        """
        fields = {_plain(r.wire): r.name for r in self._names("generation")}
        fields |= {_plain(wire): name for wire, name in _RAW_THINKING.items()}
        entries = list((raw or {}).items())
        nested = (raw or {}).get("thinkingConfig", (raw or {}).get("thinking_config"))
        if isinstance(nested, Mapping):
            entries += list(nested.items())
        for key, value in entries:
            name = fields.get(_plain(str(key)))
            if name is None or value is None:
                continue
            try:
                self.validate(name, value)
            except ValueError as exc:
                msg = f"generation_config[{key!r}]: {exc}"
                raise ValueError(msg) from None


_RAW_THINKING = {
    "thinkingBudget": "thinking_budget",
    "includeThoughts": "include_thoughts",
}
"""``thinkingConfig`` entries checked by their field (a level is checked, and
upper-cased, where the body is built)."""


def _plain(key: str | None) -> str:
    """``top_k``, ``topK`` -> ``topk``: one spelling to compare keys by."""
    return (key or "").replace("_", "").lower()


def _call_only_kind(name: str) -> Kind:
    return "generation" if name in CALL_ONLY_GENERATION else "body"


def _row(name: str, info: FieldInfo) -> list[Row]:
    marks = [m for m in info.metadata if isinstance(m, Goes)]
    if not marks:
        return []
    goes = marks[0]
    aliases = (info.alias,) if info.alias and info.alias != name else ()
    return [Row(name, goes.kind, goes.wire, aliases, goes.ls)]
