"""The HTTP layer: an SDK-shaped Gemini client over httpx2, no LangChain.

The only part of the package that imports the HTTP library. It sends JSON
bodies built elsewhere and returns decoded JSON (a whole answer, or stream
events), raising the typed errors of :mod:`langchain_cometgemini.errors`.
See ARCHITECTURE.md for the import rules.
"""
