"""The ``cli`` subpackage's shape: what each module may import, what loads when.

``--help`` and ``--version`` answer without LangChain (checked in a fresh
interpreter), ``chat`` and ``batch`` never import each other, the modules
they share import neither, and the emulator is reached only through
``langchain_cometgemini.testing``'s public names.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[2] / "langchain_cometgemini" / "cli"
SHARED = ("options", "terminal", "backend")
"""Modules both commands use: they import neither command."""


def imports(module: str) -> set[str]:
    """Every module the ``cli`` module ``module`` imports (absolute names)."""
    tree = ast.parse((CLI / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = sorted(path.stem for path in CLI.glob("*.py"))


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    "argv", [["--help"], ["--version"], ["batch", "--help"]], ids=" ".join
)
def test_help_and_version_answer_without_loading_langchain(argv: list[str]) -> None:
    code = (
        "import contextlib, io, sys\n"
        "from langchain_cometgemini.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as shown:\n"
        "    try:\n"
        f"        main({argv!r})\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
        "heavy = ('langchain_core', 'pydantic', 'httpx2', 'httpx')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
        "print(shown.getvalue().split()[0])\n"
    )
    loaded, first_word = run_python(code).splitlines()
    assert loaded == "[]"
    assert first_word in ("usage:", "cometgemini")


@pytest.mark.parametrize("module", ["chat", "batch"])
def test_the_commands_never_import_each_other(module: str) -> None:
    other = "batch" if module == "chat" else "chat"
    assert f"langchain_cometgemini.cli.{other}" not in imports(module)


@pytest.mark.parametrize("module", SHARED)
def test_shared_modules_import_no_command(module: str) -> None:
    commands = {"chat", "batch", "jobs", "progress"}
    found = {name.rsplit(".", 1)[-1] for name in imports(module)}
    assert {m for m in found if m in commands} == set()


@pytest.mark.parametrize("module", MODULES)
def test_the_emulator_is_used_through_its_public_api(module: str) -> None:
    private = [
        name
        for name in imports(module)
        if name.startswith("langchain_cometgemini.testing.")
        and name.split(".")[2].startswith("_")
    ]
    assert private == []
