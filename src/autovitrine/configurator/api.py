"""Configurator API, for the brand's apps and the page's own scripts:

- ``GET /api/configurator/{model}?c=trim:gt&c=heated-seats:1``: for the choices so far (in the
  buyer's order), every value still possible, the complete car they lead to, price, label and
  the exact number of valid configurations (a decimal string: it can exceed 2^53);
- ``GET /api/configurator/{model}/explain?c=…&choice=wheels:r20``: why a value is impossible
  and the smallest change to earlier choices that makes it possible;
- ``POST /api/configurator/{model}/configurations`` ``{"choices": ["trim:gt", …]}``: save;
- ``GET /api/configurator/configurations/{code}``: a saved configuration, and what no longer
  holds if the product data changed since.

Choices are written ``name:value`` (options and packs ``name:1`` / ``name:0``). A choice this
model does not know is a 422 ``unknown_choice`` (``details`` names each one); saving choices
that do not go together is a 422 ``invalid_configuration``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from autovitrine.core.api_errors import ApiError, errors
from autovitrine.core.ratelimit import code_lookup_over_limit
from autovitrine.pricing.selectors import representative_example

from .engine import Configurator
from .models import ProductData
from .selectors import (
    choice_text,
    choice_token,
    choice_value,
    choices_parse,
    published_product_data,
    saved_configuration,
    saved_configuration_check,
    share_url,
)
from .services import Pair, configuration_save, configurator_for
from .views import over_rate_limit

router = Router(tags=["configurator"])


class ChoicesQuery(Schema):
    c: list[str] = Field(default_factory=list, max_length=500)


class ExplainQuery(ChoicesQuery):
    choice: str = Field(max_length=200)


class SaveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    choices: list[str] = Field(max_length=500)


CREDIT_SENTENCE = (
    "Un crédit vous engage et doit être remboursé. "
    "Vérifiez vos capacités de remboursement avant de vous engager."
)


class CreditExampleOut(Schema):
    """Every figure of the representative example (art. L312-6 C. consom.), amounts in cents,
    rates in percent as decimal strings."""

    price: int
    down_payment: int
    total_credit: int = Field(description="Montant total du crédit (L312-6 2°).")
    months: int
    instalment: int = Field(description="Montant des échéances (L312-6 6°), hors assurance.")
    taeg: str = Field(description="TAEG fixe (L312-6 3°), assurance obligatoire comprise.")
    borrowing_rate: str = Field(description="Taux débiteur fixe (L312-6 1°).")
    total_due: int = Field(description="Montant total dû par l'emprunteur (L312-6 6°).")
    credit_cost: int
    insurance_monthly: int
    insurance_required: bool
    taea: str
    mandatory_sentence: str = Field(description="La mention de l'art. L312-5, mot pour mot.")


class ConfigurationPriceOut(Schema):
    total_ht: int
    vat: int
    ttc: int
    monthly_hint: int | None = Field(
        description=(
            "Mensualité de l'exemple représentatif de crédit (art. L312-6 C. consom.), en "
            "centimes ; null quand aucun exemple ne peut être annoncé (TAEG au taux de l'usure "
            "ou au-delà, art. L314-6) : ne montrez alors aucune mensualité. Ne l'affichez "
            "qu'avec tous les chiffres de credit_example et la mention de l'art. L312-5, le "
            "TAEG, les échéances, le montant total dû et la mention en caractères plus grands "
            "que toute autre information sur le financement (art. L312-8)."
        )
    )
    credit_example: CreditExampleOut | None = Field(
        default=None,
        description="L'exemple représentatif dont monthly_hint est la mensualité ; null avec elle.",
    )


def credit_example_out(price_ttc: int) -> CreditExampleOut | None:
    plan = representative_example(price_cents=price_ttc)
    if plan is None:
        return None
    return CreditExampleOut(
        price=plan.price_cents,
        down_payment=plan.down_payment_cents,
        total_credit=plan.financed_cents,
        months=plan.months,
        instalment=plan.monthly_payment_cents,
        taeg=f"{plan.apr:.2f}",
        borrowing_rate=f"{plan.nominal_rate:.2f}",
        total_due=plan.total_due_cents,
        credit_cost=plan.credit_cost_cents,
        insurance_monthly=plan.insurance_monthly_cents,
        insurance_required=plan.insurance_required,
        taea=f"{plan.taea:.2f}",
        mandatory_sentence=CREDIT_SENTENCE,
    )


class StateOut(Schema):
    model: str
    revision: int
    choices: list[str]
    possible: dict[str, list[str]]
    configuration: dict[str, str]
    price: ConfigurationPriceOut
    co2_g_km: int
    count: str
    total_count: str


class ChangeOut(Schema):
    message: str
    changes: list[dict[str, str]]
    choices: list[str]


class ExplainOut(Schema):
    possible: bool
    message: str
    because_of: list[str]
    rules: list[str]
    change: ChangeOut | None


class SavedOut(Schema):
    code: str
    share_url: str
    page_url: str
    model: str
    price_ttc: int
    co2_g_km: int
    lines: list[dict[str, str | int]]
    holds: bool
    problems: list[str]
    price_ttc_now: int | None


def _product_data(model_code: str) -> ProductData:
    product_data = published_product_data(model_code)
    if product_data is None:
        raise ApiError(404, "not_found", "Ce modèle ne se configure pas en ligne.")
    return product_data


def _choices(configurator: Configurator, tokens: list[str]) -> list[Pair]:
    """The choices in order (a name chosen again moves to the end), or a 422 naming each token
    this model does not know: the API is strict where the page forgives old links."""
    unknown = [token for token in tokens if choice_value(configurator, token) is None]
    if unknown:
        details = [{"field": "c", "message": f"Choix inconnu : « {token} »."} for token in unknown]
        raise ApiError(422, "unknown_choice", details[0]["message"], details)
    return choices_parse(configurator, tokens)[0]


@router.get(
    "/configurations/{code}",
    response={200: SavedOut, **errors(404, 429)},
    url_name="configurator_saved",
)
def saved_get(request: HttpRequest, code: str) -> SavedOut:
    if code_lookup_over_limit(request, "configuration"):
        raise ApiError(429, "rate_limited", "Trop de codes consultés : réessayez plus tard.")
    return _saved_out(code)


def _saved_out(code: str) -> SavedOut:
    saved = saved_configuration(code)
    if saved is None:
        raise ApiError(404, "not_found", "Aucune configuration à ce code.")
    check = saved_configuration_check(saved)
    return SavedOut(
        code=saved.code,
        share_url=share_url(saved.code),
        page_url=reverse("configurator:saved", kwargs={"code": saved.code}),
        model=saved.product_data.car_model.code,
        price_ttc=saved.price_ttc,
        co2_g_km=saved.co2_g_km,
        lines=saved.summary["lines"],
        holds=check.holds,
        problems=check.problems,
        price_ttc_now=check.price_ttc_now,
    )


@router.get("/{model_code}", response={200: StateOut, **errors(404)}, url_name="configurator_state")
def state(request: HttpRequest, model_code: str, query: Query[ChoicesQuery]) -> StateOut:
    product_data = _product_data(model_code)
    configurator = configurator_for(product_data)
    choices = _choices(configurator, query.c)
    selection = dict(choices)
    possible = configurator.possible(selection)
    if not possible.consistent:
        raise ApiError(
            422,
            "invalid_configuration",
            "Ces choix ne vont pas ensemble : retirez-en un ou demandez l'explication.",
        )
    completion = configurator.default_completion(selection)
    assert completion is not None
    example = credit_example_out(completion.price.ttc)
    return StateOut(
        model=model_code,
        revision=product_data.revision,
        choices=[choice_token(name, value) for name, value in choices],
        possible={
            name: [choice_text(v) for v in values] for name, values in possible.values.items()
        },
        configuration={name: choice_text(v) for name, v in completion.configuration.items()},
        price=ConfigurationPriceOut(
            total_ht=completion.price.total_ht,
            vat=completion.price.vat,
            ttc=completion.price.ttc,
            monthly_hint=example.instalment if example is not None else None,
            credit_example=example,
        ),
        co2_g_km=completion.co2_g_km,
        count=str(configurator.count(selection)),
        total_count=str(configurator.count()),
    )


@router.get(
    "/{model_code}/explain",
    response={200: ExplainOut, **errors(404)},
    url_name="configurator_explain",
)
def explain(request: HttpRequest, model_code: str, query: Query[ExplainQuery]) -> ExplainOut:
    configurator = configurator_for(_product_data(model_code))
    choices = _choices(configurator, query.c)
    ((name, value),) = _choices(configurator, [query.choice])
    explanation = configurator.explain(dict(choices), name, value)
    if explanation is None:
        return ExplainOut(
            possible=True, message="Ce choix est possible.", because_of=[], rules=[], change=None
        )
    change = configurator.smallest_change(dict(choices), name, value)
    return ExplainOut(
        possible=False,
        message=explanation.message,
        because_of=[choice_token(n, v) for n, v in explanation.choices],
        rules=list(explanation.reasons),
        change=ChangeOut(
            message=change.message,
            changes=[
                {"name": c.name, "from": choice_text(c.old), "to": choice_text(c.new)}
                for c in change.changes
            ],
            choices=[choice_token(n, v) for n, v in change.selection.items()],
        )
        if change
        else None,
    )


@router.post(
    "/{model_code}/configurations",
    response={201: SavedOut, **errors(404, 429)},
    url_name="configurator_save",
)
def save(request: HttpRequest, model_code: str, payload: SaveIn) -> tuple[int, SavedOut]:
    product_data = _product_data(model_code)
    choices = _choices(configurator_for(product_data), payload.choices)
    if over_rate_limit(request, "save"):
        raise ApiError(429, "rate_limited", "Trop d'enregistrements en peu de temps.")
    try:
        saved = configuration_save(
            product_data=product_data, choices=choices, customer=request.user
        )
    except ValidationError as exc:
        raise ApiError(422, "invalid_configuration", exc.messages[0]) from exc
    return 201, _saved_out(saved.code)
