"""Former home of the pytest plugin, kept for ``pytest_plugins = [...]`` lines.

The entry point is now :mod:`langchain_cometgemini.pytest_plugin`, which
imports nothing heavy until its fixture is used.
"""

from langchain_cometgemini.pytest_plugin import gemini_emulator

__all__ = ["gemini_emulator"]
