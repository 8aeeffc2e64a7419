"""Execute the notebooks offline and write (or check) their committed outputs.

Usage::

    python notebooks/outputs.py --write   # run every notebook, store its outputs
    python notebooks/outputs.py --check   # run them, compare with what is stored

Both run each notebook in a fresh kernel of this interpreter with
``COMETAPI_KEY`` / ``COMETAPI_BASE_URL`` removed, so the notebooks' own setup
cell answers from ``ScriptedGemini`` (scripted answers, one real recorded
response from ``tests/data``). ``--check`` fails (exit 1) when the outputs the
code produces today differ in structure from the stored ones: per code cell,
its source and the kinds of its outputs (stream name, or MIME types of
results and displays); the text itself may differ (ports, ids). Volatile
details are normalised when writing (emulator ports, execution metadata).

``structure`` and ``execute`` are importable, so a test can do the same check.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NOTEBOOKS = ("chat_cometgemini.ipynb", "langgraph_agent.ipynb")
KERNEL = "cometgemini-outputs"
_PORT = re.compile(r"http://127\.0\.0\.1:\d+")


def execute(path: Path) -> Any:
    """Run the notebook at ``path`` offline; return the executed notebook."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    saved = {name: os.environ.pop(name, None) for name in _ENV}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            spec_dir = Path(tmp) / "kernels" / KERNEL
            spec_dir.mkdir(parents=True)
            spec = {
                "argv": [sys.executable, "-m", "ipykernel_launcher"]
                + ["-f", "{connection_file}"],
                "display_name": "Python (this interpreter)",
                "language": "python",
            }
            (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
            specs = KernelSpecManager(kernel_dirs=[str(Path(tmp) / "kernels")])
            manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)
            client = NotebookClient(
                notebook,
                km=manager,
                timeout=120,
                kernel_name=KERNEL,
                resources={"metadata": {"path": str(path.parent)}},
            )
            client.execute()
    finally:
        for name, value in saved.items():
            if value is not None:
                os.environ[name] = value
    return notebook


_ENV = ("COMETAPI_KEY", "COMETAPI_BASE_URL")


def normalise(notebook: Any) -> Any:
    """Drop volatile details: emulator ports, execution timing metadata."""
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _PORT.sub("http://127.0.0.1:PORT", output["text"])
            data = output.get("data", {})
            if isinstance(data.get("text/plain"), str):
                data["text/plain"] = _PORT.sub(
                    "http://127.0.0.1:PORT", data["text/plain"]
                )
    notebook.metadata.pop("widgets", None)
    return notebook


def structure(notebook: Any) -> list[tuple[str, list[str]]]:
    """Per code cell: its source and the kinds of its outputs, in order."""
    shape = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kinds = []
        for output in cell.get("outputs", []):
            kind = output["output_type"]
            if kind == "stream":
                name = f"stream:{output['name']}"
                if not kinds or kinds[-1] != name:  # a kernel may split a stream
                    kinds.append(name)
            elif kind == "error":
                kinds.append(f"error:{output.get('ename')}")
            else:
                kinds.append(f"{kind}:{','.join(sorted(output.get('data', {})))}")
        shape.append((cell.source, kinds))
    return shape


def main() -> int:
    """Write or check the outputs of every notebook; return the exit status."""
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="store fresh outputs")
    mode.add_argument("--check", action="store_true", help="compare with stored")
    parser.add_argument("names", nargs="*", default=list(NOTEBOOKS))
    args = parser.parse_args()
    status = 0
    for name in args.names:
        path = HERE / name
        executed = normalise(execute(path))
        if args.write:
            nbformat.write(executed, path)
            sys.stdout.write(f"{name}: outputs written\n")
            continue
        stored = nbformat.read(path, as_version=4)
        if structure(stored) != structure(executed):
            status = 1
            if len(structure(stored)) != len(structure(executed)):
                sys.stdout.write(
                    f"{name}: the stored notebook has another number of cells\n"
                )
            for (source, old), (_, new) in zip(
                structure(stored), structure(executed), strict=False
            ):
                if old != new:
                    first = source.splitlines()[0] if source else ""
                    sys.stdout.write(
                        f"{name}: cell {first!r}: stored {old}, now {new}\n"
                    )
        else:
            sys.stdout.write(f"{name}: outputs match the code\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
