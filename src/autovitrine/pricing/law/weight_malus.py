"""Weight malus: the tax on the mass in running order of passenger cars (« malus au poids »,
taxe sur la masse en ordre de marche, CIBS art. L421-71 and following).

Rules as the texts give them (copies read with the search tool, check against Légifrance):
- due at the first registration in France as a passenger car, like the CO2 malus (CIBS
  L421-30 4° b, L421-33 3°; tricoteuses.fr JORFSCTA000044590554, LEGIARTI000048844492);
- « Ce barème associe un tarif marginal à chaque fraction de la masse en ordre de marche. Le
  montant est égal à la somme des produits de chaque fraction par le tarif marginal associé »,
  with « le barème de l'année de 1re immatriculation du véhicule » (service-public.fr F35950,
  copied at agglo-paysdemeaux.fr); each fraction counts whole kilograms, both bounds included
  (worked example: 1 950 kg in 2024 → 200 × 10 + 100 × 15 + 51 × 20 = 4 520 €);
- exempt: a car whose energy is only electricity or hydrogen (L421-78);
- a plug-in hybrid whose electric range in town exceeds 50 km (L421-79, read at lexbase.fr):
  exempt until 31 December 2024; from 1 January 2025 (loi n° 2023-1322, art. 97) « la masse en
  ordre de marche fait l'objet d'un abattement de 200 kilogrammes, dans la limite de 15 % de
  cette même masse » (the bill's text quoted at yumie.trade; in force from 1 January 2025 per
  caradisiac.com, January 2025, and nouvelles-dujour.com);
- « Pour le véhicule dont la source d'énergie comprend l'électricité, autre que celui relevant
  des articles L. 421-78 ou L. 421-79, la masse en ordre de marche fait l'objet d'un abattement
  de 100 kilogrammes » (L421-79-1, read at juriblio.fr), created from 1 January 2024 by the
  same law (amendment AN 1680/5250: « à compter du 1er janvier 2024 »). What was put off to
  1 January 2027 is not this abatement but its *limitation* to the hybrids whose electric motor
  is powerful enough: the government's amendment to the 2025 finance bill « décaler l'entrée en
  vigueur de la limitation du bénéfice de l'abattement de malus masse [...] aux seuls véhicules
  performants », because the motor's « puissance maximale nette » needs a change of the SIV
  « qu'à compter du 1er janvier 2027 » (francetvinfo.fr, 26 November 2024); the 2026 finance
  bill words that limit as an electric motor of more than 30 kW from 2027 (AN amendments
  n° 288 and 716, Sénat n° I-837 to the PLF 2026, art. 13, which quote it). So every hybrid
  and every plug-in hybrid of 50 km or less keeps the 100 kg up to 31 December 2026; a 2027
  registration has no scale here (``LAST_KNOWN_YEAR``) and our versions carry no electric
  motor's power, so no 2027 figure is computed;
- plug-in hybrid over 50 km: « un abattement de 200 kg » from 2025 is still the rule the 2026
  finance bill works from (AN amendment n° 1179 to the PLF 2026: « plutôt que de leur
  permettre de bénéficier d'un abattement de 200 kg »);
- thresholds: « voitures à moteur thermique pesant plus de 1 600 kilogrammes, et 1 500 à partir
  de 2026, avec un barème allant de 10 à 30 euros par kilogramme » (francetvinfo.fr,
  26 November 2024, on the loi de finances pour 2025); the taxation of electric cars from
  1 July 2026 planned by that law (art. 27, Sénat amendment n° I-2610 to the PLF 2026) was
  dropped by the loi de finances pour 2026 (automobile-propre.com, 30 January 2026: « Cette
  taxe au poids a donc été gommée de la loi de finances 2026 »; caradisiac.com, 3 February
  2026): electric cars stay exempt;
- « Le montant cumulé du malus masse et du malus CO2 est plafonné au montant maximum du malus
  CO2 » (service-public.fr F35950): the weight malus is reduced so that the two together do not
  exceed the cap of the CO2 scale applied;
- exemptions that depend on the buyer (mobility-inclusion card « invalidité », large families'
  abatement, wheelchair-accessible cars) are stated on the page, not computed.
The mass is the one on the registration certificate, field G (``Version.weight_kg``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

ELECTRIC = "electric"
PLUGIN_HYBRID = "phev"
HYBRID = "hybrid"
# L421-79: the plug-in hybrid above this electric range in town: exempt, then an abatement.
PHEV_LONG_RANGE_ABOVE_KM = 50
PHEV_ABATEMENT_FROM = dt.date(2025, 1, 1)  # loi n° 2023-1322, art. 97
PHEV_ABATEMENT_KG = 200
PHEV_ABATEMENT_MAX_PCT = 15  # « dans la limite de 15 % de cette même masse »
# L421-79-1: abatement for another car whose energy includes electricity, from 2024; its limit
# to hybrids with a powerful enough electric motor applies from 2027 only (module docstring).
ELECTRIFIED_ABATEMENT_FROM = dt.date(2024, 1, 1)
ELECTRIFIED_ABATEMENT_KG = 100

BUYER_EXEMPTIONS_NOTE = _(
    "Exonérations selon l'acheteur, non comptées ici : carte mobilité inclusion mention "
    "« invalidité » (ou enfant à charge titulaire), véhicule accessible en fauteuil roulant, "
    "abattement pour les familles de trois enfants et plus."
)


@dataclass(frozen=True, slots=True)
class WeightScale:
    """One year's scale: ``brackets`` are (first kg of the fraction, euros per kg), ascending;
    the last fraction has no upper bound."""

    year: int
    valid_from: dt.date
    brackets: tuple[tuple[int, int], ...]
    source: str

    @property
    def threshold_kg(self) -> int:
        return self.brackets[0][0]


# Each scale with where it was checked (the search tool, corpus "pages").
WEIGHT_SCALES: tuple[WeightScale, ...] = (
    WeightScale(
        year=2022,
        valid_from=dt.date(2022, 1, 1),
        brackets=((1_801, 10),),  # « au-delà de 1 800 kg »
        source=(
            "CIBS L421-75 (ordonnance n° 2021-1843) : 10 € par kg au-delà de 1 800 kg ; relu sur "
            "auto-infos.fr (« 10 euros par kilogramme au-delà de 1,8 tonne ») et caradisiac.com"
        ),
    ),
    WeightScale(
        year=2024,
        valid_from=dt.date(2024, 1, 1),
        brackets=((1_600, 10), (1_800, 15), (1_900, 20), (2_000, 25), (2_100, 30)),
        source=(
            "CIBS L421-75, barème 2024 (loi n° 2023-1322 de finances pour 2024) ; relu sur "
            "service-public.fr F35950 (copie agglo-paysdemeaux.fr, exemple 1 950 kg = 4 520 €) "
            "et latribuneauto.com ; inchangé en 2025 (seuil de 1 600 kg, francetvinfo.fr, "
            "26 novembre 2024)"
        ),
    ),
    WeightScale(
        year=2026,
        valid_from=dt.date(2026, 1, 1),
        brackets=((1_500, 10), (1_700, 15), (1_800, 20), (1_900, 25), (2_000, 30)),
        source=(
            "CIBS L421-75, barème 2026 (loi n° 2025-127 de finances pour 2025) ; relu sur "
            "latribuneauto.com 3 février 2026 (exemple 1 950 kg = 6 775 €) ; seuil de 1 500 kg "
            "« à partir de 2026 » (francetvinfo.fr, 26 novembre 2024) ; l'assujettissement des "
            "électriques prévu au 1er juillet 2026 a été retiré par la loi de finances pour 2026 "
            "(automobile-propre.com, 30 janvier 2026 ; caradisiac.com, 3 février 2026)"
        ),
    ),
)
# The last year whose scale is known: a registration after it has no known scale yet.
LAST_KNOWN_YEAR = 2026


def weight_scale_on(day: dt.date) -> WeightScale | None:
    """The scale of the year of first registration ``day``; ``None`` for a year not published
    yet (after ``LAST_KNOWN_YEAR``) or before the tax existed."""
    if day.year > LAST_KNOWN_YEAR:
        return None
    found = None
    for scale in WEIGHT_SCALES:
        if scale.valid_from <= day:
            found = scale
    return found


def taxable_mass_kg(
    *, mass_kg: int, energy: str, electric_range_km: int | None, registration_day: dt.date
) -> int | None:
    """The mass the scale applies to, or ``None`` when the car is exempt (L421-78, L421-79,
    L421-79-1), as in force on the first registration ``registration_day``."""
    if energy == ELECTRIC:
        return None
    if energy == PLUGIN_HYBRID and (electric_range_km or 0) > PHEV_LONG_RANGE_ABOVE_KM:
        if registration_day < PHEV_ABATEMENT_FROM:
            return None
        # Whole kilograms: the abatement never exceeds 15 % of the mass.
        return mass_kg - min(PHEV_ABATEMENT_KG, mass_kg * PHEV_ABATEMENT_MAX_PCT // 100)
    if energy in (PLUGIN_HYBRID, HYBRID) and registration_day >= ELECTRIFIED_ABATEMENT_FROM:
        return max(0, mass_kg - ELECTRIFIED_ABATEMENT_KG)
    return mass_kg


def l421_75_amount_cents(mass_kg: int, scale: WeightScale) -> int:
    """Sum of each fraction's whole kilograms times its marginal rate (bounds included)."""
    total = 0
    for index, (first_kg, euros) in enumerate(scale.brackets):
        if mass_kg < first_kg:
            break
        next_first = (
            scale.brackets[index + 1][0] if index + 1 < len(scale.brackets) else mass_kg + 1
        )
        last_kg = min(mass_kg, next_first - 1)
        total += (last_kg - first_kg + 1) * euros * 100
    return total


@dataclass(frozen=True, slots=True)
class WeightMalus:
    year: int | None
    taxable_mass_kg: int | None  # None: exempt
    amount_cents: int  # after the shared cap
    uncapped_cents: int
    source: str

    @property
    def exempt(self) -> bool:
        return self.taxable_mass_kg is None


def weight_malus(
    *,
    mass_kg: int | None,
    energy: str,
    electric_range_km: int | None,
    registration_day: dt.date,
    co2_malus_cents: int = 0,
    co2_cap_cents: int | None = None,
) -> WeightMalus | None:
    """The weight malus due at a first registration on ``registration_day``; ``None`` when the
    mass is unknown or no scale is known for that day. ``co2_cap_cents``: the cap of the CO2
    scale applied, shared by both taxes."""
    scale = weight_scale_on(registration_day)
    if mass_kg is None or scale is None:
        return None
    mass = taxable_mass_kg(
        mass_kg=mass_kg,
        energy=energy,
        electric_range_km=electric_range_km,
        registration_day=registration_day,
    )
    uncapped = 0 if mass is None else l421_75_amount_cents(mass, scale)
    amount = uncapped
    if co2_cap_cents is not None:
        amount = max(0, min(uncapped, co2_cap_cents - co2_malus_cents))
    return WeightMalus(
        year=scale.year,
        taxable_mass_kg=mass,
        amount_cents=amount,
        uncapped_cents=uncapped,
        source=scale.source,
    )
