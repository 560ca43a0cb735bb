"""The public JSON API: one NinjaAPI, one router per app, structured errors with stable codes.

Every error answers ``{"error": {"code": ..., "message": ..., "details": [...]}}``, with a
French message and one of these stable codes (also listed in the OpenAPI description):

- ``invalid_input`` (422): a parameter or field is missing, malformed or out of range;
  ``details`` holds ``{"field", "message"}`` pairs.
- ``invalid_json`` (400): the body is not JSON, nests deeper than 8 levels or holds an integer
  beyond 64 bits.
- ``invalid_characters`` (400): a control character (NUL…) in a parameter or the body.
- ``bad_request`` (400): a request Django cannot read (a multipart body without a valid
  boundary, a host not served here).
- ``payload_too_large`` (413): a body over 256 KB.
- ``unsupported_media_type`` (415): the body is not sent as ``application/json``.
- ``unknown_place`` (422): the place given is neither a French city nor a postcode.
- ``not_found`` (404): nothing here, or not yours (another dealer's lead).
- ``page_out_of_range`` (404): ``details[0]["num_pages"]`` says how many pages there are.
- ``not_authenticated`` (401), ``forbidden`` (403), ``csrf_failed`` (403).
- ``method_not_allowed`` (405), ``rate_limited`` (429).
- ``invalid_transition`` (409): the status change is not allowed from the current status.
- ``unknown_choice`` (422), ``invalid_configuration`` (422): the configurator's choices.
- ``conflict`` (409): an ``Idempotency-Key`` already used for a different request.
- ``internal_error`` (500): our fault; logged, never a traceback.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

import orjson
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.utils import check_csrf

from autovitrine.core.api_errors import ApiError, ErrorOut, error_response
from autovitrine.core.forms import NO_CONTROL_PATTERN, TEXT_CHARACTER
from autovitrine.core.ratelimit import CodeLookupsExhausted

logger = logging.getLogger(__name__)

DESCRIPTION = """
Catalogue, réseau de concessions, recherche de stock et demandes de contact.

Les montants sont en **centimes d'euro** (entiers), TTC avec TVA à 20 % sauf mention HT.
Les distances sont en kilomètres, mesurées à vol d'oiseau depuis le lieu demandé.

### Erreurs
Toute erreur répond `{"error": {"code", "message", "details"}}` ; le `code` est stable :

| code | statut | quand |
|---|---|---|
| `invalid_input` | 422 | paramètre ou champ manquant, mal formé ou hors limites (`details` : champ et message) |
| `invalid_json` | 400 | le corps n'est pas du JSON, ou imbrique plus de 8 niveaux, ou un entier dépasse 64 bits |
| `invalid_characters` | 400 | caractère de contrôle (octet nul…) dans un paramètre ou le corps |
| `bad_request` | 400 | requête illisible (corps multipart sans délimiteur valide, hôte inconnu) |
| `payload_too_large` | 413 | corps de plus de 256 Ko |
| `unsupported_media_type` | 415 | le corps n'est pas envoyé en `application/json` |
| `unknown_place` | 422 | lieu ni ville ni code postal français |
| `unknown_model`, `unknown_dealer` | 422 | recherche de stock : modèle ou concession inexistant |
| `not_found` | 404 | ressource absente, ou appartenant à une autre concession |
| `page_out_of_range` | 404 | page au-delà de la dernière (`details[0].num_pages`) |
| `not_authenticated` | 401 | connexion requise (session) |
| `forbidden` | 403 | rôle non autorisé |
| `csrf_failed` | 403 | jeton CSRF absent ou invalide (en-tête `X-CSRFToken`) |
| `method_not_allowed` | 405 | méthode HTTP non prise en charge à cette adresse |
| `rate_limited` | 429 | trop de demandes depuis cette adresse, réessayer plus tard |
| `invalid_transition` | 409 | changement de statut impossible depuis le statut actuel |
| `unknown_choice` | 422 | configurateur : un choix que ce modèle ne connaît pas (`details`) |
| `invalid_configuration` | 422 | configurateur : des choix qui ne vont pas ensemble |
| `unknown_operation` | 422 | atelier : une opération que la concession ne propose pas |
| `conflict` | 409 | `Idempotency-Key` déjà utilisée pour une autre demande |
| `internal_error` | 500 | erreur de notre côté (journalisée) |

### Authentification
Les points d'accès des concessions utilisent la session du site (cookie) ; les écritures
demandent le jeton CSRF dans l'en-tête `X-CSRFToken`.
"""


class UnsupportedMediaType(Exception):
    """A body sent with another content type than JSON."""


# No body of ours nests deeper than a few levels; orjson alone would accept 1024. Its integers
# stop at 64 bits (a larger one is invalid JSON); schemas bound each number further.
MAX_JSON_DEPTH = 8


class JsonTooDeep(ValueError):
    """A JSON body nested deeper than ``MAX_JSON_DEPTH``."""


def json_depth_check(value: Any, *, limit: int = MAX_JSON_DEPTH) -> None:
    """``JsonTooDeep`` when ``value`` nests containers more than ``limit`` deep."""
    level = [value]
    for _ in range(limit + 1):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return
    raise JsonTooDeep(f"more than {limit} levels")


class JsonParser(Parser):
    """JSON bodies only, parsed with orjson; anything else is refused with a clear code."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType(content_type)
        document = orjson.loads(request.body)
        json_depth_check(document)
        return document


class OrjsonRenderer(BaseRenderer):
    """orjson is several times faster than ``json`` on search pages; Django types fall back to
    ninja's encoder."""

    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=NinjaJSONEncoder().default)


# Errors any operation can answer, whatever its handler does (the hostile-input gate, ninja's
# parsing); each route declares its own others with ``core.api_errors.errors``.
_COMMON_ERRORS = {
    400: "`invalid_characters` (caractère de contrôle), `invalid_json` (corps illisible) ou "
    "`bad_request` (requête illisible)",
    405: "`method_not_allowed` : méthode non prise en charge à cette adresse",
}
_PARAMETER_ERRORS = {
    422: "`invalid_input` : paramètre ou champ manquant, mal formé ou hors limites"
}
_BODY_ERRORS = {
    413: "`payload_too_large` : corps de plus de 256 Ko",
    415: "`unsupported_media_type` : corps à envoyer en `application/json`",
}
_WRITE_ERRORS = {
    403: "`csrf_failed` : écriture avec le cookie de session sans jeton CSRF (en-tête "
    "`X-CSRFToken`)",
}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _declare_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    schema.setdefault("components", {}).setdefault("schemas", {})
    components = schema["components"]["schemas"]
    if "ErrorOut" not in components:
        definition = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(definition.pop("$defs", {}))
        components["ErrorOut"] = definition
    for methods in schema["paths"].values():
        for method, operation in methods.items():
            declared = dict(_COMMON_ERRORS)
            if method.upper() in UNSAFE_METHODS:
                declared.update(_WRITE_ERRORS)
            if operation.get("parameters") or operation.get("requestBody"):
                declared.update(_PARAMETER_ERRORS)
            if operation.get("requestBody"):
                declared.update(_BODY_ERRORS)
            responses = operation.setdefault("responses", {})
            declared_here = {int(status) for status in responses}
            for status, description in declared.items():
                if status not in declared_here:
                    responses[status] = {"description": description}
            for status, response in responses.items():
                if int(status) >= 400:
                    response.setdefault("content", {"application/json": {"schema": _ERROR_REF}})
    return schema


# OpenAPI links: what a client (and Schemathesis' stateful run) can do with an answer. Those
# Schemathesis infers by itself (a list to its items, a lead created to its update) are left to
# it. (source path, method, status) → {link name: (target path, method, {parameter: value})}.
# An optional fourth item is the request body, whose values may be expressions too.
_LINKS: dict[tuple[str, str, int], dict[str, tuple[Any, ...]]] = {
    ("/api/catalog/models", "get", 200): {
        "ModelDetail": ("/api/catalog/models/{code}", "get", {"code": "$response.body#/0/code"}),
        "ConfiguratorState": (
            "/api/configurator/{model_code}",
            "get",
            {"model_code": "$response.body#/0/code"},
        ),
        # No choice: the model's default configuration, which its rules allow (then read back).
        "SaveConfiguration": (
            "/api/configurator/{model_code}/configurations",
            "post",
            {"model_code": "$response.body#/0/code"},
            {"choices": []},
        ),
    },
    ("/api/stock/search", "get", 200): {
        "VehicleDetail": (
            "/api/stock/vehicles/{vehicle_id}",
            "get",
            {"vehicle_id": "$response.body#/items/0/id"},
        ),
    },
    # The dealer's own leads to their update: a lead created through the API is rarely valid in
    # a random body, and rarely the signed-in dealer's; its list always is.
    ("/api/leads/mine", "get", 200): {
        "UpdateLead": (
            "/api/leads/{lead_id}",
            "patch",
            {"lead_id": "$response.body#/items/0/id"},
            # Its current status (a move always allowed: the note alone is recorded).
            {"status": "$response.body#/items/0/status"},
        ),
    },
    ("/api/configurator/{model_code}/configurations", "post", 201): {
        "SavedConfiguration": (
            "/api/configurator/configurations/{code}",
            "get",
            {"code": "$response.body#/code"},
        ),
    },
}


def _declare_links(schema: dict[str, Any]) -> dict[str, Any]:
    paths = schema["paths"]
    for (path, method, status), links in _LINKS.items():
        response = paths[path][method]["responses"][status]
        for name, (target, target_method, parameters, *body) in links.items():
            link = {"operationId": paths[target][target_method]["operationId"]}
            link["parameters"] = parameters
            if body:
                link["requestBody"] = body[0]
            response.setdefault("links", {})[name] = link
    return schema


_INPUT_KEYS_WITH_THEIR_OWN_RULE = frozenset({"pattern", "enum", "const", "format"})


def _declare_plain_text(schema: dict[str, Any]) -> dict[str, Any]:
    """Every string a client sends (query parameters, JSON bodies) is free of the control
    characters the gate refuses (``core.hostile_input``): the schema says so with a pattern."""
    components = schema.get("components", {}).get("schemas", {})
    visited: set[str] = set()

    def plain(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                plain(item)
        elif isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[-1]
                if name not in visited:
                    visited.add(name)
                    plain(components.get(name))
                return
            if node.get("type") == "string" and not _INPUT_KEYS_WITH_THEIR_OWN_RULE & node.keys():
                node["pattern"] = NO_CONTROL_PATTERN
            for value in node.values():
                plain(value)

    for methods in schema["paths"].values():
        for operation in methods.values():
            plain([p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"])
            plain(
                [
                    c.get("schema")
                    for c in operation.get("requestBody", {}).get("content", {}).values()
                ]
            )
    return schema


# Where a distance is measured from: a place, or a position whose ``lat`` and ``lng`` go
# together. Query parameters cannot depend on each other in OpenAPI, but the properties of one
# object parameter can: ``near``, sent exploded in form style, is ``?place=…`` or
# ``?lat=…&lng=…`` on the wire. Operations listed here need one or the other; a
# ``max_distance_km`` (stock search) belongs to it and needs one too.
_NEAR = ("place", "lat", "lng")
# A blank place is no place: it may be sent (a form's empty field, beside a position), but only a
# place with something to find in it is an origin.
_ORIGIN = [
    {
        "required": ["place"],
        "properties": {
            "place": {"pattern": rf"^{TEXT_CHARACTER}*[^\s\x00-\x1f\x7f]{TEXT_CHARACTER}*$"}
        },
    },
    {"required": ["lat", "lng"]},
]
_NEAR_REQUIRED = {("/api/dealers", "get")}


def _declare_near(schema: dict[str, Any]) -> dict[str, Any]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            parameters = operation.get("parameters", [])
            near = {
                p["name"]: p
                for p in parameters
                if p["in"] == "query" and p["name"] in (*_NEAR, "max_distance_km")
            }
            if not set(_NEAR) <= near.keys():
                continue
            required = (path, method) in _NEAR_REQUIRED
            place = _not_null(near["place"]["schema"])
            near_schema: dict[str, Any] = {
                "type": "object",
                "properties": {
                    name: place if name == "place" else _not_null(parameter["schema"])
                    for name, parameter in near.items()
                },
                "additionalProperties": False,
                "dependentRequired": {"lat": ["lng"], "lng": ["lat"]},
            }
            if required:
                near_schema["anyOf"] = _ORIGIN
            elif "max_distance_km" in near:
                near_schema["dependentSchemas"] = {"max_distance_km": {"anyOf": _ORIGIN}}
            parameter = {
                "name": "near",
                "in": "query",
                "required": required,
                "style": "form",
                "explode": True,
                "description": "Un lieu (`place` : ville ou code postal français) ou une "
                "position (`lat` et `lng` ensemble, en degrés décimaux) ; le lieu l'emporte."
                + (" L'un ou l'autre est requis." if required else ""),
                "schema": near_schema,
            }
            at = parameters.index(near["place"])
            kept = [p for p in parameters if p not in near.values()]
            operation["parameters"] = [*kept[:at], parameter, *kept[at:]]
    return schema


def wire_fields(parameter: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The fields a client sends for one OpenAPI parameter: itself, or each property of an
    object sent exploded in form style (``near``)."""
    schema = parameter.get("schema", {})
    if parameter.get("explode") and schema.get("type") == "object":
        return list(schema["properties"].items())
    return [(parameter["name"], schema)]


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``X | None`` as pydantic writes it (``anyOf`` with null) → ``X``: inside ``near``, a
    property is present or absent, never null."""
    variants = [v for v in schema.get("anyOf", [schema]) if v.get("type") != "null"]
    return dict(variants[0]) if len(variants) == 1 else {"anyOf": variants}


class AutoVitrineApi(NinjaAPI):
    """A NinjaAPI whose "method not allowed" answers are JSON errors like every other, and
    whose schema declares every error an operation can answer, with the error envelope."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        return _declare_links(_declare_common_errors(_declare_plain_text(_declare_near(schema))))

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(_csrf_when_signed_in(pattern.callback))
        return urls


api = AutoVitrineApi(
    title="AutoVitrine API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    parser=JsonParser(),
    renderer=OrjsonRenderer(),
)


def _method_not_allowed(request: HttpRequest, response: HttpResponseNotAllowed) -> HttpResponse:
    allowed = response["Allow"]
    json_response = error_response(
        api,
        request,
        405,
        "method_not_allowed",
        "Méthode non prise en charge à cette adresse.",
        [{"field": "method", "message": f"Méthodes acceptées : {allowed}."}],
    )
    json_response["Allow"] = allowed
    return json_response


def _json_method_not_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    # ninja answers a wrong method with a plain-text 405 before any exception handler runs.
    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            response = await view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                return _method_not_allowed(request, response)
            return response

        return async_wrapper

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return _method_not_allowed(request, response)
        return response

    return wrapper


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _csrf_when_signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Every write made with the session cookie needs the CSRF token (issue 10), not only the
    operations that require a sign-in: an open operation (a lead, a saved configuration) records
    the signed-in user as its author, so a forged cross-site request would write in their name.
    Without a session (API clients, webhooks, signed ingestion) nothing changes."""
    if inspect.iscoroutinefunction(view):
        return view  # none today; an async view would check ``auser`` the same way

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        user = getattr(request, "user", None)
        if (
            request.method in UNSAFE_METHODS
            and user is not None
            and user.is_authenticated
            and check_csrf(request) is not None
        ):
            return error_response(
                api,
                request,
                403,
                "csrf_failed",
                "Jeton CSRF absent ou invalide (en-tête X-CSRFToken).",
            )
        return view(request, *args, **kwargs)

    return wrapper


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(api, request, exc.status, exc.code, exc.message, exc.details)


# French wording of pydantic's error types; others keep pydantic's (English) message.
_INPUT_MESSAGES = {
    "missing": "Champ obligatoire.",
    "int_parsing": "Indiquez un nombre entier.",
    "int_type": "Indiquez un nombre entier.",
    "int_from_float": "Indiquez un nombre entier.",
    "float_parsing": "Indiquez un nombre.",
    "float_type": "Indiquez un nombre.",
    "finite_number": "Indiquez un nombre fini.",
    "bool_parsing": "Indiquez true ou false.",
    "bool_type": "Indiquez true ou false.",
    "string_type": "Indiquez un texte.",
    "greater_than_equal": "Doit valoir au moins {ge}.",
    "less_than_equal": "Doit valoir au plus {le}.",
    "string_too_short": "Au moins {min_length} caractère(s).",
    "string_too_long": "Au plus {max_length} caractères.",
    "enum": "Valeur inconnue ; valeurs possibles : {expected}.",
    "literal_error": "Valeur inconnue ; valeurs possibles : {expected}.",
    "datetime_from_date_parsing": "Indiquez une date et une heure ISO 8601.",
    "datetime_parsing": "Indiquez une date et une heure ISO 8601.",
    "datetime_type": "Indiquez une date et une heure ISO 8601.",
    "model_attributes_type": "Objet JSON attendu.",
    "dict_type": "Objet JSON attendu.",
    "list_type": "Liste attendue.",
    "value_error": "{error}",
}


# Names our handlers give their schema parameters; they prefix some error paths (a body's
# fields, a list item, a whole-schema check), which the client never sees as fields.
_SCHEMA_PARAMETER_NAMES = {"payload", "filters"}


def _input_error_detail(error: dict[str, Any]) -> dict[str, str]:
    # loc is (source, [schema parameter,] field...): keep the field's own path.
    loc = [str(part) for part in error.get("loc", ())]
    if len(loc) > 1 and loc[1] in _SCHEMA_PARAMETER_NAMES:
        del loc[1]
    template = _INPUT_MESSAGES.get(error.get("type", ""))
    # Bounds of float fields read "90", not "90.0".
    context = {
        name: int(value) if isinstance(value, float) and value.is_integer() else value
        for name, value in error.get("ctx", {}).items()
    }
    try:
        message = template.format(**context) if template else error.get("msg", "")
    except (KeyError, IndexError):
        message = error.get("msg", "")
    return {"field": ".".join(loc[1:]), "message": message}


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [_input_error_detail(err) for err in exc.errors]
    return error_response(api, request, 422, "invalid_input", "Données invalides.", details)


@api.exception_handler(DjangoValidationError)
def _domain_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    details = [{"field": "", "message": message} for message in exc.messages]
    return error_response(api, request, 422, "invalid_input", "Données invalides.", details)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(api, request, 401, "not_authenticated", "Authentification requise.")


@api.exception_handler(CodeLookupsExhausted)
def _code_lookups_exhausted(request: HttpRequest, exc: CodeLookupsExhausted) -> HttpResponse:
    return error_response(
        api, request, 429, "rate_limited", "Trop de références consultées : réessayez plus tard."
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(api, request, 404, "not_found", "Ressource introuvable.")


@api.exception_handler(ObjectDoesNotExist)
def _object_not_found(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return error_response(api, request, 404, "not_found", "Ressource introuvable.")


_HTTP_ERROR_CODES = {
    401: ("not_authenticated", "Authentification requise."),
    403: ("forbidden", "Accès refusé."),
    404: ("not_found", "Ressource introuvable."),
    405: ("method_not_allowed", "Méthode non prise en charge à cette adresse."),
    429: ("rate_limited", "Trop de demandes : réessayez plus tard."),
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps body parsing failures in a 400 whose cause says what went wrong.
    if isinstance(exc.__cause__, UnsupportedMediaType):
        return error_response(
            api,
            request,
            415,
            "unsupported_media_type",
            "Envoyez le corps en JSON (Content-Type: application/json).",
        )
    if exc.status_code == 400:
        return error_response(
            api, request, 400, "invalid_json", "Le corps de la requête n'est pas du JSON valide."
        )
    if exc.status_code == 403 and "CSRF" in str(exc):
        return error_response(
            api, request, 403, "csrf_failed", "Jeton CSRF absent ou invalide (en-tête X-CSRFToken)."
        )
    code, message = _HTTP_ERROR_CODES.get(
        exc.status_code, (f"http_{exc.status_code}", "Requête refusée.")
    )
    return error_response(api, request, exc.status_code, code, message)


@api.exception_handler(Exception)
def _unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(
        api, request, 500, "internal_error", "Erreur interne : nous sommes prévenus."
    )


@api.get("/health", tags=["health"], url_name="health", response={200: dict})
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness probe: answers without touching the database (also the benchmarks' baseline)."""
    return {"status": "ok"}


def _fallback_router() -> Router:
    """Answers every unknown address under /api/ with a JSON ``not_found``."""
    router = Router()

    @router.api_operation(
        ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:unmatched}", include_in_schema=False
    )
    def unmatched(request: HttpRequest, unmatched: str) -> HttpResponse:
        raise ApiError(404, "not_found", "Aucune ressource à cette adresse.")

    return router


def _register_routers() -> None:
    from autovitrine.catalog.api import router as catalog_router
    from autovitrine.configurator.api import router as configurator_router
    from autovitrine.dealers.api import router as dealers_router
    from autovitrine.flashsales.api import router as flashsales_router
    from autovitrine.inventory.api import router as inventory_router
    from autovitrine.leads.api import router as leads_router
    from autovitrine.orders.api import router as orders_router
    from autovitrine.orders.api import stock_router as orders_stock_router
    from autovitrine.parts.api import router as parts_router
    from autovitrine.payments.api import router as payments_router
    from autovitrine.production.api import router as production_router
    from autovitrine.tradein.api import router as tradein_router
    from autovitrine.workshop.api import router as workshop_router

    api.add_router("/catalog", catalog_router)
    api.add_router("/dealers", dealers_router)
    api.add_router("/stock", inventory_router)
    # The vehicle detail, with the registration taxes ``orders`` computes (orders/api.py).
    api.add_router("/stock", orders_stock_router)
    api.add_router("/leads", leads_router)
    api.add_router("/configurator", configurator_router)
    api.add_router("/orders", orders_router)
    api.add_router("/payments", payments_router)
    api.add_router("/tradein", tradein_router)
    api.add_router("/flash-sales", flashsales_router)
    api.add_router("/workshop", workshop_router)
    api.add_router("/parts", parts_router)
    api.add_router("/production", production_router)
    # Last, so that it only catches what no router above answers.
    api.add_router("", _fallback_router())


_register_routers()
