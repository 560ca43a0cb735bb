"""How many requests one server process runs inside Django at once, and who goes first.

Past a handful of requests, more threads inside Django add no throughput on a few cores: they
take turns on the interpreter lock and each answer comes later. Under a crowd (a flash sale's
opening, issue #11) the queue then forms here, on the event loop, where waiting costs nothing,
and a request that finishes a purchase under way (a claim, a payment, the provider's webhook) is
let in before the visits still arriving: a buyer in their turn does not wait behind the crowd.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from typing import Any


class RequestGate:
    """At most ``limit`` holders at once; waiters enter first-served first, then in arrival
    order. One per process and event loop (granian runs one loop per worker)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a gate lets at least one request in")
        self.limit = limit
        self.inside = 0  # slots held, including one handed to a waiter not yet resumed
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrival = itertools.count()

    async def enter(self, first_served: Callable[[], bool]) -> None:
        """Take a slot, waiting for one if all are held. ``first_served`` is asked only when
        the request has to wait."""
        if self.try_enter():
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        rank = 0 if first_served() else 1
        heapq.heappush(self._waiting, (rank, next(self._arrival), turn))
        try:
            await turn
        except asyncio.CancelledError:
            # The client left. If the slot had just been handed over, pass it on.
            if turn.done() and not turn.cancelled():
                self.leave()
            raise

    def try_enter(self) -> bool:
        """Take a slot if one is free, without waiting."""
        if self.inside < self.limit:
            self.inside += 1
            return True
        return False

    def leave(self) -> None:
        """Give the slot to the next waiter still there, else free it."""
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():  # a cancelled waiter is skipped
                turn.set_result(None)
                return
        self.inside -= 1

    @property
    def waiting(self) -> int:
        return sum(1 for _, _, turn in self._waiting if not turn.done())


class Turn:
    """One request's ASGI receive channel, which also waits for the request's slot at the gate
    once its body is read: a request waiting there holds no thread and has run no code of
    Django's, and a client that leaves meanwhile is never served."""

    def __init__(
        self, receive: Callable[[], Awaitable[dict[str, Any]]], first_served: Callable[[], bool]
    ) -> None:
        self._receive = receive
        self._first_served = first_served
        self._listening: asyncio.Future[dict[str, Any]] | None = None
        self.inside = False

    async def __call__(self) -> dict[str, Any]:
        if self._listening is not None:  # the message that came while waiting at the gate
            listening, self._listening = self._listening, None
            return await listening
        return await self._receive()

    async def enter(self, gate: RequestGate) -> bool:
        """Wait for a slot, listening to the client meanwhile; False if it left first."""
        if gate.try_enter():
            self.inside = True
            return True
        entering = asyncio.ensure_future(gate.enter(self._first_served))
        listening = asyncio.ensure_future(self._receive())
        try:
            await asyncio.wait((entering, listening), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # the server dropped the request
            listening.cancel()
            await _give_up(gate, entering)
            raise
        if entering.done():
            self.inside = True
            self._listening = listening  # Django's own disconnect listener reads it next
            return True
        await _give_up(gate, entering)
        return False


async def _give_up(gate: RequestGate, entering: asyncio.Future[None]) -> None:
    """Leave the line; a slot handed over meanwhile goes to the next in line."""
    entering.cancel()
    try:
        await entering
    except asyncio.CancelledError:
        return  # ``RequestGate.enter`` passed on the slot, if it had just been handed over
    gate.leave()  # entered before the cancel could take effect
