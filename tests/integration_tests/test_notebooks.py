"""Execute the notebooks (and the README's code) against the emulator, like a reader.

Each notebook's first code cell starts ``ScriptedGemini`` (the emulator) when
``COMETAPI_KEY`` is not set, so the key is removed here. The notebooks are
committed with their outputs (``notebooks/outputs.py --write``); the outputs
produced today must keep the committed structure. The kernel is this interpreter (the
venv's python), through a kernelspec written to a temporary directory, so a
system-wide ``python3`` kernel can never be picked by mistake.
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL = "cometgemini-test-venv"


@pytest.fixture
def kernel_manager(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncKernelManager:
    monkeypatch.delenv("COMETAPI_KEY", raising=False)
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    # Keep the kernel's connection files and IPython profile out of $HOME.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    spec_dir = tmp_path / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (test venv)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    return AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


def execute(name: str, km: AsyncKernelManager) -> nbformat.NotebookNode:
    notebook: nbformat.NotebookNode = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook,
        km=km,
        timeout=120,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    return notebook


def text_of(cell: Any) -> str:
    """All text a code cell displayed: stdout, results and display data."""
    chunks = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            chunks.append(output["text"])
        data = output.get("data", {})
        chunks.append(data.get("text/plain", ""))
    return "".join(chunks)


def cell_with(notebook: nbformat.NotebookNode, needle: str) -> Any:
    matches = [
        c for c in notebook.cells if c.cell_type == "code" and needle in c.source
    ]
    assert len(matches) == 1, needle
    return matches[0]


def _structure(notebook: nbformat.NotebookNode) -> list[tuple[str, list[str]]]:
    """``notebooks/outputs.py``'s structure: per code cell, source and output kinds."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("outputs", NOTEBOOKS / "outputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shape: list[tuple[str, list[str]]] = module.structure(notebook)
    return shape


def committed(name: str) -> nbformat.NotebookNode:
    notebook: nbformat.NotebookNode = nbformat.read(NOTEBOOKS / name, as_version=4)
    return notebook


@pytest.mark.parametrize("name", ["chat_cometgemini.ipynb", "langgraph_agent.ipynb"])
def test_committed_with_outputs(name: str) -> None:
    notebook = committed(name)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert sum(1 for c in code if c.outputs) >= len(code) // 2  # a reader sees them
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)


def assert_outputs_match(name: str, executed: nbformat.NotebookNode) -> None:
    """The committed outputs have the structure the code produces today."""
    assert _structure(committed(name)) == _structure(executed), (
        f"{name}: outputs drifted; run python notebooks/outputs.py --write"
    )


def test_chat_notebook_runs(kernel_manager: AsyncKernelManager) -> None:
    notebook = execute("chat_cometgemini.ipynb", kernel_manager)
    assert_outputs_match("chat_cometgemini.ipynb", notebook)
    assert "using the local Gemini emulator" in text_of(
        cell_with(notebook, "ScriptedGemini(")
    )
    assert "Rayleigh scattering" in text_of(cell_with(notebook, "llm.invoke(messages)"))
    assert "'output_tokens'" in text_of(cell_with(notebook, "llm.stream("))
    assert "J'adore" in text_of(cell_with(notebook, "llm.astream("))
    assert "Ich liebe" in text_of(cell_with(notebook, "chain.invoke("))
    calls = text_of(cell_with(notebook, "bind_tools([get_weather])"))
    assert "'name': 'get_weather'" in calls and "'city': 'Paris'" in calls
    assert "18°C and sunny" in text_of(cell_with(notebook, "tool_messages ="))
    joke = text_of(cell_with(notebook, "structured_llm.invoke("))
    assert joke.startswith("Joke(setup=")
    thinking = text_of(cell_with(notebook, "thinker = "))
    assert "THOUGHT:" in thinking and "ANSWER: Yes" in thinking
    assert "'reasoning':" in thinking
    search = text_of(cell_with(notebook, "google_search"))
    assert "Spain won" in search and "- uefa.com https://www.uefa.com/" in search
    assert "blue square" in text_of(cell_with(notebook, '"type": "image", "base64"'))
    image_cell = cell_with(notebook, "response_modalities=")
    assert any("image/png" in o.get("data", {}) for o in image_cell.outputs)
    assert "STOP" in text_of(cell_with(notebook, 'response_metadata["finish_reason"]'))


def test_langgraph_notebook_runs(kernel_manager: AsyncKernelManager) -> None:
    notebook = execute("langgraph_agent.ipynb", kernel_manager)
    assert_outputs_match("langgraph_agent.ipynb", notebook)
    run = text_of(cell_with(notebook, "result = agent.invoke("))
    assert run.count("get_weather (") == 2  # two parallel calls in one turn
    assert "subtract (" in run
    assert "Tokyo is 6°C warmer" in run.splitlines()[-1]
    steps = text_of(cell_with(notebook, "stream_mode=")).splitlines()
    assert [line.split(":")[0].strip() for line in steps] == [
        "agent",
        "tools",
        "tools",
        "agent",
        "tools",
        "agent",
    ]
    memory = text_of(cell_with(notebook, '"thread_id"'))
    assert "Paris: it is sunny" in memory
    assert "9 messages in the thread" in memory
    assert "Tokyo is 6°C warmer" in text_of(cell_with(notebook, "create_agent("))


# -- the README's code, run the same way --------------------------------------------

README = NOTEBOOKS.parent / "README.md"


def readme_code(section: str) -> str:
    """The first ```python block after the heading ``section``."""
    text = README.read_text(encoding="utf-8").split(f"## {section}", 1)[1]
    return text.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_quickstart_runs(
    gemini_emulator: GeminiEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMETAPI_KEY", str(gemini_emulator.api_key))
    monkeypatch.setenv("COMETAPI_BASE_URL", gemini_emulator.base_url)
    exec(readme_code("Quickstart"), {})
    printed = capsys.readouterr().out
    assert "Echo: Why is the sky blue? Two sentences." in printed
    assert "name=" in printed and "country=" in printed  # the structured City
    tools = [r.body.get("tools") for r in gemini_emulator.requests]
    assert [{"googleSearch": {}}] in tools


def test_readme_emulator_example_passes(gemini_emulator: GeminiEmulator) -> None:
    namespace: dict[str, Any] = {}
    exec(readme_code("Test your own code offline: the emulator"), namespace)
    namespace["test_my_chain"](gemini_emulator)
    assert len(gemini_emulator.requests) == 2


def test_class_docstring_examples_compile() -> None:
    # Python 3.13 strips a docstring's common indentation at compile time, earlier
    # versions keep it: cleandoc gives the same text on every interpreter.
    docstring = inspect.cleandoc(ChatCometGemini.__doc__ or "")
    assert len(docstring.splitlines()) < 250
    sections = ["Setup:", "Instantiate:", "Invoke:", "Stream:", "Async:"]
    sections += ["Tool calling:", "Structured output:", "Thinking:", "Grounding:"]
    sections += ["Multimodal:", "Token usage:", "Response metadata:"]
    positions = [docstring.index(f"\n{name}\n") for name in sections]
    assert positions == sorted(positions)  # LangChain's template order
    blocks = [b.split("```")[0] for b in docstring.split("```python\n")[1:]]
    assert len(blocks) >= 11  # Instantiate ... Response metadata
    for block in blocks:
        source = textwrap.dedent(block)
        compile(source, "class_docstring", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
