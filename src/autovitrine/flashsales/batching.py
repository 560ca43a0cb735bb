"""Group commit for the async hot paths: work submitted while a batch runs goes in the next one.

At a flash sale's peak hundreds of joins arrive per event-loop tick. Each of their INSERTs and Redis
scripts costs mostly fixed overhead (a thread hop, a pool checkout, packing a command), so one call
for all the requests waiting at that moment costs little more than one call for a single request.
Each submitter is answered only once its own batch is done.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Pending(Generic[T, R]):
    def __init__(self) -> None:
        self.items: list[tuple[T, asyncio.Future[R]]] = []
        self.flushing = False


class GroupCommit(Generic[T, R]):
    """Calls ``run`` with up to ``max_batch`` items at a time (one answer per item, in order), one
    batch at a time per event loop; a batch that raises fails each of its items."""

    def __init__(
        self, run: Callable[[Sequence[T]], Awaitable[Sequence[R]]], max_batch: int
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        # Futures cannot cross event loops: one queue per loop.
        self._pending: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pending[T, R]] = (
            weakref.WeakKeyDictionary()
        )

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        pending = self._pending.get(loop)
        if pending is None:
            pending = self._pending[loop] = _Pending()
        future: asyncio.Future[R] = loop.create_future()
        pending.items.append((item, future))
        if not pending.flushing:
            pending.flushing = True
            # Started on the next tick, so every request of this one joins the first batch.
            loop.create_task(self._flush(pending))
        return await future

    async def _flush(self, pending: _Pending[T, R]) -> None:
        try:
            while pending.items:
                batch = pending.items[: self._max_batch]
                del pending.items[: self._max_batch]
                try:
                    answers = await self._run([item for item, _ in batch])
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), answer in zip(batch, answers, strict=True):
                    if not future.done():  # its request may have been cancelled meanwhile
                        future.set_result(answer)
        finally:
            pending.flushing = False
