"""A buyer configuring the demo Aurore Terra: greyed-out values, why, changes, price, CO2."""

from __future__ import annotations

import pickle

import pytest

from autovitrine.configurator.engine import Configurator, UnknownChoice
from autovitrine.configurator.engine.demo import demo_rule_base
from autovitrine.core.money import Price


@pytest.fixture(scope="module")
def terra():
    return Configurator.build(demo_rule_base())


def test_with_no_choice_every_trim_is_possible_and_the_space_is_counted(terra):
    possible = terra.possible({})

    assert possible.consistent
    assert possible.values["trim"] == ("life", "techno", "gt")
    assert possible.values["towbar"] == ("fixed", "removable", "none")
    assert terra.count() == 1_266_696
    assert (
        terra.count({"trim": "life"})
        + terra.count({"trim": "techno"})
        + terra.count({"trim": "gt"})
        == 1_266_696
    )


def test_choosing_life_greys_out_the_big_wheels_and_says_why(terra):
    possible = terra.possible({"trim": "life"})

    assert possible.values["wheels"] == ("r17", "r18")
    explanation = terra.explain({"trim": "life", "paint": "bleu-horizon"}, "wheels", "r19")
    assert explanation.choices == (("trim", "life"),)
    assert [source.ref for source in explanation.constraints] == ["r19-trim"]
    assert explanation.message == (
        "« Jantes alliage 19 pouces » n'est pas disponible avec « Finition Life » : "
        "les jantes 19 pouces sont réservées aux finitions Techno et GT."
    )
    assert terra.explain({"trim": "life"}, "wheels", "r18") is None


def test_a_powertrain_table_conflict_names_the_table_and_both_choices(terra):
    explanation = terra.explain({"engine": "petrol130", "paint": "noir-onyx"}, "trim", "gt")

    assert explanation.message == (
        "« Finition GT » n'est pas disponible avec « Motorisation : Essence PureFlow 130 ch » : "
        "le tableau « Motorisations par finition » n'autorise pas "
        "« Motorisation : Essence PureFlow 130 ch » avec « Finition GT »."
    )


def test_picking_an_impossible_value_anyway_proposes_the_smallest_change(terra):
    selection = {"trim": "life", "engine": "diesel130", "paint": "rouge-aurore", "wheels": "r17"}

    change = terra.smallest_change(selection, "wheels", "r19")

    assert [(c.name, c.old, c.new) for c in change.changes] == [("trim", "life", "techno")]
    assert change.selection == {
        "trim": "techno",
        "engine": "diesel130",
        "paint": "rouge-aurore",
        "wheels": "r19",
    }
    assert change.message == "Il faut remplacer « Finition Life » par « Finition Techno »."
    assert terra.is_valid(change.selection)


def test_with_gt_the_20_inch_wheels_bring_the_sport_suspension(terra):
    possible = terra.possible({"trim": "gt", "wheels": "r20"})

    assert possible.values["sport-suspension"] == (True,)
    explanation = terra.explain({"trim": "gt", "wheels": "r20"}, "sport-suspension", False)
    # The 20-inch wheels alone suffice: they are GT-only, so the trim adds nothing.
    assert explanation.message == (
        "On ne peut pas se passer de « Suspension sport pilotée » avec « Jantes alliage 20 pouces "
        "Diamant » : les jantes 20 pouces Diamant sont réservées à la finition GT ; avec la finition "
        "GT, les jantes 20 pouces demandent la suspension sport pilotée."
    )
    change = terra.smallest_change(
        {"trim": "gt", "wheels": "r20", "sport-suspension": False}, "trim", "gt"
    )
    assert change.message == "Il faut ajouter « Suspension sport pilotée »."


def test_a_pack_is_explained_through_its_contents(terra):
    explanation = terra.explain({"trim": "life"}, "pack-techno", True)

    assert explanation.message == (
        "« Pack Techno » n'est pas disponible avec « Finition Life » : le pack « Pack Techno » "
        "comprend « Affichage tête haute », « Caméra 360° » et « Régulateur adaptatif Stop & Go » ; "
        "« Affichage tête haute » impose « Finition Techno » ou « Finition GT »."
    )


def test_options_inside_a_bought_pack_are_not_charged_again(terra):
    configuration = {
        "trim": "gt",
        "wheels": "r19",
        "upholstery": "cuir",
        "pack-hiver": True,
        "heated-seats": True,
    }

    price = terra.price(configuration)

    assert [(line.name, line.amount_ht, line.included_in) for line in price.lines] == [
        ("trim", 580_000, None),
        ("wheels", 0, None),  # 19-inch wheels are standard on GT
        ("upholstery", 120_000, None),  # Nappa leather costs less on GT
        ("heated-seats", 0, "pack-hiver"),
        ("pack-hiver", 65_000, None),
    ]
    assert price.total_ht == 2_325_000 + 580_000 + 120_000 + 65_000
    expected = Price.from_ht(price.total_ht)
    assert (price.vat, price.ttc) == (expected.vat, expected.ttc)


def test_the_co2_follows_the_engine_gearbox_and_wheels(terra):
    base = {"engine": "petrol160", "gearbox": "auto8", "wheels": "r19"}

    assert terra.co2(base) == 128 + 9 + 4 + 4
    assert terra.co2({**base, "wheels": "r20"}) == 128 + 9 + 4 + 6
    assert terra.co2({"engine": "phev225", "gearbox": "auto8", "wheels": "r18"}) == 128 - 96 + 0 + 2


def test_diesel_is_not_offered_in_switzerland():
    swiss = Configurator.build(demo_rule_base(), market="CH")

    assert swiss.possible({}).values["engine"] == ("petrol130", "petrol160", "phev225")
    assert swiss.explain({}, "engine", "diesel130").message == (
        "« Motorisation : Diesel BlueTorque 130 ch » n'est pas proposé sur le marché CH."
    )


def test_the_default_completion_follows_the_version_defaults(terra):
    completion = terra.default_completion({"trim": "gt"})

    assert completion.configuration == {
        "trim": "gt",
        "engine": "petrol160",
        "gearbox": "auto8",
        "paint": "blanc-glacier",
        "roof": "body",
        "wheels": "r19",
        "upholstery": "cuir",
        "towbar": "none",
        "sport-suspension": False,
        "heated-seats": True,
        "heated-wheel": False,
        "heated-windscreen": False,
        "heat-pump": False,
        "head-up": False,
        "adaptive-cruise": False,
        "camera-360": False,
        "premium-audio": False,
        "matrix-led": False,
        "pack-hiver": False,
        "pack-techno": False,
    }
    assert completion.co2_g_km == 128 + 9 + 4 + 4


def test_the_cheapest_gt_takes_the_cheapest_compatible_engine_and_seats(terra):
    completion = terra.cheapest_completion({"trim": "gt"})

    assert completion.configuration["engine"] == "petrol160"
    assert completion.configuration["upholstery"] == "mixte"
    assert completion.price.total_ht == 2_325_000 + 580_000 + 150_000 + 200_000 + 50_000


def test_an_old_saved_configuration_says_what_no_longer_holds_and_how_to_fix_it(terra):
    # Given a configuration saved before 19-inch wheels were withdrawn from Life
    saved = terra.default_completion({"trim": "life"}).configuration | {"wheels": "r19"}

    assert not terra.is_valid(saved)
    assert terra.violations(saved) == [
        "les jantes 19 pouces sont réservées aux finitions Techno et GT"
    ]
    repair = terra.repair(saved)
    assert [(c.name, c.old) for c in repair.changes] == [("wheels", "r19")]
    assert terra.is_valid(repair.selection)


def test_unknown_names_and_values_are_refused(terra):
    with pytest.raises(UnknownChoice, match="Choix inconnu : « colour »."):
        terra.possible({"colour": "red"})
    with pytest.raises(UnknownChoice, match="Valeur inconnue pour « wheels » : « r21 »."):
        terra.possible({"wheels": "r21"})
    with pytest.raises(UnknownChoice):
        terra.possible({"pack-hiver": "yes"})


def test_a_compiled_configurator_can_be_cached_as_bytes_and_answers_the_same(terra):
    copy = pickle.loads(pickle.dumps(terra.compiled))

    again = Configurator(copy)
    assert again.possible({"trim": "life"}) == terra.possible({"trim": "life"})
    assert again.count({"trim": "gt"}) == terra.count({"trim": "gt"})
