"""Form pieces shared by the searches near a place (dealer locator, stock search)."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.forms.boundfield import BoundField
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .money import MAX_STORABLE_CENTS, AmountTooLarge, format_eur, parse_eur_to_cents
from .places import Place, resolve_place

POSITION_UNREADABLE = _(
    "Votre position n'a pas pu être lue : indiquez une ville ou un code postal."
)


def _position_field(limit: int) -> forms.FloatField:
    return forms.FloatField(
        required=False,
        min_value=-limit,
        max_value=limit,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": POSITION_UNREADABLE,
            "min_value": POSITION_UNREADABLE,
            "max_value": POSITION_UNREADABLE,
        },
    )


class NearPlaceForm(forms.Form):
    """The one definition of a search near a place: a French commune or postcode (``place``,
    resolved offline, suggested while typing) or the browser's position (hidden ``lat``/``lng``,
    filled by « Autour de moi »)."""

    place = forms.CharField(
        label=_("Ville ou code postal"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "placeholder": _("Ex. Lyon ou 69007"),
                "enterkeyhint": "search",
                "hx-get": reverse_lazy("web:place_suggestions"),
                "hx-trigger": "input changed delay:250ms, focus",
                "hx-target": "#place-suggestions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                # The suggestions alone: the form's own trigger must not run on each key.
                "hx-push-url": "false",
            }
        ),
        error_messages={"max_length": _("Le lieu est trop long (100 caractères au plus).")},
    )
    lat = _position_field(90)
    lng = _position_field(180)

    resolved_place: Place | None = None

    def clean_place(self) -> str:
        text = " ".join(self.cleaned_data["place"].split())
        if text:
            self.resolved_place = resolve_place(text)
            if self.resolved_place is None:
                raise forms.ValidationError(
                    _(
                        "Nous ne trouvons pas « %(place)s » : indiquez une ville ou un code postal "
                        "français."
                    ),
                    code="unknown_place",
                    params={"place": text},
                )
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        position_errors = self.has_error("lat") or self.has_error("lng")
        if not position_errors and (data.get("lat") is None) != (data.get("lng") is None):
            self.add_error("lat", POSITION_UNREADABLE)
        return data

    def position(self) -> tuple[float, float] | None:
        lat, lng = self.cleaned_data.get("lat"), self.cleaned_data.get("lng")
        return (lat, lng) if lat is not None and lng is not None else None

    def origin(self) -> tuple[float, float] | None:
        """Where distances are measured from: the place typed, else the browser's position."""
        if self.resolved_place is not None:
            return self.resolved_place.latitude, self.resolved_place.longitude
        return self.position()

    def origin_label(self) -> str:
        if self.resolved_place is not None:
            return self.resolved_place.label
        return str(_("votre position")) if self.origin() else ""


# Rendered field groups by what they are drawn from; cleared whole when full (a few hundred
# entries of a few KB: the filters' usual values, and some places typed).
_FIELD_GROUPS: dict[tuple[object, ...], SafeString] = {}
FIELD_GROUPS_KEPT = 2048


def field_groups_cache_clear() -> None:
    _FIELD_GROUPS.clear()


class MemoizedFieldGroup(BoundField):
    """A field rendered by ``as_field_group`` once per process for each value it shows.

    A search page draws the same filters on every search, and Django's template-based widgets
    (one template per option of a list) cost a quarter of the page. The HTML is a function of
    the form's class, the field, its value, its widget's attributes and choices, and the
    language, which make the key; a field with errors is drawn each time.

    A text box's value is typed freely (a place: nearly every search its own), so its HTML is
    kept once with a placeholder for the value, which is put in escaped as the widget's
    template escapes it."""

    def as_field_group(self) -> SafeString:
        if self.form.is_bound and self.errors:
            return super().as_field_group()  # type: ignore[no-any-return]
        field = self.field
        value = self.value()
        typed = isinstance(field.widget, forms.TextInput) and isinstance(value, str) and value
        choices = getattr(field, "choices", None)
        key = (
            type(self.form),
            self.html_name,  # the form's prefix included
            self.auto_id,
            get_language(),
            _TYPED if typed else repr(value),
            tuple((name, str(attr)) for name, attr in field.widget.attrs.items()),
            tuple((str(option), str(label)) for option, label in choices) if choices else None,
        )
        html = _FIELD_GROUPS.get(key)
        if html is None:
            html = super().as_field_group()
            if typed:
                attribute = f' value="{escape(value)}"'
                if html.count(attribute) != 1:
                    return html  # the value shows elsewhere too: not kept
                html = mark_safe(html.replace(attribute, f' value="{_TYPED}"'))  # noqa: S308
            if len(_FIELD_GROUPS) >= FIELD_GROUPS_KEPT:
                _FIELD_GROUPS.clear()
            _FIELD_GROUPS[key] = html
        if typed:
            return mark_safe(html.replace(_TYPED, escape(value)))  # noqa: S308  (escaped)
        return html


# Stands for a text box's value in the kept HTML: random per process, so no text typed or drawn
# can be taken for it.
_TYPED = f"avtyped{secrets.token_hex(8)}"


# A character the input gate lets through (``core.hostile_input``): tabs and line breaks are text.
TEXT_CHARACTER = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
NO_CONTROL_PATTERN = rf"^{TEXT_CHARACTER}*$"
# One line: no line break (it could add an e-mail header), nor any other control character.
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"


def validate_single_line(value: str) -> None:
    """A name or a subject is one line: a line break there could add an e-mail header."""
    if "\r" in value or "\n" in value:
        raise forms.ValidationError(_("Pas de retour à la ligne dans ce champ."), code="line_break")


def _refuse_other_scripts_digits(field: forms.Field, value: Any) -> None:
    # ``int`` and ``Decimal`` read full-width (２０２０) and other scripts' digits: no one types a
    # count or a rate that way on purpose (issue 10); the field's own "invalid" message.
    if isinstance(value, str) and not value.isascii():
        raise forms.ValidationError(field.error_messages["invalid"], code="invalid")


class IntegerField(forms.IntegerField):
    """Django's ``IntegerField``, reading ASCII digits only."""

    def to_python(self, value: Any) -> int | None:
        _refuse_other_scripts_digits(self, value)
        return super().to_python(value)  # type: ignore[no-any-return]


class DecimalField(forms.DecimalField):
    """Django's ``DecimalField``, reading ASCII digits only."""

    def to_python(self, value: Any) -> Any:
        _refuse_other_scripts_digits(self, value)
        return super().to_python(value)


class FloatField(forms.FloatField):
    """Django's ``FloatField``, reading ASCII digits only."""

    def to_python(self, value: Any) -> Any:
        _refuse_other_scripts_digits(self, value)
        return super().to_python(value)


# The largest row id (``BigAutoField``): a reference typed in a form or sent to the API is
# bounded by it, as every count and amount is bounded by its column (issue 10).
MAX_ROW_ID = 9_223_372_036_854_775_807
# The highest odometer reading any form or the API accepts.
MAX_MILEAGE_KM = 2_000_000
# The latest year a search (form or API) may ask for.
MAX_SEARCH_YEAR = 2100


class NotAfterYearValidator(MaxValueValidator):
    """A year at most ``years_ahead`` after the current one (read at each check)."""

    def __init__(self, *, years_ahead: int = 0, message: Any = None) -> None:
        super().__init__(
            lambda: timezone.localdate().year + years_ahead,
            message=message or _("L'année doit être %(limit_value)s au plus."),
        )


class EuroField(forms.CharField):
    """An amount typed the French way (``24 990``, ``990,50 €``), cleaned to integer cents
    (``None`` when left empty on an optional field); ``positive`` refuses zero. Its bounds in
    cents are ``min_cents`` and ``max_cents`` (at most what a money column stores)."""

    def __init__(
        self,
        *args: Any,
        positive: bool = False,
        max_cents: int = MAX_STORABLE_CENTS,
        **kwargs: Any,
    ) -> None:
        self.positive = positive
        self.min_cents = 1 if positive else 0
        self.max_cents = min(max_cents, MAX_STORABLE_CENTS)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        too_large = forms.ValidationError(
            _("Montant trop élevé : %(max)s au plus."),
            code="amount_too_large",
            params={"max": format_eur(self.max_cents // 100 * 100)},
        )
        try:
            cents = parse_eur_to_cents(text)
        except AmountTooLarge as exc:
            raise too_large from exc
        except ValueError as exc:
            raise forms.ValidationError(
                _("Saisissez un montant en euros, par exemple 24 990."), code="amount"
            ) from exc
        if cents > self.max_cents:
            raise too_large
        if self.positive and cents <= 0:
            raise forms.ValidationError(_("Le montant doit être positif."), code="amount")
        return cents
