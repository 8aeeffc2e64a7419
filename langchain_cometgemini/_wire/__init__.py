"""The wire layer: LangChain <-> Gemini JSON, pure functions, no I/O.

Requests: ``request.build_body`` turns messages and call parameters into a
``generateContent`` body (``messages``, ``blocks``, ``media``, ``tools``,
``schema``, ``profiles``). Answers: ``response`` turns Gemini's JSON (a whole
answer or one stream event) into ``AIMessage`` / ``AIMessageChunk``.

Nothing here imports the HTTP layer (``langchain_cometgemini._http``) or
``chat_models``; see ARCHITECTURE.md for the import rules.
"""
