"""Objects the collector tracks, alive per ``ainvoke`` in flight.

A burst of concurrent calls pays the garbage collector for every object each
request keeps alive while it waits: the more there are, the more young
collections run and the more objects reach the old generations. This counts
them: 100 concurrent ``ainvoke`` against an in-process server that holds every
answer until all requests have arrived (``--phase send``), or after the head
and the first bytes of the body (``--phase body``); the objects created since
before the burst, per request, by kind (coroutines and generators by function,
cells by the function that closes over them).

    python benchmarks/live_objects.py [--phase body] [--top 40]

Run it with ``PYTHONPATH`` pointing at another checkout to count that version.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
from typing import Any

import server

WIDTH = 100
BODY = json.dumps(server._event(server._text(1024), final=True, out_tokens=10))


class HeldServer:
    """Answers each request once every request of the burst has arrived."""

    def __init__(self, phase: str) -> None:
        self.phase = phase
        self.arrived = 0
        self.release = asyncio.Event()

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        body = BODY.encode()
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        head += b"content-length: %d\r\n\r\n" % len(body)
        while True:
            try:
                request = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            length = 0
            for line in request.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            sent = head + body[:100] if self.phase == "body" else b""
            writer.write(sent)
            self.arrived += 1
            await self.release.wait()
            writer.write((head + body)[len(sent) :])
            await writer.drain()


def kind(obj: Any) -> str:
    """A tracked object's kind, with the function behind frames and closures."""
    name = f"{type(obj).__module__.split('.')[0]}:{type(obj).__qualname__}"
    code = getattr(obj, "cr_code", None) or getattr(obj, "gi_code", None)
    code = code or getattr(obj, "ag_code", None)
    if code is not None:
        return f"{name} {code.co_qualname}"
    if isinstance(obj, type(kind)):
        return f"{name} {obj.__qualname__}"
    if type(obj).__name__ == "method":
        return f"{name} {getattr(obj.__func__, '__qualname__', '?')}"
    if type(obj).__name__ == "cell":
        for holder in gc.get_referrers(obj):
            for function in gc.get_referrers(holder) if type(holder) is tuple else []:
                if isinstance(function, type(kind)):
                    return f"{name} {function.__qualname__}"
    return name


async def count(phase: str) -> collections.Counter[str]:
    from langchain_cometgemini import ChatCometGemini

    held = HeldServer(phase)
    listener = await asyncio.start_server(held.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    model = ChatCometGemini(
        model="bench", base_url=f"http://127.0.0.1:{port}", api_key="k", timeout=60
    )

    async def burst(look: bool) -> collections.Counter[str]:
        held.arrived = 0
        held.release.clear()
        calls = [asyncio.ensure_future(model.ainvoke("hi")) for _ in range(WIDTH)]
        while held.arrived < WIDTH:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.01)
        found: collections.Counter[str] = collections.Counter()
        if look:
            found.update(kind(o) for o in gc.get_objects() if id(o) not in known)
        held.release.set()
        await asyncio.gather(*calls)
        return found

    known: set[int] = set()
    for _ in range(3):  # warm: clients, pools, first-use imports
        await burst(False)
    gc.collect()
    gc.disable()
    known = {id(o) for o in gc.get_objects()}
    try:
        return await burst(True)
    finally:
        gc.enable()
        await model.aclose()  # the held connections end; their handlers return
        await asyncio.sleep(0.05)
        listener.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phase", choices=("send", "body"), default="send")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    found = asyncio.run(count(args.phase))
    print(f"{sum(found.values()) / WIDTH:.1f} tracked objects alive per request")
    for name, n in found.most_common(args.top):
        print(f"{n / WIDTH:7.2f}  {name}")


if __name__ == "__main__":
    main()
