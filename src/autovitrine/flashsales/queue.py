"""The waiting room: a ``QueueBackend`` protocol, a Redis implementation for many worker processes
(sorted sets and Lua scripts, one round trip per call) and an in-process one for the embedded
default. Both carry only fairness (who is admitted when); the database decides every sale.

Per sale, the Redis keys share the hash tag ``{sale_id}`` so a Lua script may touch them all on a
Redis Cluster. ``meta`` mirrors the unit counts written by the services after each database change.
Customer states in ``who``: ``w`` waiting, ``a`` admitted but not yet told, ``A`` admitted and
told, ``c`` holding a unit, ``s`` done (bought up to the limit), ``x`` removed by staff; absent
means "may join".

An admission lasts ``admission_ms`` from the moment its page is first told (its first status
answer), not from the moment it is granted: on a busy morning a page may learn of it late, and the
buyer must still have the whole time to click. A page that never asks loses it ``admission_ms``
after the grant, so an admission never blocks a unit for more than twice its length.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis
from django.conf import settings

from .batching import GroupCommit

# Pre-queue places score their draw ticket (below 2**52); first-come-first-served places after the
# opening score above it, in arrival order (scores stay exact integers in Redis's doubles).
TICKET_BITS = 52
TICKET_RANGE = 1 << TICKET_BITS
FCFS_BASE = TICKET_RANGE
# Admissions per window give the observed pace used for the estimated wait.
PACE_WINDOW_MS = 120_000
PACE_MIN_WINDOW_MS = 30_000
# Unit counts are re-read from the database at least this often while people poll.
RESYNC_EVERY_MS = 5_000
ADMISSION_LOG_KEEP_MS = 600_000
ASYNC_CONNECTIONS_PER_LOOP = 32


@dataclass(frozen=True, slots=True)
class SaleSnapshot:
    sale_id: int
    state: str  # published, open, sold_out, closed
    opens_at_ms: int
    admission_ms: int
    opened_at_ms: int = 0


@dataclass(frozen=True, slots=True)
class UnitCounts:
    available: int
    held: int
    sold: int
    total: int
    next_expiry_ms: int = 0  # when the earliest hold expires (or expired); 0 if none


@dataclass(frozen=True, slots=True)
class Place:
    """A queue place as recorded in the database, used to rebuild the waiting room."""

    customer_id: int
    state: str  # w, c, s or x (see the module docstring)
    pre_queue: bool
    order: int  # the draw ticket of a pre-queue place, else the arrival order


@dataclass(frozen=True, slots=True)
class RateCheck:
    key: str
    limit: int
    window_ms: int


@dataclass(frozen=True, slots=True)
class RateAnswer:
    """The rate checks of one join: the key of the first counter over its limit ("" if none),
    and how many places the join's network already took in the sale (issue #11, defect 8)."""

    refused: str = ""
    network_places: int = 0

    @property
    def allowed(self) -> bool:
        return not self.refused


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    result: str  # pre, line, already, removed, missing, sold_out, closed, draft
    position: int | None = None
    who: str = ""


@dataclass(frozen=True, slots=True)
class QueueStatus:
    found: bool
    limited: bool = False
    state: str = ""
    place: str = "none"  # none, pre, waiting, admitted, holding, done, removed
    position: int | None = None
    admitted_until_ms: int = 0
    admission_ms: int = 0
    available: int = 0
    held: int = 0
    sold: int = 0
    total: int = 0
    line_length: int = 0
    pre_length: int = 0
    admissions_in_window: int = 0
    opens_at_ms: int = 0
    opened_at_ms: int = 0
    sweep_due: bool = False
    open_due: bool = False
    resync_due: bool = False
    ticket: int | None = None  # the caller's draw ticket while in the pre-queue
    visitors: int = 0  # signed-in visitors of the sale, told only to a page without a place

    @property
    def admitted_at_ms(self) -> int:
        return self.admitted_until_ms - self.admission_ms


@dataclass(frozen=True, slots=True)
class QueueStats:
    found: bool
    state: str = ""
    visitors: int = 0
    line_length: int = 0
    pre_length: int = 0
    admitted: int = 0
    available: int = 0
    held: int = 0
    sold: int = 0
    total: int = 0
    admissions_last_minute: int = 0


def pace_window_ms(*, now_ms: int, opened_at_ms: int) -> int:
    """The window over which admissions are counted: since the opening, within 30 s–2 min."""
    since_open = now_ms - opened_at_ms if opened_at_ms else PACE_WINDOW_MS
    return max(PACE_MIN_WINDOW_MS, min(PACE_WINDOW_MS, since_open))


class QueueBackend(Protocol):
    def load(
        self,
        *,
        sale: SaleSnapshot,
        counts: UnitCounts,
        places: Sequence[Place],
        network_places: Mapping[str, int] | None = None,
    ) -> None:
        """(Re)build a sale's waiting room from the database."""
        ...

    def join(
        self, *, sale_id: int, customer_id: int, now_ms: int, ticket: int, network: str = ""
    ) -> JoinOutcome:
        """A place: in the pre-queue with ``ticket`` before the opening, else at the back; a new
        place counts for ``network`` (its places make the next joins' proof of work harder)."""
        ...

    async def ajoin_then_status(
        self,
        *,
        sale_id: int,
        customer_id: int,
        now_ms: int,
        ticket: int,
        poll_limit: int,
        network: str = "",
    ) -> JoinOutcome | QueueStatus:
        """A join and, if it took a new place, the status that follows (one round trip);
        else the join's outcome."""
        ...

    def draw(self, *, sale_id: int, now_ms: int) -> bool:
        """Open the sale: the pre-queue goes to the head of the line in ticket order, at once;
        later joins queue first-come-first-served. ``False`` if it was not announced."""
        ...

    def status(
        self, *, sale_id: int, customer_id: int | None, now_ms: int, poll_limit: int
    ) -> QueueStatus: ...

    async def astatus(
        self, *, sale_id: int, customer_id: int | None, now_ms: int, poll_limit: int
    ) -> QueueStatus: ...

    def apply(
        self,
        *,
        sale_id: int,
        now_ms: int,
        counts: UnitCounts | None = None,
        state: str | None = None,
        changes: Sequence[tuple[int, str]] = (),
    ) -> None:
        """Mirror database changes (unit counts, sale state, customers' states) and admit."""
        ...

    def allow(self, *, sale_id: int, checks: Sequence[RateCheck], network: str = "") -> RateAnswer:
        """Count one hit on each counter; the first over its limit, and the places ``network``
        took in the sale (read in the same round trip)."""
        ...

    async def aallow(
        self, *, sale_id: int, checks: Sequence[RateCheck], network: str = ""
    ) -> RateAnswer: ...

    def network_places(self, *, sale_id: int, network: str) -> int:
        """How many places of the sale were taken from ``network``."""
        ...

    async def anetwork_places(self, *, sale_id: int, network: str) -> int: ...

    def try_lock(self, *, sale_id: int, name: str, ttl_ms: int) -> bool: ...

    def stats(self, *, sale_id: int, now_ms: int) -> QueueStats: ...


# --- Redis ----------------------------------------------------------------------------------

# Shared by the status and apply scripts: drop lapsed admissions, then admit from the head of the
# line while available units exceed outstanding admissions.
_LUA_ADMIT = """
local function admit(meta, line, admitted, who, admits, now)
  if redis.call('HGET', meta, 'state') ~= 'open' then return end
  local lapsed = redis.call('ZRANGEBYSCORE', admitted, '-inf', now)
  for _, c in ipairs(lapsed) do
    local w = redis.call('HGET', who, c)
    if w == 'a' or w == 'A' then redis.call('HDEL', who, c) end
  end
  if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', admitted, '-inf', now) end
  local slots = tonumber(redis.call('HGET', meta, 'available') or '0') - redis.call('ZCARD', admitted)
  if slots <= 0 then return end
  local popped = redis.call('ZPOPMIN', line, slots)
  if #popped == 0 then return end
  local deadline = now + tonumber(redis.call('HGET', meta, 'admission_ms'))
  for i = 1, #popped, 2 do
    local c = popped[i]
    redis.call('ZADD', admitted, deadline, c)
    redis.call('HSET', who, c, 'a')
    redis.call('ZADD', admits, now, c .. ':' .. now)
  end
  redis.call('ZREMRANGEBYSCORE', admits, '-inf', now - KEEP_MS)
end
""".replace("KEEP_MS", str(ADMISSION_LOG_KEEP_MS))

# The status a page polls for: ``k`` the sale's keys (meta, pre, line, admitted, who, admits,
# visitors, lock prefix), ``rl`` the customer's poll counter, ``cid`` the customer ('' for none).
_LUA_STATUS_OF = """
local function status_of(k, rl, cid, now, poll_limit, window)
local meta, pre, line, admitted, who, admits, visitors, locks = unpack(k, 1, 8)
if redis.call('EXISTS', meta) == 0 then return {'missing'} end
if cid ~= '' then
  local n = redis.call('INCR', rl)
  if n == 1 then redis.call('PEXPIRE', rl, 60000) end
  if n > poll_limit then return {'limited'} end
  redis.call('PFADD', visitors, cid)
end
admit(meta, line, admitted, who, admits, now)
local m = redis.call('HMGET', meta, 'state', 'available', 'held', 'sold', 'total', 'opens_at',
  'opened_at', 'next_expiry', 'admission_ms', 'synced_at')
local state = m[1]
local place, position, until_ms, ticket = 'none', -1, 0, ''
if cid ~= '' then
  local w = redis.call('HGET', who, cid)
  if w == 'a' or w == 'A' then
    place = 'admitted'
    until_ms = tonumber(redis.call('ZSCORE', admitted, cid) or '0')
    if w == 'a' and until_ms > now then
      -- First told now: the admission runs from here (see the module's docstring).
      until_ms = now + tonumber(m[9])
      redis.call('ZADD', admitted, until_ms, cid)
      redis.call('HSET', who, cid, 'A')
    end
  elseif w == 'w' then
    local r = redis.call('ZRANK', line, cid)
    if r then
      place, position = 'waiting', r + 1
    else
      local t = redis.call('ZSCORE', pre, cid)
      if t then place, ticket = 'pre', t end
    end
  elseif w == 'c' then place = 'holding'
  elseif w == 's' then place = 'done'
  elseif w == 'x' then place = 'removed'
  end
end
local sweep, opening, resync = 0, 0, 0
local next_expiry = tonumber(m[8] or '0')
if next_expiry > 0 and now >= next_expiry then
  if redis.call('SET', locks .. 'sweep', '1', 'NX', 'PX', 2000) then sweep = 1 end
end
local opens_at, opened_at = tonumber(m[6] or '0'), tonumber(m[7] or '0')
if state == 'published' and now >= opens_at then
  if redis.call('SET', locks .. 'open', '1', 'NX', 'PX', 5000) then opening = 1 end
end
if (state == 'open' or state == 'published') and now - tonumber(m[10] or '0') > RESYNC_MS then
  if redis.call('SET', locks .. 'resync', '1', 'NX', 'PX', RESYNC_MS) then resync = 1 end
end
local since = now - window
-- Pages without a place share the poll budget by the number of visitors (a cached count).
local watchers = 0
if place == 'none' then watchers = redis.call('PFCOUNT', visitors) end
return {'ok', state, place, position, until_ms, m[2], m[3], m[4], m[5],
  redis.call('ZCARD', line), redis.call('ZCARD', pre),
  redis.call('ZCOUNT', admits, since, now), opens_at, opened_at,
  sweep, opening, resync, m[9], ticket, watchers}
end
""".replace("RESYNC_MS", str(RESYNC_EVERY_MS))

# KEYS: the sale's keys, then the poll counter; ARGV: customer, now, poll limit, pace window.
_LUA_STATUS = (
    _LUA_ADMIT
    + _LUA_STATUS_OF
    + """
return status_of(KEYS, KEYS[9], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))
"""
)

# A place in the waiting room: in the pre-queue with its ticket before the opening, else at the back.
_LUA_JOIN_PLACE = """
local function join_place(meta, pre, line, who, cid, now, ticket, nets, network)
  if redis.call('EXISTS', meta) == 0 then return {'missing'} end
  local state = redis.call('HGET', meta, 'state')
  if state ~= 'published' and state ~= 'open' then return {state} end
  local w = redis.call('HGET', who, cid)
  if w == 'x' then return {'removed'} end
  if w then return {'already', w} end
  redis.call('HSET', who, cid, 'w')
  if network ~= '' then redis.call('HINCRBY', nets, network, 1) end
  if state == 'published' and now < tonumber(redis.call('HGET', meta, 'opens_at')) then
    redis.call('ZADD', pre, ticket, cid)
    return {'pre'}
  end
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  redis.call('ZADD', line, FCFS_BASE + seq, cid)
  return {'line', redis.call('ZRANK', line, cid) + 1}
end
""".replace("FCFS_BASE", str(FCFS_BASE))

# KEYS: meta, pre, line, who, nets; ARGV: customer, now, ticket, network ('' for none).
_LUA_JOIN = (
    _LUA_JOIN_PLACE
    + """return join_place(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], tonumber(ARGV[2]), ARGV[3],
  KEYS[5], ARGV[4])"""
)

# A batch of joins of one sale, each answered with its status, in one round trip. KEYS: the sale's
# keys, its network counts, then each join's poll counter; ARGV: the pace window, then per join
# customer, now, ticket, poll limit and network. Per join: its status, or ``{'join', outcome...}``
# when it took no new place.
_LUA_JOINS_THEN_STATUS = (
    _LUA_ADMIT
    + _LUA_JOIN_PLACE
    + _LUA_STATUS_OF
    + """
local window, answers = tonumber(ARGV[1]), {}
for i = 1, (#ARGV - 1) / 5 do
  local a = 5 * i - 3
  local cid, now, ticket, limit, network = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2],
    tonumber(ARGV[a + 3]), ARGV[a + 4]
  local placed = join_place(KEYS[1], KEYS[2], KEYS[3], KEYS[5], cid, now, ticket, KEYS[9], network)
  if placed[1] == 'pre' or placed[1] == 'line' then
    answers[i] = status_of(KEYS, KEYS[9 + i], cid, now, limit, window)
  else
    answers[i] = {'join', unpack(placed)}
  end
end
return answers
"""
)

# The draw: the pre-queue joins the line with its tickets as scores, in one step.
_LUA_DRAW = """
local meta, pre, line = KEYS[1], KEYS[2], KEYS[3]
if redis.call('HGET', meta, 'state') ~= 'published' then return 0 end
redis.call('HSET', meta, 'state', 'open', 'opened_at', ARGV[1])
if redis.call('EXISTS', pre) == 1 then
  redis.call('ZUNIONSTORE', line, 2, line, pre)
  redis.call('DEL', pre)
end
return 1
"""

# ARGV: now, has_counts, available, held, sold, total, next_expiry, state ('' = unchanged),
# then (customer, new state) pairs; '' as new state forgets the customer (they may join again).
_LUA_APPLY = (
    _LUA_ADMIT
    + """
local meta, pre, line, admitted, who, admits = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5],
  KEYS[6]
if redis.call('EXISTS', meta) == 0 then return 0 end
local now = tonumber(ARGV[1])
if ARGV[2] == '1' then
  redis.call('HSET', meta, 'available', ARGV[3], 'held', ARGV[4], 'sold', ARGV[5], 'total', ARGV[6],
    'next_expiry', ARGV[7], 'synced_at', now)
end
if ARGV[8] ~= '' then redis.call('HSET', meta, 'state', ARGV[8]) end
for i = 9, #ARGV, 2 do
  local c, s = ARGV[i], ARGV[i + 1]
  redis.call('ZREM', admitted, c)
  if s == '' then
    redis.call('HDEL', who, c)
  else
    redis.call('HSET', who, c, s)
    if s == 'x' then
      redis.call('ZREM', line, c)
      redis.call('ZREM', pre, c)
    end
  end
end
admit(meta, line, admitted, who, admits, now)
return 1
"""
)

# Rate checks of a batch of requests of one sale. KEYS: the sale's network counts, then every
# request's counters in turn; ARGV: per request the number of its counters, (limit, window) per
# counter, then its network ('' for none). Per request: the index (from 1) of its first counter
# over the limit (0 if none), and the places its network took in the sale.
_LUA_ALLOW = """
local answers, k, a = {}, 2, 1
while a <= #ARGV do
  local n, refused = tonumber(ARGV[a]), 0
  for j = 1, n do
    local count = redis.call('INCR', KEYS[k])
    if count == 1 then redis.call('PEXPIRE', KEYS[k], ARGV[a + 2 * j]) end
    if count > tonumber(ARGV[a + 2 * j - 1]) and refused == 0 then refused = j end
    k = k + 1
  end
  local network, places = ARGV[a + 1 + 2 * n], 0
  if network ~= '' then places = tonumber(redis.call('HGET', KEYS[1], network) or '0') end
  answers[#answers + 1] = {refused, places}
  a = a + 2 + 2 * n
end
return answers
"""


_KEY_NAMES = ("meta", "pre", "line", "admitted", "who", "admits", "visitors", "lock:")


def _sale_prefix(sale_id: int) -> str:
    # The deployment's prefix first (shared Redis, parallel test workers); the sale id in braces
    # keeps every key of one sale in one Redis Cluster slot.
    return f"{settings.REDIS_KEY_PREFIX}:fs:{{{sale_id}}}:"


def _keys(sale_id: int) -> dict[str, str]:
    prefix = _sale_prefix(sale_id)
    return {name: prefix + name for name in _KEY_NAMES}


def _sale_keys(sale_id: int) -> list[str]:
    """The keys the status scripts take first (``status_of``'s ``k``), in their order."""
    return list(_keys(sale_id).values())


def _nets_key(sale_id: int) -> str:
    """The hash of places taken per network (not one of ``_KEY_NAMES``: the scripts that read
    those by position do not need it)."""
    return f"{_sale_prefix(sale_id)}nets"


def _rate_key(sale_id: int, customer_id: int) -> str:
    return f"{_sale_prefix(sale_id)}poll:{customer_id}"


def _status_from_reply(reply: list[Any], admission_ms: int = 0) -> QueueStatus:
    if reply[0] == "missing":
        return QueueStatus(found=False)
    if reply[0] == "limited":
        return QueueStatus(found=True, limited=True)
    (
        _,
        state,
        place,
        position,
        until_ms,
        available,
        held,
        sold,
        total,
        line_length,
        pre_length,
        admissions,
        opens_at,
        opened_at,
        sweep,
        opening,
        resync,
        admission,
        ticket,
        visitors,
    ) = reply
    return QueueStatus(
        found=True,
        state=state,
        place=place,
        position=int(position) if int(position) > 0 else None,
        admitted_until_ms=int(until_ms),
        admission_ms=int(admission or 0),
        available=int(available or 0),
        held=int(held or 0),
        sold=int(sold or 0),
        total=int(total or 0),
        line_length=int(line_length),
        pre_length=int(pre_length),
        admissions_in_window=int(admissions),
        opens_at_ms=int(opens_at),
        opened_at_ms=int(opened_at),
        sweep_due=bool(int(sweep)),
        open_due=bool(int(opening)),
        resync_due=bool(int(resync)),
        ticket=int(float(ticket)) if ticket else None,
        visitors=int(visitors),
    )


class RedisQueue:
    """The production waiting room, shared by every worker process through Redis."""

    def __init__(self, url: str) -> None:
        import redis

        self._url = url
        self._redis = redis.Redis.from_url(url, **_client_options())
        self._status = self._redis.register_script(_LUA_STATUS)
        self._join = self._redis.register_script(_LUA_JOIN)
        self._draw = self._redis.register_script(_LUA_DRAW)
        self._apply = self._redis.register_script(_LUA_APPLY)
        self._allow = self._redis.register_script(_LUA_ALLOW)
        self._joins = GroupCommit(self._joins_then_status, REDIS_BATCH_SIZE)
        self._allows: GroupCommit[_RateRequest, RateAnswer] = GroupCommit(
            self._allow_batch, REDIS_BATCH_SIZE
        )
        # One asyncio client per event loop: a connection pool cannot cross loops.
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def client(self) -> Any:
        return self._redis

    def load(
        self,
        *,
        sale: SaleSnapshot,
        counts: UnitCounts,
        places: Sequence[Place],
        network_places: Mapping[str, int] | None = None,
    ) -> None:
        k = _keys(sale.sale_id)
        state = sale.state
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(
            k["meta"], k["pre"], k["line"], k["admitted"], k["who"], _nets_key(sale.sale_id)
        )
        for chunk in _chunks(list((network_places or {}).items()), 10_000):
            pipe.hset(_nets_key(sale.sale_id), mapping=dict(chunk))
        pipe.hset(
            k["meta"],
            mapping={
                "state": state,
                "opens_at": sale.opens_at_ms,
                "opened_at": sale.opened_at_ms,
                "admission_ms": sale.admission_ms,
                "available": counts.available,
                "held": counts.held,
                "sold": counts.sold,
                "total": counts.total,
                "next_expiry": counts.next_expiry_ms,
                "synced_at": 0,
                "seq": 0,
            },
        )
        line: dict[str, int] = {}
        pre: dict[str, int] = {}
        who: dict[str, str] = {}
        for place in places:
            member = str(place.customer_id)
            who[member] = place.state
            if place.state != "w":
                continue
            if state == "published":
                pre[member] = place.order
            else:
                line[member] = place.order if place.pre_queue else FCFS_BASE + place.order
        for chunk in _chunks(list(who.items()), 10_000):
            pipe.hset(k["who"], mapping=dict(chunk))
        for name, members in (("line", line), ("pre", pre)):
            for chunk in _chunks(list(members.items()), 10_000):
                pipe.zadd(k[name], dict(chunk))
        if state == "open":
            pipe.hset(k["meta"], "seq", len(places))
        pipe.execute()

    def join(
        self, *, sale_id: int, customer_id: int, now_ms: int, ticket: int, network: str = ""
    ) -> JoinOutcome:
        keys, args = _join_call(sale_id, customer_id, now_ms, ticket, network)
        return _join_outcome(self._join(keys=keys, args=args))

    async def ajoin_then_status(
        self,
        *,
        sale_id: int,
        customer_id: int,
        now_ms: int,
        ticket: int,
        poll_limit: int,
        network: str = "",
    ) -> JoinOutcome | QueueStatus:
        """Batched with the joins waiting at the same moment: one script for all of them."""
        join = _Join(sale_id, customer_id, now_ms, ticket, poll_limit, network)
        return await self._joins.submit(join)

    async def _joins_then_status(self, joins: Sequence[_Join]) -> list[JoinOutcome | QueueStatus]:
        answers: dict[int, JoinOutcome | QueueStatus] = {}
        for sale_id, indexes in _by_sale([j.sale_id for j in joins]).items():
            group = [joins[i] for i in indexes]
            keys = [
                *_sale_keys(sale_id),
                _nets_key(sale_id),
                *(_rate_key(sale_id, j.customer_id) for j in group),
            ]
            args: list[int | str] = [PACE_WINDOW_MS]
            for j in group:
                args += [j.customer_id, j.now_ms, j.ticket, j.poll_limit, j.network]
            replies = await self._acall(lambda s: s.joins_then_status, keys=keys, args=args)
            for i, reply in zip(indexes, replies, strict=True):
                answers[i] = (
                    _join_outcome(reply[1:]) if reply[0] == "join" else _status_from_reply(reply)
                )
        return [answers[i] for i in range(len(joins))]

    def draw(self, *, sale_id: int, now_ms: int) -> bool:
        k = _keys(sale_id)
        return bool(self._draw(keys=[k["meta"], k["pre"], k["line"]], args=[now_ms]))

    def _status_call(self, sale_id: int, customer_id: int | None, now_ms: int, poll_limit: int):
        keys = [*_sale_keys(sale_id), _rate_key(sale_id, customer_id or 0)]
        return keys, [customer_id or "", now_ms, poll_limit, PACE_WINDOW_MS]

    def status(
        self, *, sale_id: int, customer_id: int | None, now_ms: int, poll_limit: int
    ) -> QueueStatus:
        keys, args = self._status_call(sale_id, customer_id, now_ms, poll_limit)
        return _status_from_reply(self._status(keys=keys, args=args))

    async def astatus(
        self, *, sale_id: int, customer_id: int | None, now_ms: int, poll_limit: int
    ) -> QueueStatus:
        keys, args = self._status_call(sale_id, customer_id, now_ms, poll_limit)
        return _status_from_reply(await self._acall(lambda s: s.status, keys=keys, args=args))

    async def _acall(
        self,
        command: Callable[[_AsyncScripts], Callable[..., Awaitable[Any]]],
        *args: Any,
        **kw: Any,
    ) -> Any:
        """Run ``command`` (picked from this event loop's scripts and client) with ``args``.

        A burst waits for a connection as long as it takes, never refused one: a pool that is
        busy is load, not an outage (issue #11: a 2 s limit on that wait, counted while the
        worker's event loop could not run, answered 503 to polls that a working Redis would have
        answered at once). An outage shows as the commands' own errors: a refused or reset
        connection at once, a Redis that does not answer after its 2 s socket timeout. A caller
        that waited while such an error happened, with no answer from Redis since, fails at once
        instead of waiting its turn to time out too.
        """
        scripts = self._async_scripts()
        began = time.monotonic()
        async with scripts.slots:
            health = scripts.health
            if health.failed_at > began and health.failed_at > health.answered_at:
                raise redis.ConnectionError("Redis failed while this command waited")
            try:
                reply = await command(scripts)(*args, **kw)
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                health.failed_at = time.monotonic()
                raise
            health.answered_at = time.monotonic()
            return reply

    def _async_scripts(self) -> _AsyncScripts:
        import redis.asyncio

        loop = asyncio.get_running_loop()
        scripts = self._async_clients.get(loop)
        if scripts is None:
            # Bounded: at the opening thousands of requests wait on Redis at once; they queue for
            # one of these connections (``slots``, no time limit) instead of each opening its own.
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self._url,
                max_connections=ASYNC_CONNECTIONS_PER_LOOP,
                timeout=None,
                **_client_options(asynchronous=True),
            )
            client = redis.asyncio.Redis(connection_pool=pool)
            scripts = _AsyncScripts(
                client=client,
                status=client.register_script(_LUA_STATUS),
                joins_then_status=client.register_script(_LUA_JOINS_THEN_STATUS),
                allow=client.register_script(_LUA_ALLOW),
                slots=asyncio.Semaphore(ASYNC_CONNECTIONS_PER_LOOP),
            )
            self._async_clients[loop] = scripts
        return scripts

    def apply(
        self,
        *,
        sale_id: int,
        now_ms: int,
        counts: UnitCounts | None = None,
        state: str | None = None,
        changes: Sequence[tuple[int, str]] = (),
    ) -> None:
        k = _keys(sale_id)
        c = counts or UnitCounts(0, 0, 0, 0)
        args: list[Any] = [
            now_ms,
            "1" if counts else "0",
            c.available,
            c.held,
            c.sold,
            c.total,
            c.next_expiry_ms,
            state or "",
        ]
        for customer_id, new_state in changes:
            args += [customer_id, new_state]
        keys = [k[n] for n in ("meta", "pre", "line", "admitted", "who", "admits")]
        self._apply(keys=keys, args=args)

    def allow(self, *, sale_id: int, checks: Sequence[RateCheck], network: str = "") -> RateAnswer:
        request = _RateRequest(sale_id, tuple(checks), network)
        keys, args = _allow_call([request])
        return _rate_answer(request, self._allow(keys=keys, args=args)[0])

    async def aallow(
        self, *, sale_id: int, checks: Sequence[RateCheck], network: str = ""
    ) -> RateAnswer:
        """Batched with the checks waiting at the same moment: one script for all of them."""
        return await self._allows.submit(_RateRequest(sale_id, tuple(checks), network))

    async def _allow_batch(self, requests: Sequence[_RateRequest]) -> list[RateAnswer]:
        answers: dict[int, RateAnswer] = {}
        for _, indexes in _by_sale([r.sale_id for r in requests]).items():
            group = [requests[i] for i in indexes]
            keys, args = _allow_call(group)
            replies = await self._acall(lambda s: s.allow, keys=keys, args=args)
            answers.update(
                zip(indexes, map(_rate_answer, group, replies), strict=True)  # type: ignore[arg-type]
            )
        return [answers[i] for i in range(len(requests))]

    def network_places(self, *, sale_id: int, network: str) -> int:
        return int(self._redis.hget(_nets_key(sale_id), network) or 0)

    async def anetwork_places(self, *, sale_id: int, network: str) -> int:
        places = await self._acall(lambda s: s.client.hget, _nets_key(sale_id), network)
        return int(places or 0)

    def try_lock(self, *, sale_id: int, name: str, ttl_ms: int) -> bool:
        return bool(self._redis.set(_keys(sale_id)["lock:"] + name, "1", nx=True, px=ttl_ms))

    def stats(self, *, sale_id: int, now_ms: int) -> QueueStats:
        k = _keys(sale_id)
        pipe = self._redis.pipeline(transaction=False)
        pipe.hmget(k["meta"], "state", "available", "held", "sold", "total")
        pipe.pfcount(k["visitors"])
        pipe.zcard(k["line"])
        pipe.zcard(k["pre"])
        pipe.zcount(k["admitted"], now_ms, "+inf")
        pipe.zcount(k["admits"], now_ms - 60_000, now_ms)
        meta, visitors, line, pre, admitted, last_minute = pipe.execute()
        if meta[0] is None:
            return QueueStats(found=False)
        return QueueStats(
            found=True,
            state=meta[0],
            visitors=visitors,
            line_length=line,
            pre_length=pre,
            admitted=admitted,
            available=int(meta[1]),
            held=int(meta[2]),
            sold=int(meta[3]),
            total=int(meta[4]),
            admissions_last_minute=last_minute,
        )


@dataclass(frozen=True, slots=True)
class _AsyncScripts:
    """The scripts the async hot paths run, on one event loop's connection pool."""

    client: Any
    status: Any
    joins_then_status: Any
    allow: Any
    slots: asyncio.Semaphore  # one per connection of the pool: a command waits here for its turn
    health: _Health = field(default_factory=lambda: _Health())


@dataclass(slots=True)
class _Health:
    """When Redis last answered, and last failed (a connection refused or reset, a timeout), on
    one event loop's connections (``time.monotonic``)."""

    answered_at: float = 0.0
    failed_at: float = 0.0


@dataclass(frozen=True, slots=True)
class _Join:
    sale_id: int
    customer_id: int
    now_ms: int
    ticket: int
    poll_limit: int
    network: str = ""


@dataclass(frozen=True, slots=True)
class _RateRequest:
    sale_id: int
    checks: tuple[RateCheck, ...]
    network: str = ""


def _rate_answer(request: _RateRequest, reply: list[Any]) -> RateAnswer:
    refused = int(reply[0])
    return RateAnswer(
        refused=request.checks[refused - 1].key if refused else "", network_places=int(reply[1])
    )


# Enough for every request of a tick at the peak; one script of this size keeps Redis a few ms.
REDIS_BATCH_SIZE = 500


def _by_sale(sale_ids: Sequence[int]) -> dict[int, list[int]]:
    """A batch's indexes by sale: one script per sale, as a script may only touch the keys of one
    sale's hash tag."""
    groups: dict[int, list[int]] = {}
    for i, sale_id in enumerate(sale_ids):
        groups.setdefault(sale_id, []).append(i)
    return groups


def _join_call(
    sale_id: int, customer_id: int, now_ms: int, ticket: int, network: str
) -> tuple[list[str], list[int | str]]:
    k = _keys(sale_id)
    keys = [k["meta"], k["pre"], k["line"], k["who"], _nets_key(sale_id)]
    return keys, [customer_id, now_ms, ticket, network]


def _allow_call(requests: Sequence[_RateRequest]) -> tuple[list[str], list[int | str]]:
    """The rate script's KEYS and ARGV for requests of one sale."""
    keys: list[str] = [_nets_key(requests[0].sale_id)]
    args: list[int | str] = []
    for request in requests:
        prefix = _sale_prefix(request.sale_id)
        keys += [f"{prefix}rate:{check.key}" for check in request.checks]
        args.append(len(request.checks))
        for check in request.checks:
            args += [check.limit, check.window_ms]
        args.append(request.network)
    return keys, args


def _client_options(*, asynchronous: bool = False) -> dict[str, Any]:
    """Fail fast when Redis is down: the database carries on, the page says "try again"."""
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {
        "decode_responses": True,
        "socket_connect_timeout": 1.0,
        "socket_timeout": 2.0,
        "retry": (AsyncRetry if asynchronous else Retry)(NoBackoff(), 1),
    }


def _join_outcome(reply: list[Any]) -> JoinOutcome:
    result = reply[0]
    if result == "line":
        return JoinOutcome(result="line", position=int(reply[1]))
    if result == "already":
        return JoinOutcome(result="already", who=reply[1])
    return JoinOutcome(result=result)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- In-process (embedded default) ----------------------------------------------------------


@dataclass
class _Room:
    state: str
    opens_at_ms: int
    opened_at_ms: int
    admission_ms: int
    counts: UnitCounts
    synced_at_ms: int = 0
    seq: int = 0
    pre: dict[int, int] = field(default_factory=dict)
    line: list[tuple[int, int]] = field(default_factory=list)  # sorted (score, customer)
    line_scores: dict[int, int] = field(default_factory=dict)
    admitted: dict[int, int] = field(default_factory=dict)  # customer -> deadline
    who: dict[int, str] = field(default_factory=dict)
    admits: list[int] = field(default_factory=list)  # admission times
    visitors: set[int] = field(default_factory=set)
    polls: dict[int, tuple[int, int]] = field(default_factory=dict)  # customer -> (minute, n)
    nets: dict[str, int] = field(default_factory=dict)  # network -> places taken

    def line_add(self, customer_id: int, score: int) -> None:
        bisect.insort(self.line, (score, customer_id))
        self.line_scores[customer_id] = score

    def line_remove(self, customer_id: int) -> None:
        score = self.line_scores.pop(customer_id, None)
        if score is not None:
            self.line.pop(bisect.bisect_left(self.line, (score, customer_id)))

    def position(self, customer_id: int) -> int | None:
        score = self.line_scores.get(customer_id)
        if score is None:
            return None
        return bisect.bisect_left(self.line, (score, customer_id)) + 1

    def admit(self, now_ms: int) -> None:
        if self.state != "open":
            return
        for customer_id, deadline in list(self.admitted.items()):
            if deadline <= now_ms:
                del self.admitted[customer_id]
                if self.who.get(customer_id) in ("a", "A"):
                    del self.who[customer_id]
        slots = self.counts.available - len(self.admitted)
        while slots > 0 and self.line:
            _, customer_id = self.line.pop(0)
            del self.line_scores[customer_id]
            self.admitted[customer_id] = now_ms + self.admission_ms
            self.who[customer_id] = "a"
            self.admits.append(now_ms)
            slots -= 1
        self.admits = [t for t in self.admits if t > now_ms - ADMISSION_LOG_KEEP_MS]


class InProcessQueue:
    """The embedded default: the same rules in this process's memory, behind one lock."""

    def __init__(self) -> None:
        self._rooms: dict[int, _Room] = {}
        self._rates: dict[str, tuple[int, int]] = {}  # key -> (window end, count)
        self._locks: dict[str, int] = {}
        self._mutex = threading.Lock()

    def load(
        self,
        *,
        sale: SaleSnapshot,
        counts: UnitCounts,
        places: Sequence[Place],
        network_places: Mapping[str, int] | None = None,
    ) -> None:
        room = _Room(
            state=sale.state,
            opens_at_ms=sale.opens_at_ms,
            opened_at_ms=sale.opened_at_ms,
            admission_ms=sale.admission_ms,
            counts=counts,
            nets=dict(network_places or {}),
        )
        for place in places:
            room.who[place.customer_id] = place.state
            if place.state != "w":
                continue
            if sale.state == "published":
                room.pre[place.customer_id] = place.order
            else:
                score = place.order if place.pre_queue else FCFS_BASE + place.order
                room.line_add(place.customer_id, score)
        room.seq = len(places)
        with self._mutex:
            self._rooms[sale.sale_id] = room

    def join(
        self, *, sale_id: int, customer_id: int, now_ms: int, ticket: int, network: str = ""
    ) -> JoinOutcome:
        with self._mutex:
            room = self._rooms.get(sale_id)
            if room is None:
                return JoinOutcome(result="missing")
            if room.state not in ("published", "open"):
                return JoinOutcome(result=room.state)
            who = room.who.get(customer_id)
            if who == "x":
                return JoinOutcome(result="removed")
            if who:
                return JoinOutcome(result="already", who=who)
            room.who[customer_id] = "w"
            if network:
                room.nets[network] = room.nets.get(network, 0) + 1
            if room.state == "published" and now_ms < room.opens_at_ms:
                room.pre[customer_id] = ticket
                return JoinOutcome(result="pre")
            room.seq += 1
            room.line_add(customer_id, FCFS_BASE + room.seq)
            return JoinOutcome(result="line", position=room.position(customer_id))

    async def ajoin_then_status(
        self,
        *,
        sale_id: int,
        customer_id: int,
        now_ms: int,
        ticket: int,
        poll_limit: int,
        network: str = "",
    ) -> JoinOutcome | QueueStatus:
        outcome = self.join(
            sale_id=sale_id, customer_id=customer_id, now_ms=now_ms, ticket=ticket, network=network
        )
        if outcome.result not in ("pre", "line"):
            return outcome
        return self.status(
            sale_id=sale_id, customer_id=customer_id, now_ms=now_ms, poll_limit=poll_limit
        )

    def draw(self, *, sale_id: int, now_ms: int) -> bool:
        with self._mutex:
            room = self._rooms.get(sale_id)
            if room is None or room.state != "published":
                return False
            room.state, room.opened_at_ms = "open", now_ms
            room.line = sorted(room.line + [(t, c) for c, t in room.pre.items()])
            room.line_scores.update(room.pre)
            room.pre.clear()
            return True

    def status(
        self, *, sale_id: int, customer_id: int | None, now_ms: int, poll_limit: int
    ) -> QueueStatus:
        with self._mutex:
            room = self._rooms.get(sale_id)
            if room is None:
                return QueueStatus(found=False)
            if customer_id is not None:
                minute, count = room.polls.get(customer_id, (now_ms // 60_000, 0))
                if minute != now_ms // 60_000:
                    minute, count = now_ms // 60_000, 0
                room.polls[customer_id] = (minute, count + 1)
                if count + 1 > poll_limit:
                    return QueueStatus(found=True, limited=True)
                room.visitors.add(customer_id)
            room.admit(now_ms)
            place, position, until_ms, ticket = "none", None, 0, None
            who = room.who.get(customer_id) if customer_id is not None else None
            if who in ("a", "A") and customer_id is not None:
                place, until_ms = "admitted", room.admitted[customer_id]
                if who == "a" and until_ms > now_ms:  # first told now: it runs from here
                    until_ms = room.admitted[customer_id] = now_ms + room.admission_ms
                    room.who[customer_id] = "A"
            elif who == "w" and customer_id is not None:
                position = room.position(customer_id)
                if position is not None:
                    place = "waiting"
                elif customer_id in room.pre:
                    place = "pre"
                    ticket = room.pre[customer_id]
            elif who is not None:
                place = {"c": "holding", "s": "done", "x": "removed"}[who]
            counts = room.counts
            sweep = 0 < counts.next_expiry_ms <= now_ms and self._lock(
                sale_id, "sweep", 2000, now_ms
            )
            opening = (
                room.state == "published"
                and now_ms >= room.opens_at_ms
                and self._lock(sale_id, "open", 5000, now_ms)
            )
            resync = (
                room.state in ("open", "published")
                and now_ms - room.synced_at_ms > RESYNC_EVERY_MS
                and self._lock(sale_id, "resync", RESYNC_EVERY_MS, now_ms)
            )
            window = PACE_WINDOW_MS
            return QueueStatus(
                found=True,
                state=room.state,
                place=place,
                position=position,
                admitted_until_ms=until_ms,
                admission_ms=room.admission_ms,
                available=counts.available,
                held=counts.held,
                sold=counts.sold,
                total=counts.total,
                line_length=len(room.line),
                pre_length=len(room.pre),
                admissions_in_window=sum(1 for t in room.admits if t >= now_ms - window),
                opens_at_ms=room.opens_at_ms,
                opened_at_ms=room.opened_at_ms,
                sweep_due=sweep,
                open_due=opening,
                resync_due=resync,
                ticket=ticket,
                visitors=len(room.visitors) if place == "none" else 0,
            )

    async def astatus(
        self, *, sale_id: int, customer_id: int | None, now_ms: int, poll_limit: int
    ) -> QueueStatus:
        # Memory only: nothing to wait for.
        return self.status(
            sale_id=sale_id, customer_id=customer_id, now_ms=now_ms, poll_limit=poll_limit
        )

    def apply(
        self,
        *,
        sale_id: int,
        now_ms: int,
        counts: UnitCounts | None = None,
        state: str | None = None,
        changes: Sequence[tuple[int, str]] = (),
    ) -> None:
        with self._mutex:
            room = self._rooms.get(sale_id)
            if room is None:
                return
            if counts is not None:
                room.counts, room.synced_at_ms = counts, now_ms
            if state:
                room.state = state
            for customer_id, new_state in changes:
                room.admitted.pop(customer_id, None)
                if not new_state:
                    room.who.pop(customer_id, None)
                    continue
                room.who[customer_id] = new_state
                if new_state == "x":
                    room.line_remove(customer_id)
                    room.pre.pop(customer_id, None)
            room.admit(now_ms)

    def allow(self, *, sale_id: int, checks: Sequence[RateCheck], network: str = "") -> RateAnswer:
        now_ms = int(time.time() * 1000)
        refused = ""
        with self._mutex:
            for check in checks:
                key = f"{sale_id}:{check.key}"
                ends, count = self._rates.get(key, (now_ms + check.window_ms, 0))
                if ends <= now_ms:
                    ends, count = now_ms + check.window_ms, 0
                self._rates[key] = (ends, count + 1)
                if count + 1 > check.limit and not refused:
                    refused = check.key
            room = self._rooms.get(sale_id)
            places = room.nets.get(network, 0) if room is not None and network else 0
        return RateAnswer(refused=refused, network_places=places)

    async def aallow(
        self, *, sale_id: int, checks: Sequence[RateCheck], network: str = ""
    ) -> RateAnswer:
        return self.allow(sale_id=sale_id, checks=checks, network=network)

    def network_places(self, *, sale_id: int, network: str) -> int:
        with self._mutex:
            room = self._rooms.get(sale_id)
            return room.nets.get(network, 0) if room is not None else 0

    async def anetwork_places(self, *, sale_id: int, network: str) -> int:
        return self.network_places(sale_id=sale_id, network=network)

    def try_lock(self, *, sale_id: int, name: str, ttl_ms: int) -> bool:
        with self._mutex:
            return self._lock(sale_id, name, ttl_ms, int(time.time() * 1000))

    def _lock(self, sale_id: int, name: str, ttl_ms: int, now_ms: int) -> bool:
        key = f"{sale_id}:{name}"
        if self._locks.get(key, 0) > now_ms:
            return False
        self._locks[key] = now_ms + ttl_ms
        return True

    def stats(self, *, sale_id: int, now_ms: int) -> QueueStats:
        with self._mutex:
            room = self._rooms.get(sale_id)
            if room is None:
                return QueueStats(found=False)
            return QueueStats(
                found=True,
                state=room.state,
                visitors=len(room.visitors),
                line_length=len(room.line),
                pre_length=len(room.pre),
                admitted=sum(1 for d in room.admitted.values() if d > now_ms),
                available=room.counts.available,
                held=room.counts.held,
                sold=room.counts.sold,
                total=room.counts.total,
                admissions_last_minute=sum(1 for t in room.admits if t >= now_ms - 60_000),
            )


@functools.cache
def waiting_room() -> QueueBackend:
    """Redis when ``REDIS_URL`` is set (many workers), else this process's memory."""
    if settings.REDIS_URL:
        return RedisQueue(settings.REDIS_URL)
    return InProcessQueue()
