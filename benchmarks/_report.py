"""Targets of issue 6 (PASS/FAIL from ratios) and the markdown report."""

from __future__ import annotations

from typing import Any

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
    name: str, value: float | None, op: str, limit: float, how: str
) -> dict[str, Any]:
    if value is None:
        verdict = "n/a"
    elif op == "<=":
        verdict = "PASS" if value <= limit else "FAIL"
    else:
        verdict = "PASS" if value >= limit else "FAIL"
    return {
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
    return [
        _row(
            f"{label} CPU E/({raw}+D)",
            _ratio(e, floor),
            "<=",
            limit,
            f"E={_fmt(e)}us, {raw}={_fmt(a)}us, D={_fmt(d)}us",
        ),
        _row(
            f"{label} CPU C/E", _ratio(c, e), ">=", 3.0, f"C={_fmt(c)}us, E={_fmt(e)}us"
        ),
    ]


def _in_situ_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    """E against F, the minimal integration (A/B inside a bare BaseChatModel)."""
    rows = []
    for sec, key, label, limit in (
        ("sync", "invoke", "invoke CPU", 1.15),
        ("sync", "stream_chunk", "stream chunk CPU", 1.3),
        ("async", "ainvoke", "ainvoke CPU", 1.15),
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
            1.2,
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
        ),
        _row(
            "import BaseChatModel then ChatCometGemini / BaseChatModel alone "
            "(same interpreter)",
            _get(imp, "E_over_base", "median_ratio"),
            "<=",
            1.1,
            "what the package adds to what every chat model loads, paired in one "
            "fresh interpreter per run",
        ),
        _row(
            "(info) import `from langchain_cometgemini import ChatCometGemini` / "
            "`from langchain_core.language_models import BaseChatModel` "
            "(separate interpreters)",
            _ratio(e_class, base),
            "<=",
            1.1,
            f"ChatCometGemini={_fmt(e_class)}ms, BaseChatModel={_fmt(base)}ms",
        ),
    ]


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    rows += _floor_rows(r.get("sync", {}), "invoke", "A", "invoke", 1.15)
    rows += _floor_rows(r.get("sync", {}), "stream_chunk", "B", "stream chunk", 1.3)
    rows += _floor_rows(r.get("async", {}), "ainvoke", "A", "ainvoke", 1.15)
    rows += _floor_rows(r.get("async", {}), "astream_chunk", "B", "astream chunk", 1.3)
    conc = r.get("concurrency", {})
    e, raw = _get(conc, "E", "wall_us"), _get(conc, "raw", "wall_us")
    rows.append(
        _row(
            "200 concurrent ainvoke wall E/raw",
            _ratio(e, raw),
            "<=",
            1.2,
            f"E={_fmt(e, 1e3)}ms, raw httpx={_fmt(raw, 1e3)}ms",
        )
    )
    d = _get(conc, "D", "wall_us")
    floor = raw + d if raw is not None and d is not None else None
    rows.append(
        _row(
            "(info) 200 concurrent ainvoke wall E/(raw+D)",
            _ratio(e, floor),
            "<=",
            1.2,
            f"D alone (LangChain, no network)={_fmt(d, 1e3)}ms",
        )
    )
    rows += _in_situ_rows(r)
    rows += _import_rows(r.get("imports", {}))
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
            )
        )
    rss = _get(r, "rss", "E", "rss_kb") or {}
    growth = None
    if "500" in rss and rss:
        last = max(rss, key=int)
        growth = rss[last] - rss["500"]
    rows.append(
        _row(
            "RSS growth call 500 -> last (KiB)",
            growth,
            "<=",
            RSS_FLAT_KB,
            f"RSS KiB by call: {rss}",
        )
    )
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
        "## Targets (issue 6)",
        "",
        "| target | value | limit | verdict | detail |",
        "|---|---|---|---|---|",
    ]
    for t in r.get("targets", []):
        val = "-" if t["value"] is None else f"{t['value']:.2f}"
        out.append(
            f"| {t['target']} | {val} | {t['op']} {t['limit']:g} | "
            f"**{t['verdict']}** | {t['how']} |"
        )
    out += ["", "## Figures", ""] + _figures(r)
    out += ["", "## Scaling (client CPU per call, median)", ""] + _scaling(r)
    return "\n".join(out) + "\n"
