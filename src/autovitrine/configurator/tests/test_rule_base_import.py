"""Importing rule base files: bad input gets clear French problems, and nothing half-built."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from autovitrine.configurator.engine import MAX_BYTES, import_rule_base, rule_base_schema
from autovitrine.configurator.engine.demo import DEMO_PATH, demo_rule_base, load_demo
from autovitrine.configurator.engine.fileformat import dump_rule_base, read_rule_base_file

SMALL = {
    "format": "autovitrine.rules/1",
    "code": "mini",
    "label": "Mini",
    "families": [
        {
            "code": "trim",
            "label": "Finition",
            "values": [{"code": "life", "label": "Life"}, {"code": "gt", "label": "GT"}],
        },
        {
            "code": "wheels",
            "label": "Jantes",
            "values": [
                {"code": "r17", "label": "Jantes 17"},
                {"code": "r19", "label": "Jantes 19"},
            ],
        },
    ],
    "options": [{"code": "sport", "label": "Suspension sport", "price_ht": 45000}],
    "packs": [{"code": "hiver", "label": "Pack Hiver", "price_ht": 60000, "contents": ["sport"]}],
    "rules": [{"id": "r19-gt", "kind": "requires", "if": ["wheels=r19"], "then": ["trim=gt"]}],
    "tables": [
        {
            "id": "trim-wheels",
            "families": ["trim", "wheels"],
            "rows": [["life", "r17"], ["gt", "*"]],
        }
    ],
}


def document(**changes):
    """The small rule base with top-level ``changes``."""
    result = copy.deepcopy(SMALL)
    result.update(changes)
    return result


def problems_of(report):
    return [(problem.code, problem.path, problem.message) for problem in report.problems]


def test_a_correct_file_is_imported_without_problems():
    report = import_rule_base(json.dumps(SMALL))

    # Then 3 (trim, wheels) rows × 3 (sport, pack) states: the pack forces the sport option
    assert report.ok
    assert report.problems == ()
    assert report.configurator.count() == 9


def test_unknown_names_are_reported_with_where_they_occur():
    # Given rules naming a family, an option and a value that do not exist
    rules = [
        {"id": "a", "kind": "requires", "if": ["wheels=r21"], "then": ["sunroof"]},
        {"id": "b", "kind": "excludes", "if": ["colour=red"], "then": ["sport"]},
    ]
    tables = [{"id": "t", "families": ["trim", "towbar"], "rows": [["life", "x"]]}]

    report = import_rule_base(json.dumps(document(rules=rules, tables=tables)))

    assert not report.ok
    assert report.configurator is None
    assert problems_of(report) == [
        ("unknown_value", "rules[0].if[0]", "« wheels » n'a pas de valeur « r21 »."),
        ("unknown_name", "rules[0].then[0]", "Nom inconnu « sunroof »."),
        ("unknown_name", "rules[1].if[0]", "Nom inconnu « colour »."),
        (
            "unknown_name",
            "tables[0].families[1]",
            "Tableau « t » : la colonne « towbar » est inconnue (une famille est attendue).",
        ),
    ]


def test_a_table_value_outside_its_family_is_reported_with_its_row_and_column():
    tables = [
        {
            "id": "trim-wheels",
            "families": ["trim", "wheels"],
            "rows": [["life", "r17"], ["gt", "r21"]],
        }
    ]

    report = import_rule_base(json.dumps(document(tables=tables)))

    assert problems_of(report) == [
        (
            "value_not_in_family",
            "tables[0].rows[1][1]",
            "Tableau « trim-wheels », ligne 2 : « r21 » n'est pas une valeur de la famille « wheels ».",
        )
    ]
    assert report.configurator is None


def test_a_table_row_of_the_wrong_length_is_reported():
    tables = [{"id": "trim-wheels", "families": ["trim", "wheels"], "rows": [["life"]]}]

    report = import_rule_base(json.dumps(document(tables=tables)))

    assert problems_of(report) == [
        (
            "row_length",
            "tables[0].rows[0]",
            "Tableau « trim-wheels », ligne 1 : 1 cellule(s) pour 2 famille(s).",
        )
    ]


def test_packs_that_contain_each_other_are_a_cycle():
    options = [{"code": "sport", "label": "Suspension sport"}]
    packs = [
        {"code": "hiver", "label": "Pack Hiver", "contents": ["sport", "confort"]},
        {"code": "confort", "label": "Pack Confort", "contents": ["techno"]},
        {"code": "techno", "label": "Pack Techno", "contents": ["hiver"]},
        {"code": "solo", "label": "Pack Solo", "contents": ["solo"]},
    ]

    report = import_rule_base(json.dumps(document(options=options, packs=packs)))

    assert problems_of(report) == [
        (
            "pack_cycle",
            "packs[0].contents",
            "Ces packs se contiennent l'un l'autre : « hiver » → « confort » → « techno » → « hiver ».",
        ),
        (
            "pack_cycle",
            "packs[3].contents",
            "Ces packs se contiennent l'un l'autre : « solo » → « solo ».",
        ),
    ]
    assert report.configurator is None


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed():
    # Given a 50 MB file (not even JSON: it must never reach the parser)
    data = b"[" * (50 * 1024 * 1024)

    report = import_rule_base(data)

    assert problems_of(report) == [
        (
            "too_large",
            "",
            "Le fichier fait 50,0 Mo : la limite est de 16,0 Mo. "
            "Découpez les tableaux ou utilisez des jokers « * ».",
        )
    ]
    assert report.configurator is None


def test_reading_an_oversized_file_stops_at_the_limit(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (MAX_BYTES + 10))

    rule_base, problems = read_rule_base_file(path)

    assert rule_base is None
    assert [problem.code for problem in problems] == ["too_large"]


def test_an_empty_rule_base_is_refused():
    report = import_rule_base(
        json.dumps(document(families=[], options=[], packs=[], rules=[], tables=[]))
    )

    assert problems_of(report) == [
        ("empty_rule_base", "families", "Le fichier ne définit aucune famille, option ni pack.")
    ]


def test_schema_violations_are_listed_in_french_with_their_path():
    families = copy.deepcopy(SMALL["families"])
    del families[0]["label"]
    families[1]["values"][0]["code"] = "none"
    families[1]["colour"] = "red"
    options = [{"code": "sport", "label": "Suspension sport", "price_ht": -5}]

    report = import_rule_base(json.dumps(document(families=families, options=options, format="v2")))

    assert problems_of(report) == [
        ("schema", "families[0]", "Champ obligatoire manquant : « label »."),
        ("schema", "families[1]", "Champ inconnu : « colour »."),
        (
            "schema",
            "families[1].values[0].code",
            "« none » est réservé : c'est la valeur d'une famille facultative laissée vide.",
        ),
        ("schema", "format", "Valeur attendue : « autovitrine.rules/1 »."),
        (
            "schema",
            "options[0].price_ht",
            "Montant attendu : un nombre entier, ou une table {« by », « default », « values »}.",
        ),
    ]


def test_table_cells_that_are_not_texts_are_schema_violations():
    tables = [{"id": "trim-wheels", "families": ["trim", "wheels"], "rows": [["life", 17], "gt"]}]

    report = import_rule_base(json.dumps(document(tables=tables)))

    assert problems_of(report) == [
        ("schema", "tables[0].rows[0][1]", "Type attendu : un texte."),
        ("schema", "tables[0].rows[1]", "Type attendu : une liste."),
    ]


def test_invalid_json_says_where():
    report = import_rule_base(b'{"format": "autovitrine.rules/1",\n "code": }')

    assert problems_of(report) == [
        ("invalid_json", "", "Le fichier n'est pas un JSON valide (ligne 2, colonne 10).")
    ]


def test_rules_that_contradict_leave_no_valid_configuration():
    rules = [
        {"id": "sport-needed", "kind": "requires", "if": ["trim=life"], "then": ["sport"]},
        {"id": "no-sport", "kind": "excludes", "if": ["trim=life"], "then": ["sport"]},
        {"id": "gt-refused", "kind": "excludes", "if": ["trim=gt"], "then": ["wheels=r17|r19"]},
    ]

    report = import_rule_base(json.dumps(document(rules=rules)))

    assert not report.ok
    assert [problem.code for problem in report.problems] == ["no_valid_configuration"]
    assert report.problems[0].message == (
        "Aucune configuration n'est valide : ces règles se contredisent : "
        "« Finition : Life » impose « Suspension sport » ; « Finition : Life » exclut "
        "« Suspension sport » ; « Finition : GT » exclut « Jantes 17 » ou « Jantes 19 »."
    )


def test_dead_values_and_forced_choices_are_warnings():
    # Given a rule that makes 19-inch wheels need GT, and GT excluded
    rules = [
        {"id": "r19-gt", "kind": "requires", "if": ["wheels=r19"], "then": ["trim=gt"]},
        {"id": "no-gt", "kind": "excludes", "if": ["wheels=r17"], "then": ["trim=gt"]},
        {"id": "no-gt-19", "kind": "excludes", "if": ["wheels=r19"], "then": ["trim=gt"]},
    ]

    report = import_rule_base(json.dumps(document(rules=rules)))

    # Then the rule base is usable, with warnings naming what no configuration can contain
    assert report.ok
    assert report.errors == []
    assert problems_of(report) == [
        (
            "dead_value",
            "families[0].values[1]",
            "« Finition : GT » n'est disponible dans aucune configuration : « Jantes 17 » exclut "
            "« Finition : GT » ; « Jantes 19 » exclut « Finition : GT ».",
        ),
        (
            "forced_family",
            "families[0]",
            "La famille « Finition » n'a qu'une valeur possible : « Life ».",
        ),
        (
            "dead_value",
            "families[1].values[1]",
            "« Jantes 19 » n'est disponible dans aucune configuration : « Jantes 19 » impose "
            "« Finition : GT » ; « Jantes 19 » exclut « Finition : GT ».",
        ),
        (
            "forced_family",
            "families[1]",
            "La famille « Jantes » n'a qu'une valeur possible : « Jantes 17 ».",
        ),
    ]


def test_the_demo_file_is_valid_against_the_schema_and_matches_the_demo_module():
    raw = json.loads(DEMO_PATH.read_text(encoding="utf-8"))

    jsonschema.validate(raw, rule_base_schema())
    assert load_demo() == demo_rule_base()
    assert DEMO_PATH.read_bytes() == dump_rule_base(demo_rule_base(), indent=True)


@pytest.mark.parametrize("indent", [False, True])
def test_export_then_import_gives_the_same_rule_base(indent):
    rule_base = demo_rule_base()

    report = import_rule_base(dump_rule_base(rule_base, indent=indent))

    assert report.ok
    assert report.configurator.rule_base == rule_base


def test_an_option_always_included_and_a_pack_never_available_are_warned_in_plain_french():
    # Given the sport suspension required by both trims, and the winter pack excluded by both
    rules = [
        {"id": "sport", "kind": "requires", "if": ["trim=life"], "then": ["sport"]},
        {"id": "sport-gt", "kind": "requires", "if": ["trim=gt"], "then": ["sport"]},
        {"id": "no-pack", "kind": "excludes", "if": ["trim=life"], "then": ["hiver"]},
        {"id": "no-pack-gt", "kind": "excludes", "if": ["trim=gt"], "then": ["hiver"]},
    ]

    report = import_rule_base(json.dumps(document(rules=rules)))

    assert report.ok
    forced = {p.path: p.message for p in report.problems if p.code == "forced_option"}
    assert forced == {
        "sport": "« Suspension sport » figure dans toutes les configurations valides : "
        "le choix est imposé.",
        "hiver": "« Pack Hiver » ne figure dans aucune configuration valide : le choix est imposé.",
    }
