"""The CO2 malus scales kept as data: amounts per year, the scale in force on a day, loading files."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from autovitrine.catalog.models import MalusBracket, MalusScale
from autovitrine.catalog.selectors import malus_amount, malus_scale_on
from autovitrine.catalog.services_malus import MALUS_DATA_DIR, malus_scale_load

data_migration = importlib.import_module("autovitrine.catalog.migrations.0002_malus_scales")


@pytest.fixture
def official_scales(db):
    """The three bundled files, loaded again: a transactional test elsewhere may have flushed
    the rows the migration wrote."""
    return {
        year: malus_scale_load(path=MALUS_DATA_DIR / f"malus-{year}.json")
        for year in (2024, 2025, 2026)
    }


def scale_file(tmp_path: Path, **changes) -> Path:
    """The 2026 file with ``changes`` applied, written as a new file."""
    raw = json.loads((MALUS_DATA_DIR / "malus-2026.json").read_text(encoding="utf-8"))
    raw.update(changes)
    path = tmp_path / "bareme.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


def brackets_of(year: int) -> list[tuple[int, int]]:
    return list(
        MalusBracket.objects.filter(scale__year=year)
        .order_by("co2_g_km")
        .values_list("co2_g_km", "amount_cents")
    )


@pytest.mark.parametrize(
    ("year", "co2_g_km", "euros"),
    [
        # 2024: from 118 g/km, 60 000 € above 193 g/km
        (2024, 117, 0),
        (2024, 118, 50),
        (2024, 150, 2_205),
        (2024, 193, 55_023),
        (2024, 194, 60_000),
        (2024, 250, 60_000),
        # 2025 (from 1 March): from 113 g/km, 70 000 € above 192 g/km
        (2025, 112, 0),
        (2025, 113, 50),
        (2025, 150, 3_119),
        (2025, 192, 67_467),
        (2025, 193, 70_000),
        (2025, 300, 70_000),
        # 2026: from 108 g/km, 80 000 € above 191 g/km
        (2026, 107, 0),
        (2026, 108, 50),
        (2026, 136, 1_629),
        (2026, 191, 79_911),
        (2026, 192, 80_000),
        (2026, 260, 80_000),
    ],
)
def test_each_years_scale_charges_the_official_amount(official_scales, year, co2_g_km, euros):
    # Given
    scale = malus_scale_on(official_scales[year].valid_from)

    # When
    amount = malus_amount(co2_g_km, scale)

    # Then
    assert scale.year == year
    assert amount == euros * 100


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2024, 1, 1), 2024),
        (dt.date(2025, 2, 28), 2024),
        (dt.date(2025, 3, 1), 2025),
        (dt.date(2025, 12, 31), 2025),
        (dt.date(2026, 1, 1), 2026),
        (dt.date(2026, 11, 22), 2026),
    ],
)
def test_the_scale_in_force_is_chosen_by_the_registration_day(official_scales, day, year):
    # When
    scale = malus_scale_on(day)

    # Then
    assert scale.year == year


def test_no_scale_applies_before_the_first_one(official_scales):
    # When
    scale = malus_scale_on(dt.date(2023, 12, 31))

    # Then
    assert scale is None
    assert malus_amount(250, scale) == 0


def test_the_data_migration_loads_the_three_scales_and_its_reverse_removes_them(db):
    # Given
    MalusScale.objects.all().delete()

    # When
    data_migration.load_scales(apps, None)

    # Then
    loaded = {
        scale.year: (
            scale.valid_from,
            scale.threshold_g_km,
            scale.cap_cents,
            scale.brackets.count(),
        )
        for scale in MalusScale.objects.all()
    }
    assert loaded == {
        2024: (dt.date(2024, 1, 1), 118, 6_000_000, 76),
        2025: (dt.date(2025, 3, 1), 113, 7_000_000, 80),
        2026: (dt.date(2026, 1, 1), 108, 8_000_000, 84),
    }

    # When
    data_migration.unload_scales(apps, None)

    # Then
    assert not MalusScale.objects.exists()
    assert not MalusBracket.objects.exists()


def test_next_years_scale_is_a_data_file_loaded_by_the_command(official_scales, tmp_path):
    # Given: a 2027 scale starting at 103 g/km, capped at 90 000 €
    brackets = [[103 + index, 50 + 25 * index] for index in range(80)]
    path = scale_file(
        tmp_path,
        year=2027,
        valid_from="2027-01-01",
        source="CIBS, art. L421-62 (barème 2027)",
        threshold_g_km=103,
        cap_eur=90_000,
        brackets=brackets,
    )
    out = io.StringIO()

    # When
    call_command("load_malus_scale", str(path), stdout=out)

    # Then
    assert out.getvalue() == (
        "Barème 2027 chargé : 80 tranches de 103 à 182 g/km, 90\u202f000\u00a0€ au-delà, "
        "applicable à partir du 01/01/2027.\n"
    )
    scale = malus_scale_on(dt.date(2027, 1, 1))
    assert (scale.year, scale.source) == (2027, "CIBS, art. L421-62 (barème 2027)")
    assert malus_amount(104, scale) == 7_500
    assert malus_amount(183, scale) == 9_000_000
    assert malus_scale_on(dt.date(2026, 12, 31)).year == 2026


def test_loading_a_year_again_replaces_its_scale(official_scales, tmp_path):
    # Given: the 2026 file with the last bracket corrected
    raw = json.loads((MALUS_DATA_DIR / "malus-2026.json").read_text(encoding="utf-8"))
    corrected = [*raw["brackets"][:-1], [191, 79_999]]

    # When
    call_command("load_malus_scale", str(scale_file(tmp_path, brackets=corrected)))

    # Then
    assert MalusScale.objects.filter(year=2026).count() == 1
    assert brackets_of(2026)[-1] == (191, 7_999_900)
    assert len(brackets_of(2026)) == 84


def _without_150(brackets):
    return [row for row in brackets if row[0] != 150]


def _with_lower_amount_at_150(brackets):
    return [[grams, 1 if grams == 150 else euros] for grams, euros in brackets]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: {"brackets": _without_150(raw["brackets"])},
            "Tranches non consécutives : 149 g/km est suivi de 151 g/km "
            "(une tranche par gramme, sans trou).",
        ),
        (
            lambda raw: {"brackets": _with_lower_amount_at_150(raw["brackets"])},
            "Montants non croissants : 4\u202f026\u00a0€ à 149 g/km, puis 1\u00a0€ à 150 g/km.",
        ),
        (
            lambda raw: {"threshold_g_km": 100},
            "La première tranche (108 g/km) doit être le seuil (100 g/km).",
        ),
        (
            lambda raw: {"cap_eur": 50_000},
            "Le plafond (50\u202f000\u00a0€) est inférieur à la dernière tranche (79\u202f911\u00a0€).",
        ),
        (
            lambda raw: {"valid_from": "2026-13-01"},
            "« valid_from » doit être une date au format AAAA-MM-JJ.",
        ),
        (
            lambda raw: {"brackets": [*raw["brackets"][:3], [111, "125"]]},
            "Tranche n° 4 : attendue sous la forme [g/km, euros] en entiers positifs.",
        ),
        (lambda raw: {"plafond": 80_000}, "Champ inconnu : « plafond »."),
    ],
    ids=["gap", "decrease", "threshold", "cap", "date", "row", "unknown-key"],
)
def test_a_bad_file_is_refused_in_french_and_nothing_is_loaded(
    official_scales, tmp_path, change, message
):
    # Given: a 2027 file with one mistake, while 2026 is in force
    raw = json.loads((MALUS_DATA_DIR / "malus-2026.json").read_text(encoding="utf-8"))
    path = scale_file(tmp_path, **{"year": 2027, "valid_from": "2027-01-01", **change(raw)})
    before = brackets_of(2026)

    # When
    with pytest.raises(CommandError) as refusal:
        call_command("load_malus_scale", str(path))

    # Then
    assert str(refusal.value) == f"Barème refusé ({path}), rien n'a été chargé :\n  - {message}"
    assert not MalusScale.objects.filter(year=2027).exists()
    assert brackets_of(2026) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000, "Ce fichier n'est pas du JSON valide"),  # nesting past orjson's bound
        (" " * 1_000_001, "Fichier trop volumineux pour un barème (1000 Ko au plus)"),
    ],
    ids=["deep", "too-large"],
)
def test_a_hostile_file_is_refused_in_french_not_a_traceback(db, tmp_path, content, message):
    path = tmp_path / "bareme.json"
    path.write_text(content, encoding="utf-8")
    before = MalusScale.objects.count()

    with pytest.raises(CommandError) as refusal:
        call_command("load_malus_scale", str(path))

    assert message in str(refusal.value)
    assert MalusScale.objects.count() == before


def test_a_bad_file_for_a_loaded_year_leaves_that_years_scale_intact(official_scales, tmp_path):
    # Given
    raw = json.loads((MALUS_DATA_DIR / "malus-2026.json").read_text(encoding="utf-8"))
    path = scale_file(tmp_path, brackets=_without_150(raw["brackets"]), cap_eur=1)
    before = brackets_of(2026)

    # When
    with pytest.raises(CommandError) as refusal:
        call_command("load_malus_scale", str(path))

    # Then: both mistakes are listed
    assert str(refusal.value).splitlines()[1:] == [
        "  - Tranches non consécutives : 149 g/km est suivi de 151 g/km "
        "(une tranche par gramme, sans trou).",
        "  - Le plafond (1\u00a0€) est inférieur à la dernière tranche (79\u202f911\u00a0€).",
    ]
    assert brackets_of(2026) == before
    assert MalusScale.objects.get(year=2026).cap_cents == 8_000_000


def test_a_file_that_is_not_json_is_refused(official_scales, tmp_path):
    # Given
    path = tmp_path / "bareme.json"
    path.write_text('{"year": 2027,', encoding="utf-8")

    # When
    with pytest.raises(CommandError) as refusal:
        call_command("load_malus_scale", str(path))

    # Then
    assert str(refusal.value).endswith(
        "  - Ce fichier n'est pas du JSON valide (ligne 1, colonne 15)."
    )
    assert not MalusScale.objects.filter(year=2027).exists()


# The 2026 grid as published gram by gram (simulateurmalus.fr « Grille complète du malus
# écologique 2026 », source cited: loi de finances 2026, service-public.fr), 108 to 191 g/km;
# 80 000 € from 192 g/km (CIBS L421-62 as in force on 1 January 2026).
PUBLISHED_2026 = [
    50,
    75,
    100,
    125,
    150,
    170,
    190,
    210,
    230,
    240,
    260,
    280,
    310,
    330,
    360,
    400,
    450,
    540,
    650,
    740,
    818,
    898,
    983,
    1074,
    1172,
    1276,
    1386,
    1504,
    1629,
    1761,
    1901,
    2049,
    2205,
    2370,
    2544,
    2726,
    2918,
    3119,
    3331,
    3552,
    3784,
    4026,
    4279,
    4543,
    4818,
    5105,
    5404,
    5715,
    6126,
    6637,
    7248,
    7959,
    8770,
    9681,
    10_692,
    11_803,
    13_014,
    14_325,
    15_736,
    17_247,
    18_858,
    20_569,
    22_380,
    24_291,
    26_302,
    28_413,
    30_624,
    32_935,
    35_346,
    37_857,
    40_468,
    43_179,
    45_990,
    48_901,
    51_912,
    55_023,
    58_134,
    61_245,
    64_356,
    67_467,
    70_578,
    73_689,
    76_800,
    79_911,
]


def test_l421_62_the_2026_file_is_the_published_grid_gram_by_gram():
    import json
    from pathlib import Path

    data = json.loads(
        (Path(__file__).resolve().parents[1] / "data" / "malus-2026.json").read_text("utf-8")
    )
    assert data["threshold_g_km"] == 108 and data["cap_eur"] == 80_000
    assert data["brackets"] == [[108 + i, amount] for i, amount in enumerate(PUBLISHED_2026)]


# The 2025 grid as published gram by gram (legipermis.com, 7 February 2025, « Montant du malus
# au 1er mars 2025 »; 113 to 144 g/km also caradisiac.com, February 2025, and 145 g/km = 2 205 €
# in both), 113 to 192 g/km; 70 000 € above 192 g/km (leasygo.fr: « 70 000 euros pour plus de
# 192 g CO2/km »; dila.premier-ministre.gouv.fr: maximum 70 000 €). CIBS L421-62 as in force on
# 1 March 2025 (loi n° 2025-127).
PUBLISHED_2025 = [
    50,
    75,
    100,
    125,
    150,
    170,
    190,
    210,
    230,
    240,
    260,
    280,
    310,
    330,
    360,
    400,
    450,
    540,
    650,
    740,
    818,
    898,
    983,
    1_074,
    1_172,
    1_276,
    1_386,
    1_504,
    1_629,
    1_761,
    1_901,
    2_049,
    2_205,
    2_370,
    2_544,
    2_726,
    2_918,
    3_119,
    3_331,
    3_552,
    3_784,
    4_026,
    4_279,
    4_543,
    4_818,
    5_105,
    5_404,
    5_715,
    6_126,
    6_637,
    7_248,
    7_959,
    8_770,
    9_681,
    10_692,
    11_803,
    13_014,
    14_325,
    15_736,
    17_247,
    18_858,
    20_569,
    22_380,
    24_291,
    26_302,
    28_413,
    30_624,
    32_935,
    35_346,
    37_857,
    40_468,
    43_179,
    45_990,
    48_901,
    51_912,
    55_023,
    58_134,
    61_245,
    64_356,
    67_467,
]


def test_l421_62_the_2025_file_is_the_published_grid_gram_by_gram():
    import json
    from pathlib import Path

    data = json.loads(
        (Path(__file__).resolve().parents[1] / "data" / "malus-2025.json").read_text("utf-8")
    )
    assert (data["valid_from"], data["threshold_g_km"], data["cap_eur"]) == (
        "2025-03-01",
        113,
        70_000,
    )
    assert data["brackets"] == [[113 + i, amount] for i, amount in enumerate(PUBLISHED_2025)]


def _file_brackets(year: int) -> dict[int, int]:
    data = json.loads((MALUS_DATA_DIR / f"malus-{year}.json").read_text("utf-8"))
    return dict(data["brackets"])


# The 2024 grid (CIBS L421-62 as in force on 1 January 2024, loi n° 2023-1322 art. 97): the
# official table itself could not be read with the search tool (docs/legal.md says what was
# searched). Each point below is checked against a text that could be read; the file's
# source_note says the same.
@pytest.mark.parametrize(
    ("co2_g_km", "euros"),
    [
        # service-public.fr (DILA), actualité A17079 of 15 January 2024: « Malus applies from 118
        # grams of CO2/km ... with for this level of pollution a tax of €50 »
        (117, 0),
        (118, 50),
        # « The threshold of €1,000 is reached from 141 grams of CO2/km (€1074) »
        (140, 983),
        (141, 1_074),
        # « The last installment of the scale shall be €60,000 for vehicles with CO2 more than
        # 193 grams of CO2/km »
        (194, 60_000),
        (260, 60_000),
        # cbanque.com, « Renault, Peugeot, Audi : la liste des voitures touchées par une flambée
        # du malus écologique en 2024 » (table « Source : Ministère des Finances, Ademe, Le
        # Parisien »): Peugeot 308 120 g 100 €, Toyota Yaris 121 g 125 €, Dacia Duster 124 g
        # 190 €, Peugeot 3008 132 g 360 €, Citroën C5 Aircross 137 g 740 €, BMW X3 147 g 1 761 €,
        # Audi RS5 203 g 60 000 €
        (120, 100),
        (121, 125),
        (124, 190),
        (132, 360),
        (137, 740),
        (147, 1_761),
        (203, 60_000),
    ],
)
def test_l421_62_the_2024_points_published_by_the_administration(official_scales, co2_g_km, euros):
    scale = malus_scale_on(dt.date(2024, 1, 1))
    assert (scale.year, malus_amount(co2_g_km, scale)) == (2024, euros * 100)


def test_l421_62_the_2024_grid_is_the_2025_grid_five_grams_higher_but_at_167_g():
    """Every year since 2020 the grid keeps its amounts and moves 5 g lower (2020 from 138 g/km,
    2021 from 133, 2023 from 123, 2025 from 113: amendment AN CD82 to the PLF 2024,
    service-public.fr F35947, orion-expertise-comptable.re, legipermis.com). Against the 2025
    grid, checked gram by gram above, the 2024 file agrees at each gram but 167 g/km: so
    150 g/km = 2 205 € (the 2 049 € of some copies is the amount of 149 g/km). 167 g/km keeps
    6 537 € (commentcamarche.com and two public repositories; the 2025 grid would give 6 637 €):
    not settled against the official text, see docs/legal.md."""
    kept = _file_brackets(2024)
    published_2025 = {113 + index: amount for index, amount in enumerate(PUBLISHED_2025)}
    differing = {
        grams: (kept[grams], published_2025[grams - 5])
        for grams in range(118, 194)
        if kept[grams] != published_2025[grams - 5]
    }
    assert differing == {167: (6_537, 6_637)}
    assert (kept[149], kept[150]) == (2_049, 2_205)
