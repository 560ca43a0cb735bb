"""The public JSON API: one NinjaAPI, one router per app, structured errors with stable codes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from autovitrine.core.api_errors import ApiError, error_response

api = NinjaAPI(
    title="AutoVitrine API",
    version="1",
    description="Catalogue, réseau, recherche de stock et demandes de contact.",
    urls_namespace="api",
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(api, request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {"field": ".".join(str(p) for p in err.get("loc", [])[1:]), "message": err.get("msg", "")}
        for err in exc.errors
    ]
    return error_response(api, request, 422, "invalid_input", "Données invalides.", details)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(api, request, 401, "not_authenticated", "Authentification requise.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(api, request, exc.status_code, f"http_{exc.status_code}", str(exc))


def _register_routers() -> None:
    from autovitrine.catalog.api import router as catalog_router
    from autovitrine.dealers.api import router as dealers_router
    from autovitrine.inventory.api import router as inventory_router
    from autovitrine.leads.api import router as leads_router

    api.add_router("/catalog", catalog_router)
    api.add_router("/dealers", dealers_router)
    api.add_router("/stock", inventory_router)
    api.add_router("/leads", leads_router)


_register_routers()
