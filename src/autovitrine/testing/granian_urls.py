"""The production URLs, plus the one a browser test calls as it begins: the granian server is
started once per test worker (its start costs about 2.5 s), so it forgets what it keeps in memory
from one test to the next, as the test process does (``testing.isolation``)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from autovitrine.config.urls import handler400, handler500, urlpatterns
from autovitrine.testing.isolation import reset_process_state

__all__ = ["handler400", "handler500", "urlpatterns"]


@csrf_exempt
@require_POST
def forget_process_state(request: HttpRequest) -> HttpResponse:
    reset_process_state(forget_redis=False)
    return HttpResponse(status=204)


urlpatterns = [path("__tests__/forget/", forget_process_state), *urlpatterns]
