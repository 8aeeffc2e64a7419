"""The Ray recipe: the model as a task argument, and in Ray Data ``map_batches``.

``map_batches`` takes a function and the model in ``fn_kwargs``, sized by
``compute=TaskPoolStrategy(...)``: ``concurrency=`` is deprecated since Ray
2.51, and a callable class runs in an actor pool whose creation logs an
error-level line about constructor arguments (ray-project/ray#57733).

Runs against the emulator (in this process, on 127.0.0.1) with a local Ray
cluster started here (``ray.init(num_cpus=2)``). Ray is a test extra, never a
runtime dependency: ``make test-ray`` installs and runs this.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models import LanguageModelInput

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def llm(gemini_emulator: GeminiEmulator) -> ChatCometGemini:
    model = make_model(gemini_emulator, max_retries=2)
    assert model.invoke("warm the parent's pool").content  # pools open when shipped
    return model


@ray.remote
def answer_batch(llm: ChatCometGemini, prompts: list[str]) -> list[str]:
    return [str(m.content) for m in llm.batch(list(prompts))]


@ray.remote
def answer_abatch(llm: ChatCometGemini, prompts: list[str]) -> list[str]:
    import asyncio

    async def run() -> list[str]:
        try:
            return [str(m.content) for m in await llm.abatch(list(prompts))]
        finally:
            await llm.aclose()

    return asyncio.run(run())


@pytest.mark.usefixtures("cluster")
def test_tasks_take_the_model_and_call_batch_and_abatch(
    llm: ChatCometGemini, gemini_emulator: GeminiEmulator
) -> None:
    groups = [[f"task{t}-{i}" for i in range(5)] for t in range(4)]
    futures = [answer_batch.remote(llm, g) for g in groups[:2]]
    futures += [answer_abatch.remote(llm, g) for g in groups[2:]]
    results = ray.get(futures, timeout=300)
    for group, answers in zip(groups, results, strict=True):
        assert answers == [f"Echo: {p}" for p in group]
    assert len(gemini_emulator.requests) == 1 + 20


def answer_rows(batch: dict[str, Any], llm: ChatCometGemini) -> dict[str, Any]:
    """A Ray Data batch function: the model comes in ``fn_kwargs``."""
    prompts: list[LanguageModelInput] = [str(p) for p in batch["prompt"]]
    batch["answer"] = [str(m.content) for m in llm.batch(prompts)]
    return batch


@pytest.mark.usefixtures("cluster")
def test_ray_data_map_batches(
    llm: ChatCometGemini, capfd: pytest.CaptureFixture[str]
) -> None:
    prompts = [f"row-{i}" for i in range(40)]
    dataset = ray.data.from_items([{"prompt": p} for p in prompts])
    answered = dataset.map_batches(
        answer_rows,
        fn_kwargs={"llm": llm},
        batch_size=10,
        compute=ray.data.TaskPoolStrategy(size=2),
    )
    rows = sorted(answered.take_all(), key=lambda row: str(row["prompt"]))
    assert [r["answer"] for r in rows] == [f"Echo: {p}" for p in sorted(prompts)]
    logged = capfd.readouterr().err
    assert "deprecated" not in logged  # Ray's current API (no concurrency=)
    assert [line for line in logged.splitlines() if " E " in line] == []
