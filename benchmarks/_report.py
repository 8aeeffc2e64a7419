"""Targets (PASS/FAIL from ratios) and the markdown report of every section.

Limits, in three groups (the report's first column):

* cost: invoke / ainvoke CPU E <= 1.25 x (A + D); streamed chunk CPU
  E <= 1.3 x (B + D); C/E >= 3 on invoke and on chunks (C only if installed);
  200 concurrent ``ainvoke`` wall E <= 1.25 x raw ``httpx.AsyncClient``;
* load: worst of the bursts of 200 (and of 1,000) concurrent ``ainvoke``,
  E <= 1.25 x the best raw client's worst burst; 32 threads: no duplicated,
  missing, failed or hung request, CPU per call E <= 1.25 x raw ``httpx2.Client``;
* footprint: import <= 1.1 x, 10x work <= 11x CPU, RSS flat.
"""

from __future__ import annotations

import statistics
from typing import Any

INVOKE_LIMIT = 1.25
CHUNK_LIMIT = 1.3
C_FACTOR = 3.0
CONCURRENT_LIMIT = 1.25
BURST_LIMIT = 1.25
THREAD_LIMIT = 1.25

RSS_FLAT_KB = 2048
"""RSS growth allowed between call 500 and the last call (allocator noise)."""


def _get(d: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return num / den


def _row(
    name: str,
    value: float | None,
    op: str,
    limit: float,
    how: str,
    group: str = "cost",
) -> dict[str, Any]:
    if value is None:
        verdict = "n/a"
    elif op == "<=":
        verdict = "PASS" if value <= limit else "FAIL"
    else:
        verdict = "PASS" if value >= limit else "FAIL"
    return {
        "group": group,
        "target": name,
        "value": value,
        "op": op,
        "limit": limit,
        "verdict": verdict,
        "how": how,
    }


def _floor_rows(
    r: dict[str, Any], sec: str, raw: str, label: str, limit: float
) -> list[dict[str, Any]]:
    e = _get(r, sec, "E", "cpu_us")
    floor = None
    a, d = _get(r, sec, raw, "cpu_us"), _get(r, sec, "D", "cpu_us")
    if a is not None and d is not None:
        floor = a + d
    c = _get(r, sec, "C", "cpu_us")
    rows = [
        _row(
            f"{label} CPU E/({raw}+D)",
            _ratio(e, floor),
            "<=",
            limit,
            f"E={_fmt(e)}us, {raw}={_fmt(a)}us, D={_fmt(d)}us",
        ),
        _row(
            f"{label} CPU C/E",
            _ratio(c, e),
            ">=",
            C_FACTOR,
            f"C={_fmt(c)}us, E={_fmt(e)}us",
        ),
    ]
    return rows if c is not None else rows[:1]  # C only when installed


def _in_situ_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    """E against F, the minimal integration (A/B inside a bare BaseChatModel)."""
    rows = []
    for sec, key, label, limit in (
        ("sync", "invoke", "invoke CPU", INVOKE_LIMIT),
        ("sync", "stream_chunk", "stream chunk CPU", CHUNK_LIMIT),
        ("async", "ainvoke", "ainvoke CPU", INVOKE_LIMIT),
    ):
        e, f = _get(r, sec, key, "E", "cpu_us"), _get(r, sec, key, "F", "cpu_us")
        rows.append(
            _row(
                f"(info) {label} E/F (F = minimal integration, in situ)",
                _ratio(e, f),
                "<=",
                limit,
                f"E={_fmt(e)}us, F={_fmt(f)}us",
            )
        )
    e = _get(r, "concurrency", "E", "wall_us")
    f = _get(r, "concurrency", "F", "wall_us")
    rows.append(
        _row(
            "(info) 200 concurrent ainvoke wall E/F",
            _ratio(e, f),
            "<=",
            CONCURRENT_LIMIT,
            f"E={_fmt(e, 1e3)}ms, F={_fmt(f, 1e3)}ms",
        )
    )
    return rows


def _decades(series: dict[str, Any], who: str) -> list[float | None]:
    keys = sorted(series, key=int)
    vals = [_get(series, k, who, "cpu_us") for k in keys]
    return [_ratio(b, a) for a, b in zip(vals, vals[1:], strict=False)]


def _import_rows(imp: dict[str, Any]) -> list[dict[str, Any]]:
    e = _get(imp, "E", "median_ms")
    e_class = _get(imp, "E_class", "median_ms")
    lazy = _get(imp, "core_lazy", "median_ms")
    base = _get(imp, "core_base", "median_ms")
    return [
        _row(
            "import E / `import langchain_core.language_models` (literal)",
            _ratio(e, lazy),
            "<=",
            1.1,
            f"E={_fmt(e)}ms, lazy core={_fmt(lazy)}ms (loads no BaseChatModel)",
            "footprint",
        ),
        _row(
            "import BaseChatModel then ChatCometGemini / BaseChatModel alone "
            "(same interpreter)",
            _get(imp, "E_over_base", "median_ratio"),
            "<=",
            1.1,
            "what the package adds to what every chat model loads, paired in one "
            "fresh interpreter per run",
            "footprint",
        ),
        _row(
            "(info) import `from langchain_cometgemini import ChatCometGemini` / "
            "`from langchain_core.language_models import BaseChatModel` "
            "(separate interpreters)",
            _ratio(e_class, base),
            "<=",
            1.1,
            f"ChatCometGemini={_fmt(e_class)}ms, BaseChatModel={_fmt(base)}ms",
            "footprint",
        ),
    ]


def _concurrency_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    conc = r.get("concurrency", {})
    e, raw = _get(conc, "E", "wall_us"), _get(conc, "raw", "wall_us")
    d = _get(conc, "D", "wall_us")
    floor = raw + d if raw is not None and d is not None else None
    return [
        _row(
            "200 concurrent ainvoke wall E/raw `httpx.AsyncClient` (median of "
            "rounds, warm model)",
            _ratio(e, raw),
            "<=",
            CONCURRENT_LIMIT,
            f"E={_fmt(e, 1e3)}ms, raw httpx={_fmt(raw, 1e3)}ms",
        ),
        _row(
            "(info) 200 concurrent ainvoke wall E/(raw+D)",
            _ratio(e, floor),
            "<=",
            CONCURRENT_LIMIT,
            f"D alone (LangChain, no network)={_fmt(d, 1e3)}ms",
        ),
    ]


def _burst_rows(bursts: dict[str, Any]) -> list[dict[str, Any]]:
    """Per width: E's worst burst against the best raw client's worst (+ D's)."""
    rows = []
    for width in sorted(bursts, key=int):
        series = bursts[width]
        worst = {k: max(v["wall_ms"]) for k, v in series.items() if v["wall_ms"]}
        raws = {k: v for k, v in worst.items() if k.startswith("raw ")}
        best = min(raws, key=raws.__getitem__, default=None)
        e, d = worst.get("E"), worst.get("D")
        b = raws.get(best) if best else None
        n = len(series.get("E", {}).get("wall_ms", []))
        rows.append(
            _row(
                f"worst of {n} bursts of {width} concurrent ainvoke, fresh model: "
                "E / best raw client's worst",
                _ratio(e, b),
                "<=",
                BURST_LIMIT,
                f"E={_fmt(e)}ms, best raw = {best} {_fmt(b)}ms",
                "load",
            )
        )
        rows.append(
            _row(
                f"(info) worst burst of {width}: E / (best raw worst + D worst)",
                _ratio(e, b + d if b is not None and d is not None else None),
                "<=",
                BURST_LIMIT,
                f"D (LangChain, no network) worst={_fmt(d)}ms",
                "load",
            )
        )
    return rows


def _thread_rows(t: dict[str, Any]) -> list[dict[str, Any]]:
    """32 threads: nothing duplicated/lost/hung; CPU E against raw httpx2 (+ D)."""

    def bad(name: str) -> int | None:
        row = t.get(name)
        if not row:
            return None
        keys = ("duplicated", "missing", "failed", "hung")
        return sum(row.get(k, 0) for k in keys)

    def cpu(name: str) -> float | None:
        return _get(t, name, "cpu_us_median")

    e, raw, d = cpu("E"), cpu("raw httpx2"), cpu("D")
    w = t.get("workers")
    detail = ", ".join(
        f"{k}={t[n].get(k, 0)}"
        for n in ("E",)
        if n in t
        for k in ("requests", "duplicated", "missing", "failed", "hung")
    )
    raw1 = t.get("raw httpx") or {}
    return [
        _row(
            f"{w} threads, one model: E requests duplicated + missing + failed + hung",
            bad("E"),
            "<=",
            0,
            f"{t.get('rounds')} x {t.get('calls_per_round')} calls: {detail}",
            "load",
        ),
        _row(
            f"{w} threads: CPU per call E / raw `httpx2.Client` (package's pool)",
            _ratio(e, raw),
            "<=",
            THREAD_LIMIT,
            f"E={_fmt(e)}us, raw httpx2={_fmt(raw)}us",
            "load",
        ),
        _row(
            f"(info) {w} threads: CPU per call E / (raw httpx2 + D)",
            _ratio(e, raw + d if raw is not None and d is not None else None),
            "<=",
            THREAD_LIMIT,
            f"D (no network, same threads)={_fmt(d)}us",
            "load",
        ),
        _row(
            f"(info) {w} threads: raw `httpx.Client` requests duplicated + missing "
            "+ failed + hung",
            bad("raw httpx"),
            "<=",
            0,
            f"duplicated={raw1.get('duplicated')}, CPU={_fmt(cpu('raw httpx'))}us "
            "per call",
            "load",
        ),
    ]


def _scaling_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for kind, label in _SCALING_ROWS:
        series = _get(r, "scaling", kind) or {}
        dec = [x for x in _decades(series, "E") if x is not None]
        detail = "; ".join(
            f"{who}: " + ", ".join(f"{x:.2f}" for x in ratios if x is not None)
            for who in ("A", "B", "D", "E", "E_core", "C")
            if (ratios := _decades(series, who)) and any(ratios)
        )
        rows.append(
            _row(
                label,
                max(dec, default=None),
                "<=",
                11.0,
                "per-decade CPU ratios, " + detail,
                "footprint",
            )
        )
    return rows


def _rss_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    rss = _get(r, "rss", "E", "rss_kb") or {}
    growth = None
    if "500" in rss and rss:
        last = max(rss, key=int)
        growth = rss[last] - rss["500"]
    return [
        _row(
            "RSS growth call 500 -> last (KiB)",
            growth,
            "<=",
            RSS_FLAT_KB,
            f"RSS KiB by call: {rss}",
            "footprint",
        )
    ]


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target whose sections ran (rows that need several: when all ran)."""
    sync, asy = r.get("sync", {}), r.get("async", {})
    groups: list[tuple[tuple[str, ...], Any]] = [
        (("sync",), lambda: _floor_rows(sync, "invoke", "A", "invoke", INVOKE_LIMIT)),
        (
            ("sync",),
            lambda: _floor_rows(sync, "stream_chunk", "B", "stream chunk", CHUNK_LIMIT),
        ),
        (("async",), lambda: _floor_rows(asy, "ainvoke", "A", "ainvoke", INVOKE_LIMIT)),
        (
            ("async",),
            lambda: _floor_rows(
                asy, "astream_chunk", "B", "astream chunk", CHUNK_LIMIT
            ),
        ),
        (("concurrency",), lambda: _concurrency_rows(r)),
        (("sync", "async", "concurrency"), lambda: _in_situ_rows(r)),
        (("bursts",), lambda: _burst_rows(r["bursts"])),
        (("threads",), lambda: _thread_rows(r["threads"])),
        (("imports",), lambda: _import_rows(r["imports"])),
        (("scaling",), lambda: _scaling_rows(r)),
        (("rss",), lambda: _rss_rows(r)),
    ]
    rows: list[dict[str, Any]] = []
    for needs, make in groups:
        if all(n in r for n in needs):
            rows += make()
    return rows


_SCALING_ROWS = (
    ("invoke", "scaling invoke (1KB->1MB) worst 10x step"),
    (
        "stream",
        "scaling stream (100->10k events) worst 10x step, collector paused while "
        "timing (as `timeit` does)",
    ),
    (
        "stream_gc",
        "(info) scaling stream worst 10x step with the collector running "
        "(LangChain's `stream()` keeps every chunk; compare D)",
    ),
)


def _fmt(x: float | None, div: float = 1.0) -> str:
    if x is None:
        return "-"
    v = x / div
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


_NAMES = {
    "A": "A raw httpx + json",
    "B": "B raw httpx + httpx-sse + json",
    "B2": "B2 raw httpx + hand-rolled SSE + json",
    "D": "D LangChain floor (no network)",
    "E": "E ChatCometGemini",
    "E_core": "E_core ChatCometGemini._generate/_stream (no LangChain wrapper)",
    "F": "F minimal integration (A/B inside a bare BaseChatModel)",
    "C": "C ChatGoogleGenerativeAI",
    "raw": "raw httpx.AsyncClient",
}


def _figures(r: dict[str, Any]) -> list[str]:
    lines = [
        "| variant | invoke wall us | invoke CPU us | ainvoke CPU us | "
        "chunk CPU us (1k-event stream) | achunk CPU us | 200x ainvoke wall ms | "
        "import ms | RSS KiB (call 500 -> last) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key in ("A", "B", "B2", "D", "F", "E", "E_core", "C", "raw"):
        cells = [
            _fmt(_get(r, "sync", "invoke", key, "wall_us")),
            _fmt(_get(r, "sync", "invoke", key, "cpu_us")),
            _fmt(_get(r, "async", "ainvoke", key, "cpu_us")),
            _fmt(_get(r, "sync", "stream_chunk", key, "cpu_us")),
            _fmt(_get(r, "async", "astream_chunk", key, "cpu_us")),
            _fmt(_get(r, "concurrency", key, "wall_us"), 1e3),
            _fmt(_get(r, "imports", key, "median_ms")),
            _rss_cell(_get(r, "rss", key, "rss_kb")),
        ]
        if all(c == "-" for c in cells):
            continue
        lines.append(f"| {_NAMES[key]} | " + " | ".join(cells) + " |")
    for key, label in (
        ("core_lazy", "`import langchain_core.language_models`"),
        ("core_base", "`from langchain_core.language_models import BaseChatModel`"),
        ("E_class", "`from langchain_cometgemini import ChatCometGemini`"),
    ):
        value = _fmt(_get(r, "imports", key, "median_ms"))
        lines.append(f"| {label} | | | | | | | {value} | |")
    return lines


def _rss_cell(rss: dict[str, int] | None) -> str:
    if not rss or "500" not in rss:
        return "-"
    last = max(rss, key=int)
    return f"{rss['500']} -> {rss[last]}"


def _scaling(r: dict[str, Any]) -> list[str]:
    lines = []
    for kind, label in (
        ("invoke", "response bytes"),
        ("stream", "stream events (collector paused while timing)"),
        ("stream_gc", "stream events (collector running)"),
    ):
        series = _get(r, "scaling", kind) or {}
        if not series:
            continue
        keys = sorted(series, key=int)
        who = [
            w for w in ("A", "B", "D", "E", "E_core", "C") if _get(series, keys[0], w)
        ]
        lines.append(f"| {label} | " + " | ".join(f"{w} CPU us" for w in who) + " |")
        lines.append("|---" * (len(who) + 1) + "|")
        for k in keys:
            cells = [_fmt(_get(series, k, w, "cpu_us")) for w in who]
            lines.append(f"| {k} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _bursts(bursts: dict[str, Any]) -> list[str]:
    lines = []
    for width in sorted(bursts, key=int):
        series = bursts[width]
        n = max((len(v["wall_ms"]) for v in series.values()), default=0)
        lines += [
            f"{n} consecutive bursts of {width} concurrent `ainvoke` / POSTs, "
            "fresh clients and models (wall ms per burst; CPU = client CPU ms, "
            "median burst):",
            "",
            "| variant | worst ms | median ms | every burst (ms, in order) | "
            "CPU ms (median) | errors |",
            "|---|---|---|---|---|---|",
        ]
        for name, v in series.items():
            walls = v["wall_ms"]
            if not walls:
                continue
            every = ", ".join(f"{x:.0f}" for x in walls)
            lines.append(
                f"| {_BURST_NAMES.get(name, name)} | {max(walls):.0f} | "
                f"{statistics.median(walls):.0f} | {every} | "
                f"{statistics.median(v['cpu_ms']):.0f} | {v['errors']} |"
            )
        lines.append("")
    return lines[:-1]


_BURST_NAMES = {
    "E": "E ChatCometGemini (package's clients)",
    "D": "D LangChain floor (no network)",
}


def _threads(t: dict[str, Any]) -> list[str]:
    lines = [
        f"{t.get('workers')} threads sharing one model / client, "
        f"{t.get('rounds')} round(s) of {t.get('calls_per_round')} sync calls per "
        "variant (requests, duplicated and missing as counted by the server):",
        "",
        "| variant | CPU us per call (median) | wall s (median) | requests | "
        "duplicated | missing | failed | hung |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in ("E", "raw httpx2", "raw httpx", "D"):
        v = t.get(name)
        if not v:
            continue
        cells = [
            _fmt(v.get("cpu_us_median")),
            f"{statistics.median(v['wall_s']):.2f}",
            *(str(v.get(k, "-")) for k in ("requests", "duplicated", "missing")),
            str(v.get("failed")),
            str(v.get("hung")),
        ]
        lines.append(f"| {_THREAD_NAMES[name]} | " + " | ".join(cells) + " |")
    return lines


_THREAD_NAMES = {
    "E": "E ChatCometGemini",
    "raw httpx2": "raw `httpx2.Client` (package's pool)",
    "raw httpx": "raw `httpx.Client` (package's pool)",
    "D": "D LangChain floor (no network)",
}


def _batch(b: dict[str, Any]) -> list[str]:
    ref = _get(b, "ainvoke", "cpu_us")
    lines = [
        f"{b.get('prompts')} prompts, `-j {b.get('j')}`, median of "
        f"{b.get('rounds')} round(s), client CPU per prompt:",
        "",
        "| variant | CPU us per prompt | vs one `ainvoke` | prompts/s | other |",
        "|---|---|---|---|---|",
    ]
    labels = {
        "ainvoke": "`ainvoke`, one call at a time (reference)",
        "abatch": f"`llm.abatch(prompts, max_concurrency={b.get('j')})`",
        "engine": "batch engine (`cli.batch.BatchRunner`, one flushed line per answer)",
        "command": "`cometgemini batch` command, whole process",
    }
    for key, label in labels.items():
        v = b.get(key)
        if not v:
            continue
        other = ", ".join(
            f"{k} {x:,.1f}" for k, x in v.items() if k not in ("cpu_us", "per_s")
        )
        ratio = _ratio(v["cpu_us"], ref)
        lines.append(
            f"| {label} | {_fmt(v['cpu_us'])} | {ratio:.2f}x | "
            f"{v['per_s']:.0f} | {other} |"
        )
    return lines


def render(r: dict[str, Any]) -> str:
    env = r.get("env", {})
    out = [
        "# ChatCometGemini benchmark: latest results",
        "",
        f"Mode `{r.get('mode')}`, {r.get('seconds', 0):.0f} s, commit "
        f"`{env.get('git_commit')}`, {env.get('when_utc')}, Python "
        f"{env.get('python')}, {env.get('cpus')} CPUs. Packages: "
        + ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items() if v)
        + ".",
        "",
        "Client CPU = `time.process_time` of the client process (the server is a",
        "separate process); medians over many calls after warm-up. Chunk figures are",
        "per streamed event of a 1,000-event stream (whole stream CPU / 1,000).",
        "",
        f"Sections: {', '.join(r.get('sections', []))}.",
        "",
        "## Targets",
        "",
        "Rows marked `(info)` are context, not targets.",
        "",
        "| group | target | value | limit | verdict | detail |",
        "|---|---|---|---|---|---|",
    ]
    for t in r.get("targets", []):
        val = "-" if t["value"] is None else f"{t['value']:.2f}"
        out.append(
            f"| {t.get('group', '')} | {t['target']} | {val} | "
            f"{t['op']} {t['limit']:g} | **{t['verdict']}** | {t['how']} |"
        )
    if any(k in r for k in ("sync", "async", "concurrency", "imports", "rss")):
        out += ["", "## Figures", ""] + _figures(r)
    if "bursts" in r:
        out += ["", "## Bursts (every burst timed)", ""] + _bursts(r["bursts"])
    if "threads" in r:
        out += ["", "## Sync use from many threads", ""] + _threads(r["threads"])
    if "batch" in r:
        out += ["", "## Batch (`cometgemini batch`, `abatch`)", ""] + _batch(r["batch"])
    if "scaling" in r:
        out += ["", "## Scaling (client CPU per call, median)", ""] + _scaling(r)
    return "\n".join(out).rstrip("\n") + "\n"
