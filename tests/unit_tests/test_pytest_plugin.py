"""The pytest plugin costs nothing until its fixture is used."""

from __future__ import annotations

import subprocess
import sys


def test_loading_the_plugin_imports_neither_the_emulator_nor_the_model() -> None:
    code = (
        "import sys, langchain_cometgemini.pytest_plugin\n"
        "heavy = [m for m in sys.modules if m.startswith("
        "('langchain_cometgemini.testing', 'langchain_cometgemini.chat_models',"
        " 'langchain_core', 'httpx'))]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_entry_point_names_the_light_module() -> None:
    from importlib.metadata import entry_points

    plugins = entry_points(group="pytest11")
    ours = [e for e in plugins if e.name == "cometgemini"]
    assert ours and ours[0].value == "langchain_cometgemini.pytest_plugin"
