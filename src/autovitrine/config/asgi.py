"""ASGI entry point, served by granian in every mode: Django behind the waiting room's fast path.

Django's own ASGI handler runs each old-style middleware (``MiddlewareMixin``) in async mode by
hopping to a thread for each of its hooks: two hops per middleware and request, several
milliseconds per request. Here the middleware stack is loaded as one synchronous chain, run on the
request's thread in a single hop; async views still work (Django adapts them), and the hot
requests of a flash sale never reach Django at all (``flashsales.asgi``).

A request's synchronous work runs on one thread, as Django requires (its database connections
belong to the thread that opened them), but that thread is reused: Django's default starts a
thread for every request and another to wait for it to end, about a fifth of an empty request's
cost. At most ``REQUESTS_IN_DJANGO_PER_PROCESS`` requests are inside Django at once; the others
wait on the event loop once their body is read, those that finish a purchase first
(``core.request_gate``), holding no thread: a thread is taken at a request's first synchronous
call, after the gate (with a thread each, 2,048 requests in flight made 1,033 threads per
worker, and a sale page cost 9.6 ms of CPU instead of about 7).
"""

import os
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, cast

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autovitrine.config.settings")
django.setup(set_prefix=False)

from autovitrine.payments.conf import refuse_unsafe_production  # noqa: E402  (apps ready)

# A production site that would let buyers "pay" through the simulator does not start at all.
refuse_unsafe_production()

from autovitrine.core.request_gate import RequestGate, Turn  # noqa: E402  (apps ready)


def first_served(path: str) -> bool:
    """Whether a request to ``path`` finishes a purchase under way (``FIRST_SERVED_VIEWS``)."""
    try:
        return resolve(path).view_name in settings.FIRST_SERVED_VIEWS
    except Resolver404:
        return False


class _RequestThread(Executor):
    """The one thread a request's synchronous work runs on (asgiref's thread-sensitive calls),
    taken from the idle ones at its first call, not when the request arrives."""

    def __init__(self, idle: list[ThreadPoolExecutor]) -> None:
        self._idle = idle
        self._thread: ThreadPoolExecutor | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self._thread is None:
            try:
                self._thread = self._idle.pop()
            except IndexError:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
        return self._thread.submit(fn, *args, **kwargs)

    def give_back(self) -> None:
        # Idle again once its thread reaches this: a request cut short (the client gone) may
        # still be running there, and the next request must not wait behind it.
        if self._thread is not None:
            self._thread.submit(self._idle.append, self._thread)


class SyncMiddlewareASGIHandler(ASGIHandler):
    # Django's loader builds it synchronous (is_async=False); it is then wrapped awaitable.
    _middleware_chain: Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]

    def __init__(self) -> None:
        super().__init__()
        # One-thread executors whose thread has finished every request given to it.
        self._idle_threads: list[ThreadPoolExecutor] = []
        self.gate = RequestGate(settings.REQUESTS_IN_DJANGO_PER_PROCESS)

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(
            cast(Callable[[HttpRequest], HttpResponseBase], self._middleware_chain),  # sync
            thread_sensitive=True,
        )

    async def read_body(self, receive: Any) -> Any:
        # The body is read before the request waits for its turn: a slow client's upload holds
        # no slot. Django runs nothing of the request before this returns.
        body_file = await super().read_body(receive)
        if isinstance(receive, Turn) and not await receive.enter(self.gate):
            body_file.close()
            raise RequestAborted  # the client left while waiting: nothing to answer
        return body_file

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)  # Django refuses it
        path_info = scope["path"].removeprefix(get_script_prefix(scope))
        turn = Turn(receive, lambda: first_served(path_info))
        thread = _RequestThread(self._idle_threads)
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, turn, send)
        finally:
            thread.give_back()
            if turn.inside:
                self.gate.leave()


from autovitrine.core.hostile_input import with_body_limit  # noqa: E402  (apps ready)
from autovitrine.flashsales.asgi import with_waiting_room_fast_path  # noqa: E402  (apps ready)
from autovitrine.production.asgi import with_live_stream_fast_path  # noqa: E402  (apps ready)


def with_lifespan(app):  # type: ignore[no-untyped-def]
    """Answer the server's lifespan messages (granian sends them at start and stop): Django
    refuses a lifespan scope, which granian logged as a warning at each start. Nothing to set
    up: the connection pools open on first use."""

    async def lifespan_aware(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return lifespan_aware


# The live tracking streams, too, never enter Django's handler (one coroutine per open stream).
# Body limits first: Django's handler would read any body, whatever its size, before its
# middleware could refuse it (core/hostile_input.py).
django_handler = SyncMiddlewareASGIHandler()
application = with_lifespan(
    with_body_limit(with_live_stream_fast_path(with_waiting_room_fast_path(django_handler)))
)
