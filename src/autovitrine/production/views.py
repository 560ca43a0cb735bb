"""The buyer's timeline of a factory order and its live stream (Server-Sent Events)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from autovitrine.core.permissions import dealer_staff_required

from . import live, selectors


@require_GET
def timeline(request: HttpRequest, number: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    order = selectors.order_for_viewer(number=number, user=request.user)
    if order is None:
        raise Http404
    context = {"order": order, "timeline": selectors.order_timeline(order)}
    return render(request, "production/timeline.html", context)


@require_GET
def stream(request: HttpRequest, number: str) -> StreamingHttpResponse:
    """``text/event-stream`` of the order's accepted events, resumed after ``Last-Event-ID``.

    The access check runs here, on the request's thread; the body is an async generator the
    ASGI server drives without a thread or a database connection while it waits."""
    if not request.user.is_authenticated:
        raise Http404
    order = selectors.order_for_viewer(number=number, user=request.user)
    if order is None:
        raise Http404
    raw_last = request.headers.get("Last-Event-ID") or request.GET.get("depuis", "0")
    last_id = int(raw_last) if raw_last.isdigit() else 0
    response = StreamingHttpResponse(
        live.order_stream(order_id=order.pk, last_id=last_id),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache, no-transform"
    # No buffering behind nginx; no-transform keeps proxies from compressing the stream.
    response["X-Accel-Buffering"] = "no"
    return response


@require_GET
@dealer_staff_required
def dealer_incoming(request: HttpRequest, dealer_id: int) -> HttpResponse:
    """The dealer's cars on their way, with their ETA and risk (its own only)."""
    rows = selectors.dealer_incoming(dealer_id=dealer_id)
    return render(request, "production/dealer_incoming.html", {"rows": rows})
