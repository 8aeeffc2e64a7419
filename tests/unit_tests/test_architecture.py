"""The import rules of ARCHITECTURE.md, checked on the package's source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "langchain_cometgemini"
FLOOR = ("errors.py", "_json.py", "_version.py", "_process.py")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names; relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = here[: len(here) - node.level + 1]
                base = ".".join([*stem, base] if base else stem)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _files(folder: str = "") -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _offenders(files: list[Path], banned: tuple[str, ...]) -> list[str]:
    """``file imports module`` for each banned module (or submodule) imported."""
    out = []
    for path in files:
        for name in sorted(_imports(path)):
            if any(name == b or name.startswith(b + ".") for b in banned):
                out.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return out


def test_nothing_imports_chat_models() -> None:
    files = [p for p in _files() if p.name != "chat_models.py"]
    files = [p for p in files if p != PACKAGE / "__init__.py"]
    assert _offenders(files, ("langchain_cometgemini.chat_models",)) == []


def test_wire_layer_does_no_io() -> None:
    banned: tuple[str, ...] = ("langchain_cometgemini._http", "httpx", "httpx2")
    banned += (
        "httpcore2",
        "httpcore",
        "httpx_sse",
        "langchain_cometgemini.chat_models",
    )
    assert _offenders(_files("_wire"), banned) == []


def test_http_layer_knows_nothing_of_langchain() -> None:
    banned: tuple[str, ...] = ("langchain_core", "langchain_cometgemini._wire")
    banned += ("langchain_cometgemini.chat_models",)
    assert _offenders(_files("_http"), banned) == []


def test_only_the_http_layer_imports_the_http_library() -> None:
    files = [p for p in _files() if "_http" not in p.relative_to(PACKAGE).parts]
    assert _offenders(files, ("httpx2", "httpcore2", "httpcore", "httpx_sse")) == []


@pytest.mark.parametrize("name", FLOOR)
def test_the_floor_imports_nothing_of_the_package(name: str) -> None:
    assert _offenders([PACKAGE / name], ("langchain_cometgemini",)) == []
