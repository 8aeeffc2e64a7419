"""Every declared runtime dependency is imported, and every import is declared.

The package's modules are read as source (no import needed): each ``import``
of a third-party module, at any depth (lazy imports included; type-checking
only imports and the pytest plugin excluded), is mapped to its distribution
and compared with ``[project] dependencies`` in pyproject.toml.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "langchain_cometgemini"


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = (
        re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0] for dep in project["dependencies"]
    )
    return {name.lower().replace("_", "-") for name in names}


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imported_roots() -> set[str]:
    roots: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "pytest_plugin.py":
            continue  # loaded by pytest itself: pytest is there
        tree = ast.parse(path.read_text())
        parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
        for node in ast.walk(tree):
            if _type_checking_only(node, parents):
                continue
            if isinstance(node, ast.Import):
                roots |= {a.name.partition(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.partition(".")[0])
    return roots - set(sys.stdlib_module_names) - {"langchain_cometgemini"}


def distributions(roots: set[str]) -> set[str]:
    owners = importlib.metadata.packages_distributions()
    return {owners[root][0].lower().replace("_", "-") for root in roots}


def test_every_import_is_declared_and_every_declaration_imported() -> None:
    used = distributions(imported_roots())
    assert used == declared()


def test_httpx_is_not_needed_to_accept_an_httpx_client() -> None:
    """``httpx`` clients are recognised by their class's module, never imported."""
    assert "httpx" not in imported_roots()
