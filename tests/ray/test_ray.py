"""The Ray recipe: the model as a task argument, and in Ray Data ``map_batches``.

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


class Answerer:
    """A Ray Data callable class: one model per actor, ``batch`` per block."""

    def __init__(self, llm: ChatCometGemini) -> None:
        self.llm = llm

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        prompts: list[LanguageModelInput] = [str(p) for p in batch["prompt"]]
        batch["answer"] = [str(m.content) for m in self.llm.batch(prompts)]
        return batch


@pytest.mark.usefixtures("cluster")
def test_ray_data_map_batches(llm: ChatCometGemini) -> None:
    prompts = [f"row-{i}" for i in range(40)]
    dataset = ray.data.from_items([{"prompt": p} for p in prompts])
    answered = dataset.map_batches(
        Answerer,
        fn_constructor_args=(llm,),
        batch_size=10,
        concurrency=2,
    )
    rows = sorted(answered.take_all(), key=lambda row: str(row["prompt"]))
    assert [r["answer"] for r in rows] == [f"Echo: {p}" for p in sorted(prompts)]
