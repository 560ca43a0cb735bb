"""The CO2 malus scales as data files: read and check one, then save it as the scale of its year.

A file (``catalog/data/malus-<year>.json``, described in ``catalog/data/README.md``) holds the
year, the day it applies from, its legal source, the threshold, the cap in whole euros (as the law
writes them) and one ``[g/km, euros]`` bracket per gram from the threshold up, with no gap. Next
year's scale is a new file loaded with ``manage.py load_malus_scale``, not a code change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from autovitrine.core.money import format_eur

from .models import MalusBracket, MalusScale

MALUS_DATA_DIR = Path(__file__).resolve().parent / "data"
REQUIRED_KEYS = ("year", "valid_from", "source", "threshold_g_km", "cap_eur", "brackets")
OPTIONAL_KEYS = ("source_url", "source_note")
# A scale is ~100 brackets (a few KB): anything far larger is not one. orjson bounds the nesting
# (a deep file is "not JSON", not a RecursionError); a huge number fails the fields' checks.
MAX_SCALE_BYTES = 1_000_000
SOURCE_MAX_LENGTH = MalusScale._meta.get_field("source").max_length or 300
# Far beyond any homologated car; a larger figure is a typing mistake in the file.
MAX_CO2_G_KM = 1000


@dataclass(frozen=True, slots=True)
class MalusScaleData:
    year: int
    valid_from: dt.date
    source: str
    threshold_g_km: int
    cap_cents: int
    brackets: tuple[tuple[int, int], ...]  # (g/km, amount in cents), one per gram

    @property
    def last_g_km(self) -> int:
        return self.brackets[-1][0]


def _is_whole(value: Any, *, minimum: int = 1) -> bool:
    # JSON ``true`` is a Python int too; a scale never holds one.
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _check_header(raw: dict[str, Any], errors: list[str]) -> dt.date | None:
    year = raw["year"]
    if not (_is_whole(year) and 2000 <= year <= 2100):
        errors.append(_("« year » doit être une année entre 2000 et 2100."))
    valid_from = None
    try:
        valid_from = dt.date.fromisoformat(raw["valid_from"])
    except (TypeError, ValueError):
        errors.append(_("« valid_from » doit être une date au format AAAA-MM-JJ."))
    if valid_from is not None and _is_whole(year) and valid_from.year != year:
        errors.append(
            _("« valid_from » (%(day)s) doit tomber dans l'année du barème (%(year)d).")
            % {"day": valid_from.isoformat(), "year": year}
        )
    source = raw["source"]
    if not isinstance(source, str) or not source.strip() or len(source) > SOURCE_MAX_LENGTH:
        errors.append(
            _("« source » doit citer le texte officiel (%(max)d caractères au plus).")
            % {"max": SOURCE_MAX_LENGTH}
        )
    if not (_is_whole(raw["threshold_g_km"]) and raw["threshold_g_km"] <= MAX_CO2_G_KM):
        errors.append(_("« threshold_g_km » doit être un nombre entier de g/km."))
    if not _is_whole(raw["cap_eur"]):
        errors.append(_("« cap_eur » doit être un montant entier en euros."))
    return valid_from


def _check_brackets(raw: dict[str, Any], errors: list[str]) -> list[tuple[int, int]]:
    rows = raw["brackets"]
    if not isinstance(rows, list) or not rows:
        errors.append(_("« brackets » doit être une liste non vide de paires [g/km, euros]."))
        return []
    brackets: list[tuple[int, int]] = []
    for number, row in enumerate(rows, start=1):
        if (
            not isinstance(row, list)
            or len(row) != 2
            or not _is_whole(row[0])
            or row[0] > MAX_CO2_G_KM
            or not _is_whole(row[1])
        ):
            errors.append(
                _("Tranche n° %(n)d : attendue sous la forme [g/km, euros] en entiers positifs.")
                % {"n": number}
            )
            return []
        brackets.append((row[0], row[1]))
    threshold = raw["threshold_g_km"]
    if _is_whole(threshold) and brackets[0][0] != threshold:
        errors.append(
            _("La première tranche (%(first)d g/km) doit être le seuil (%(threshold)d g/km).")
            % {"first": brackets[0][0], "threshold": threshold}
        )
    for (grams, amount), (next_grams, next_amount) in zip(brackets, brackets[1:], strict=False):
        if next_grams != grams + 1:
            errors.append(
                _(
                    "Tranches non consécutives : %(a)d g/km est suivi de %(b)d g/km "
                    "(une tranche par gramme, sans trou)."
                )
                % {"a": grams, "b": next_grams}
            )
        elif next_amount <= amount:
            errors.append(
                _("Montants non croissants : %(x)s à %(a)d g/km, puis %(y)s à %(b)d g/km.")
                % {
                    "x": format_eur(amount * 100),
                    "a": grams,
                    "y": format_eur(next_amount * 100),
                    "b": next_grams,
                }
            )
    cap = raw["cap_eur"]
    if _is_whole(cap) and cap < brackets[-1][1]:
        errors.append(
            _("Le plafond (%(cap)s) est inférieur à la dernière tranche (%(last)s).")
            % {"cap": format_eur(cap * 100), "last": format_eur(brackets[-1][1] * 100)}
        )
    return brackets


def malus_scale_parse(raw: Any) -> MalusScaleData:
    """Check a decoded file; every problem found is reported at once, in French."""
    if not isinstance(raw, dict):
        raise ValidationError(_("Le barème doit être un objet JSON."), code="malus_not_object")
    errors = [
        _("Champ manquant : « %(key)s ».") % {"key": key} for key in REQUIRED_KEYS if key not in raw
    ]
    errors += [
        _("Champ inconnu : « %(key)s ».") % {"key": key}
        for key in raw
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS
    ]
    if errors:
        raise ValidationError(errors, code="malus_invalid")
    valid_from = _check_header(raw, errors)
    brackets = _check_brackets(raw, errors)
    if errors or valid_from is None:
        raise ValidationError(errors, code="malus_invalid")
    return MalusScaleData(
        year=raw["year"],
        valid_from=valid_from,
        source=raw["source"].strip(),
        threshold_g_km=raw["threshold_g_km"],
        cap_cents=raw["cap_eur"] * 100,
        brackets=tuple((grams, euros * 100) for grams, euros in brackets),
    )


def malus_scale_read(path: Path) -> MalusScaleData:
    """Read and check one scale file."""
    try:
        if path.stat().st_size > MAX_SCALE_BYTES:
            raise ValidationError(
                _("Fichier trop volumineux pour un barème (%(max)s Ko au plus) : %(path)s.")
                % {"max": MAX_SCALE_BYTES // 1000, "path": path},
                code="malus_too_large",
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ValidationError(
            _("Fichier introuvable : %(path)s.") % {"path": path}, code="malus_no_file"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("Fichier illisible : %(path)s.") % {"path": path}, code="malus_unreadable"
        ) from exc
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(
            _("Ce fichier n'est pas du JSON valide (ligne %(line)d, colonne %(column)d).")
            % {"line": exc.lineno, "column": exc.colno},
            code="malus_not_json",
        ) from exc
    return malus_scale_parse(raw)


def malus_scale_write(
    data: MalusScaleData,
    *,
    scale_model: Any = MalusScale,
    bracket_model: Any = MalusBracket,
) -> Any:
    """Save ``data`` as the scale of its year, replacing that year's scale and brackets if any.

    The models are parameters so the data migration can pass its historical ones.
    """
    with transaction.atomic():
        scale, _created = scale_model.objects.update_or_create(
            year=data.year,
            defaults={
                "valid_from": data.valid_from,
                "source": data.source,
                "threshold_g_km": data.threshold_g_km,
                "cap_cents": data.cap_cents,
            },
        )
        bracket_model.objects.filter(scale=scale).delete()
        bracket_model.objects.bulk_create(
            bracket_model(scale=scale, co2_g_km=grams, amount_cents=cents)
            for grams, cents in data.brackets
        )
    return scale


def malus_scale_load(*, path: Path) -> MalusScale:
    """Check the file at ``path`` and save it; a bad file raises and leaves the database as it was."""
    return malus_scale_write(malus_scale_read(path))
