"""Build the compact request schema shipped with the Gemini emulator.

Reads Google's discovery document for ``generativelanguage`` v1beta and writes
``langchain_cometgemini/testing/_schema.json``: for ``GenerateContentRequest``,
``CountTokensRequest`` and every message reachable from them, the field names
with a compact type description. Run it again whenever the discovery document
is refreshed::

    python scripts/build_emulator_schema.py [DISCOVERY_JSON]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_SOURCE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "gemini"
    / "generativelanguage.v1beta.discovery.json"
)
TARGET = (
    Path(__file__).resolve().parent.parent
    / "langchain_cometgemini"
    / "testing"
    / "_schema.json"
)
ROOTS = ("GenerateContentRequest", "CountTokensRequest")

# Enums that are top-level proto enums rather than nested in their message.
TOP_LEVEL_ENUMS = {
    ("Schema", "type"): "Type",
    ("SafetySetting", "category"): "HarmCategory",
    ("SafetySetting", "threshold"): "SafetySetting.HarmBlockThreshold",
    ("GenerationConfig", "responseModalities"): "GenerationConfig.Modality",
}


def field_spec(message: str, name: str, prop: dict[str, Any]) -> dict[str, Any]:
    """Describe one field compactly (type code, ref, enum, repeated)."""
    spec: dict[str, Any] = {}
    if prop.get("type") == "array":
        spec["r"] = True
        prop = prop["items"]
    values = prop.get("additionalProperties", {})
    if prop.get("type") == "object" and "$ref" in values:
        # A map<string, Message> such as ``Schema.properties``.
        return {**spec, "t": "map", "ref": values["$ref"]}
    if "$ref" in prop:
        spec["t"] = "msg"
        spec["ref"] = prop["$ref"]
    elif "enum" in prop:
        spec["t"] = "enum"
        spec["enum"] = prop["enum"]
        default = f"{message}.{name[0].upper()}{name[1:]}"
        spec["et"] = TOP_LEVEL_ENUMS.get((message, name), default)
    elif prop.get("type") == "object" or prop.get("type") == "any":
        spec["t"] = "any"
    elif prop.get("format") == "byte":
        spec["t"] = "bytes"
    elif prop.get("format") in ("int64", "uint64"):
        spec["t"] = "int64"
    else:
        kind = {"integer": "int", "number": "float", "boolean": "bool"}
        spec["t"] = kind.get(prop.get("type", "string"), "str")
    return spec


def build(discovery: dict[str, Any]) -> dict[str, Any]:
    """Return the compact schema of every message reachable from the roots."""
    schemas = discovery["schemas"]
    out: dict[str, Any] = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        fields = {}
        for fname, prop in schemas[name].get("properties", {}).items():
            spec = field_spec(name, fname, prop)
            if spec["t"] == "msg" and spec["ref"] not in schemas:
                # Dangling reference in the document: accept anything there.
                spec = {"t": "any", **({"r": True} if spec.get("r") else {})}
            fields[fname] = spec
            if spec["t"] in ("msg", "map"):
                todo.append(spec["ref"])
        out[name] = fields
    return dict(sorted(out.items()))


def main(argv: list[str]) -> int:
    """Generate the schema file; return a process exit code."""
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    discovery = json.loads(source.read_text(encoding="utf-8"))
    compact = {"revision": discovery.get("revision"), "messages": build(discovery)}
    TARGET.write_text(
        json.dumps(compact, sort_keys=True, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    sys.stdout.write(f"wrote {TARGET} ({len(compact['messages'])} messages)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
