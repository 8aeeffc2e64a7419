"""Profile ChatCometGemini: invoke, stream, import, and per-component costs.

Usage: ``.venv/bin/python benchmarks/profiling.py [--calls 500]``

Writes to benchmarks/results/profile/:

* ``invoke_cprofile.txt`` / ``stream_cprofile.txt``: cProfile with a CPU timer
  (``time.process_time``), sorted by cumulative and by own time;
* ``invoke_pyinstrument.txt`` / ``stream_pyinstrument.txt`` when pyinstrument
  is installed;
* ``import.txt``: ``-X importtime`` of what
  ``from langchain_cometgemini import ChatCometGemini`` adds on top of
  ``from langchain_core.language_models import BaseChatModel``;
* ``components.md``: microseconds per call of each hot-path step, timed
  directly (no profiler), so the cost of each proposed change can be estimated.

Private functions are looked up defensively: the package is being changed while
this runs, and a missing step is reported as ``n/a`` instead of failing.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _variants as V  # noqa: E402
from run import bytecode_env, start_server, stop_server  # noqa: E402

OUT = HERE / "results" / "profile"


def _cprofile(fn: Callable[[], Any], calls: int, path: Path) -> None:
    for _ in range(20):
        fn()
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    buf = io.StringIO()
    for key in ("cumulative", "tottime"):
        buf.write(f"==== sorted by {key} ({calls} calls, CPU timer) ====\n")
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(45)
    path.write_text(buf.getvalue())


def _pyinstrument(fn: Callable[[], Any], calls: int, path: Path) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return
    for _ in range(20):
        fn()
    prof = Profiler(interval=0.0002)
    prof.start()
    for _ in range(calls):
        fn()
    prof.stop()
    path.write_text(prof.output_text(unicode=False, color=False, show_all=False))


# -- import ------------------------------------------------------------------

_IMPORT_CODE = (
    "import sys; from langchain_core.language_models import BaseChatModel; "
    "sys.stderr.write('MARK\\n'); from langchain_cometgemini import ChatCometGemini"
)
"""``import langchain_cometgemini`` alone is lazy (PEP 562): load the class."""


def _import_profile(runs: int) -> str:
    per_module: dict[str, list[int]] = {}
    for run in range(runs + 1):  # run 0 only fills the bytecode cache
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", _IMPORT_CODE],
            capture_output=True,
            text=True,
            check=False,
            env=bytecode_env(),
        )
        if run == 0:
            continue
        after = done.stderr.split("MARK\n", 1)[-1]
        for line in after.splitlines():
            parts = line.split("|")
            if len(parts) != 3 or not parts[0].strip().split()[-1].isdigit():
                continue
            self_us = int(parts[0].split()[-1])
            per_module.setdefault(parts[2].strip(), []).append(self_us)
    rows = sorted(
        ((statistics.median(v), k) for k, v in per_module.items()), reverse=True
    )
    total = sum(us for us, _ in rows)
    lines = [
        f"Modules imported by `from langchain_cometgemini import ChatCometGemini` "
        f"after BaseChatModel "
        f"is loaded; median self time over {runs} runs: total {total / 1e3:.1f} ms",
        "",
    ]
    lines += [f"{us / 1e3:8.2f} ms  {name}" for us, name in rows[:40]]
    return "\n".join(lines) + "\n"


# -- components ----------------------------------------------------------------


def _time_us(fn: Callable[[], Any], n: int) -> float:
    for _ in range(max(5, n // 10)):
        fn()
    samples = []
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(n):
            fn()
        samples.append((time.process_time() - t0) / n)
    return statistics.median(samples) * 1e6


def _components(base: str) -> list[tuple[str, Callable[[], Any], int]]:
    from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
    from langchain_core.outputs import ChatGenerationChunk
    from server import _event, _text  # canned events like the server's

    model = V.cometgemini(base, 1024, 1000)
    messages = [HumanMessage(V.PROMPT)]
    unary = _event(_text(1024), final=True, out_tokens=256)
    middle = _event("tok001 w ", final=False, out_tokens=3)
    middle_raw = json.dumps(middle, separators=(",", ":"))
    client = model.http.client
    url = f"{base}/v1beta/models/bench:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": V.PROMPT}]}]}
    steps: list[tuple[str, Callable[[], Any], int]] = []

    def add(name: str, make: Callable[[], Callable[[], Any]], n: int) -> None:
        try:
            fn = make()
            fn()
        except Exception as exc:  # noqa: BLE001 - report, do not fail
            steps.append((f"{name} (n/a: {type(exc).__name__})", lambda: None, 0))
            return
        steps.append((name, fn, n))

    from langchain_cometgemini import _client, _response

    add(
        "chat_models._prepare (params + build_body)",
        lambda: lambda: model._prepare(messages, None, {}),
        5000,
    )
    add(
        "chat_models._merged_params",
        lambda: lambda: model._merged_params(None, {}),
        10000,
    )
    add("chat_models._default_params", lambda: model._default_params, 10000)
    add(
        "chat_models._get_ls_params (LangChain calls it per run)",
        lambda: lambda: model._get_ls_params(None),
        10000,
    )
    add(
        "chat_models._identifying_params",
        lambda: lambda: model._identifying_params,
        10000,
    )
    add(
        "_client.build_url (regex checks)",
        lambda: lambda: _client.build_url(base, "v1beta", "bench", "generateContent"),
        20000,
    )
    add(
        "GeminiHTTP._request (json.dumps + httpx build_request)",
        lambda: lambda: model.http._request(client, url, body),
        3000,
    )
    add(
        "json.dumps(body) only",
        lambda: lambda: json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        20000,
    )
    add(
        "httpx build_request with str URL",
        lambda: (
            lambda: client.build_request(
                "POST", url, content=b"{}", headers=model.http.headers
            )
        ),
        3000,
    )
    add(
        "_response.result_from_response (1 KB answer)",
        lambda: lambda: _response.result_from_response(unary),
        3000,
    )
    add(
        "_response.StreamState.chunk (one mid-stream event)",
        lambda: functools.partial(_response.StreamState().chunk, middle),
        5000,
    )
    add(
        "_client.StreamCheck.accept (json.loads + checks, one event)",
        lambda: functools.partial(_client.StreamCheck(url).accept, middle_raw),
        20000,
    )
    add("json.loads(one event) only", lambda: lambda: json.loads(middle_raw), 20000)
    add(
        "AIMessageChunk(content=str) alone",
        lambda: lambda: AIMessageChunk(content="tok001 w "),
        10000,
    )
    add(
        "AIMessageChunk(content, usage_metadata, response_metadata, id)",
        lambda: (
            lambda: AIMessageChunk(
                content="tok001 w ",
                response_metadata={"model_provider": "google_genai"},
                usage_metadata={
                    "input_tokens": 0,
                    "output_tokens": 1,
                    "total_tokens": 1,
                },
                id="bench-response-id",
                tool_call_chunks=[],
                additional_kwargs={},
            )
        ),
        10000,
    )
    add(
        "ChatGenerationChunk(message=AIMessageChunk)",
        lambda: lambda: ChatGenerationChunk(message=AIMessageChunk(content="x")),
        10000,
    )
    add(
        "AIMessage(content=1 KB str, usage, metadata)",
        lambda: (
            lambda: AIMessage(
                content=_text(1024),
                usage_metadata={
                    "input_tokens": 8,
                    "output_tokens": 256,
                    "total_tokens": 264,
                },
                response_metadata={"model_provider": "google_genai"},
            )
        ),
        10000,
    )
    _alternatives(add, client, url, model.http.headers, middle_raw)
    return steps


def _alternatives(
    add: Callable[[str, Callable[[], Callable[[], Any]], int], None],
    client: Any,
    url: str,
    headers: dict[str, str],
    event: str,
) -> None:
    """Costs of the cheaper alternatives proposed in the report."""
    import httpx
    from langchain_core.messages import AIMessageChunk
    from langchain_core.outputs import ChatGenerationChunk
    from langchain_core.outputs.chat_generation import merge_chat_generation_chunks

    parsed, hdrs = httpx.URL(url), httpx.Headers(headers)
    own = httpx.Client(headers=headers)
    add(
        "ALT build_request: cached httpx.URL + dict headers",
        lambda: (
            lambda: client.build_request("POST", parsed, content=b"{}", headers=headers)
        ),
        3000,
    )
    add(
        "ALT build_request: cached httpx.URL, headers set on the owned client",
        lambda: lambda: own.build_request("POST", parsed, content=b"{}"),
        3000,
    )
    add(
        "ALT httpx.Request(cached URL, prebuilt httpx.Headers)",
        lambda: lambda: httpx.Request("POST", parsed, content=b"{}", headers=hdrs),
        3000,
    )
    try:
        import orjson

        add("ALT orjson.loads(one event)", lambda: lambda: orjson.loads(event), 20000)
    except ImportError:
        pass
    usage = {"input_tokens": 0, "output_tokens": 1, "total_tokens": 1}
    meta = {"model_provider": "google_genai"}

    def chunks(with_usage: bool) -> list[Any]:
        return [
            ChatGenerationChunk(
                message=AIMessageChunk(
                    content=f"tok{i} ",
                    response_metadata=dict(meta),
                    usage_metadata=dict(usage) if with_usage else None,
                    id="bench-response-id",
                )
            )
            for i in range(1000)
        ]

    for flag in (True, False):
        cs = chunks(flag)
        add(
            f"LangChain end-of-stream merge of 1,000 chunks, usage on every chunk="
            f"{flag} (per call, divide by 1,000 per chunk)",
            lambda cs=cs: lambda: merge_chat_generation_chunks(cs),
            20,
        )


def _sse_per_event(base: str) -> list[tuple[str, float]]:
    raw = V.Raw(base)
    b = raw.calls(1024, 1000).stream
    b2 = raw.hand_sse(1024, 1000).stream
    out = []
    for name, fn in (
        ("httpx-sse EventSource.iter_sse + json.loads", b),
        ("hand-rolled splitter over iter_bytes + json.loads", b2),
    ):
        out.append((name, _time_us(fn, 5) / 1000))
    return out


def components_md(base: str) -> str:
    lines = ["| step | client CPU us per call |", "|---|---|"]
    for name, fn, n in _components(base):
        value = "n/a" if n == 0 else f"{_time_us(fn, n):.1f}"
        lines.append(f"| {name} | {value} |")
    for name, us in _sse_per_event(base):
        lines.append(f"| per event of a 1,000-event stream: {name} | {us:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Profile ChatCometGemini")
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--import-runs", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    proc, base = start_server()
    try:
        calls = V.model_calls(V.cometgemini(base, 1024, 1000))
        _cprofile(calls.invoke, args.calls, OUT / "invoke_cprofile.txt")
        _cprofile(calls.stream, max(5, args.calls // 50), OUT / "stream_cprofile.txt")
        _pyinstrument(calls.invoke, args.calls, OUT / "invoke_pyinstrument.txt")
        _pyinstrument(
            calls.stream, max(5, args.calls // 50), OUT / "stream_pyinstrument.txt"
        )
        (OUT / "components.md").write_text(components_md(base))
    finally:
        stop_server(proc)
    (OUT / "import.txt").write_text(_import_profile(args.import_runs))
    print((OUT / "components.md").read_text())
    print((OUT / "import.txt").read_text())


if __name__ == "__main__":
    main()
