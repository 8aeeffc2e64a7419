"""Live tests against the real CometAPI, recorded as cassettes (vcrpy).

* ``COMETAPI_KEY`` set: every test talks to CometAPI (``COMETAPI_BASE_URL``
  honoured) and records its HTTP exchanges into ``tests/live/cassettes/``
  (record mode ``once``: an existing cassette is replayed, not re-recorded;
  delete it to record again). The key is redacted from the cassettes.
* No key: a test whose cassette exists replays it offline; the others are
  skipped at collection with the reason ``COMETAPI_KEY not set``.

Run: ``make live`` (``pytest tests/live -q -rs``). ``COMETAPI_CASSETTES``
points at another cassette directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import vcr

LIVE_DIR = Path(__file__).resolve().parent
CASSETTES = Path(
    os.environ.get("COMETAPI_CASSETTES", Path(__file__).parent / "cassettes")
)
HAS_KEY = bool(os.environ.get("COMETAPI_KEY"))
REPLAY_KEY = "replayed-from-cassette"
SKIP_REASON = "COMETAPI_KEY not set"


def cassette_path(item: pytest.Item) -> Path:
    """``cassettes/<module>/<test name>.yaml`` (brackets made file-safe)."""
    module = Path(str(item.fspath)).stem
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name).strip("_")
    return CASSETTES / module / f"{name}.yaml"


def recorder() -> vcr.VCR:
    """The vcrpy configuration: key headers redacted, requests matched in order."""
    return vcr.VCR(
        record_mode="once" if HAS_KEY else "none",
        filter_headers=[
            ("x-goog-api-key", "REDACTED"),
            ("authorization", "REDACTED"),
        ],
        filter_query_parameters=[("key", "REDACTED")],
        match_on=["method", "scheme", "host", "port", "path", "query"],
        decode_compressed_response=True,
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every live test; without a key, skip those with no cassette."""
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if LIVE_DIR not in Path(str(item.fspath)).resolve().parents:
            continue
        item.add_marker(pytest.mark.live)
        if not HAS_KEY and not cassette_path(item).exists():
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _cassette(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Record (with a key) or replay (without) this test's HTTP exchanges."""
    if not HAS_KEY:
        monkeypatch.setenv("COMETAPI_KEY", REPLAY_KEY)
    path = cassette_path(request.node)
    with recorder().use_cassette(str(path)):
        yield
