"""The JSON file format of a rule base: size limit, JSON Schema, name checks, and export."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import orjson

from .model import (
    ANY,
    NONE,
    Amount,
    Default,
    Family,
    Literal,
    Option,
    Pack,
    Rule,
    RuleBase,
    Section,
    Table,
    Value,
)
from .problems import Problem, RuleBaseError

FORMAT = "autovitrine.rules/1"
# Real rule bases reach 10 MB; an indented export of one is about 15 % larger, and must import again.
MAX_BYTES = 16 * 1024 * 1024
MAX_PROBLEMS = 200
SCHEMA_PATH = Path(__file__).with_name("schema.json")

_JSON_TYPES_FR = {
    "string": "un texte",
    "integer": "un nombre entier",
    "number": "un nombre",
    "array": "une liste",
    "object": "un objet",
    "boolean": "vrai ou faux",
    "null": "null",
}


@cache
def rule_base_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = rule_base_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def parse_rule_base(
    data: bytes | str, *, max_bytes: int = MAX_BYTES
) -> tuple[RuleBase | None, list[Problem]]:
    """Read a rule base file: either a complete ``RuleBase`` and no errors, or ``None`` and why."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        return None, [
            Problem(
                "too_large",
                f"Le fichier fait {_megabytes(size)} : la limite est de {_megabytes(max_bytes)}. "
                "Découpez les tableaux ou utilisez des jokers « * ».",
            )
        ]
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        return None, [
            Problem(
                "invalid_json",
                f"Le fichier n'est pas un JSON valide (ligne {error.lineno}, colonne {error.colno}).",
            )
        ]
    problems = schema_problems(document)
    if problems:
        return None, problems
    return _RuleBaseReader(document).read()


def load_rule_base(data: bytes | str, *, max_bytes: int = MAX_BYTES) -> RuleBase:
    """Like ``parse_rule_base`` but raises ``RuleBaseError`` with every problem found."""
    rule_base, problems = parse_rule_base(data, max_bytes=max_bytes)
    if rule_base is None:
        raise RuleBaseError(problems)
    return rule_base


def read_rule_base_file(
    path: Path, *, max_bytes: int = MAX_BYTES
) -> tuple[RuleBase | None, list[Problem]]:
    """Like ``parse_rule_base`` but never reads more than the limit from disk."""
    with path.open("rb") as stream:
        data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            stream.seek(0, 2)
            return None, [
                Problem(
                    "too_large",
                    f"Le fichier fait {_megabytes(stream.tell())} : "
                    f"la limite est de {_megabytes(max_bytes)}.",
                )
            ]
    return parse_rule_base(data, max_bytes=max_bytes)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " Mo"


def schema_problems(document: object) -> list[Problem]:
    """Every JSON Schema violation, in French, with the path where it occurs.

    Table rows (most of a real file) are checked by a plain loop with the same rule as the
    schema's (a list of texts per row): jsonschema takes seconds on 200,000 rows.
    """
    skeleton, tables_rows = _without_rows(document)
    errors = sorted(
        _validator().iter_errors(skeleton), key=lambda error: list(map(str, error.absolute_path))
    )
    problems = [
        Problem("schema", _schema_message(error), _path(error.absolute_path)) for error in errors
    ]
    for table_index, rows in tables_rows:
        for row_index, row in enumerate(rows):
            path = f"tables[{table_index}].rows[{row_index}]"
            if not isinstance(row, list):
                problems.append(Problem("schema", "Type attendu : une liste.", path))
                continue
            problems.extend(
                Problem("schema", "Type attendu : un texte.", f"{path}[{column}]")
                for column, cell in enumerate(row)
                if not isinstance(cell, str)
            )
    return _capped(problems[:MAX_PROBLEMS], len(problems))


def _without_rows(document: object) -> tuple[object, list[tuple[int, list[object]]]]:
    """The document with each table's rows set aside (shallow copies, the input is untouched)."""
    if not isinstance(document, dict) or not isinstance(document.get("tables"), list):
        return document, []
    tables: list[object] = []
    set_aside: list[tuple[int, list[object]]] = []
    for index, table in enumerate(document["tables"]):
        if isinstance(table, dict) and isinstance(table.get("rows"), list):
            set_aside.append((index, table["rows"]))
            table = {**table, "rows": []}
        tables.append(table)
    return {**document, "tables": tables}, set_aside


def _path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_message(error: jsonschema.ValidationError) -> str:
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [name for name in expected if name not in instance]
        return "Champ obligatoire manquant : " + ", ".join(f"« {name} »" for name in missing) + "."
    if kind == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = sorted(name for name in instance if name not in known)
        return "Champ inconnu : " + ", ".join(f"« {name} »" for name in extra) + "."
    if kind == "type":
        return f"Type attendu : {_JSON_TYPES_FR.get(str(expected), str(expected))}."
    if kind == "const":
        return f"Valeur attendue : « {expected} »."
    if kind == "enum":
        return "Valeur attendue parmi : " + ", ".join(f"« {item} »" for item in expected) + "."
    if kind == "pattern":
        return f"Format invalide : « {instance} » (lettres, chiffres, « _ », « - », « . » ; voir la documentation)."
    if kind == "not":
        return "« none » est réservé : c'est la valeur d'une famille facultative laissée vide."
    if kind == "minItems":
        return f"La liste doit contenir au moins {expected} élément(s)."
    if kind == "uniqueItems":
        return "La liste contient des doublons."
    if kind == "minLength":
        return "Le texte est vide."
    if kind == "maxLength":
        return f"Le texte dépasse {expected} caractères."
    if kind == "minimum":
        return f"La valeur doit être au moins {expected}."
    if kind == "maximum":
        return f"La valeur doit être au plus {expected}."
    if kind == "oneOf":
        return "Montant attendu : un nombre entier, ou une table {« by », « default », « values »}."
    return "Valeur invalide."


def _capped(problems: list[Problem], total: int) -> list[Problem]:
    if total > len(problems):
        problems.append(
            Problem(
                "too_many_problems", f"… et {total - len(problems)} autres problèmes non listés."
            )
        )
    return problems


class _RuleBaseReader:
    """Builds the model from a schema-valid document, checking every name it refers to."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.family_values: dict[str, tuple[str, ...]] = {}
        self.booleans: set[str] = set()
        self.markets = tuple(document.get("markets", ()))

    def problem(self, code: str, message: str, path: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(code, message, path))

    def read(self) -> tuple[RuleBase | None, list[Problem]]:
        document = self.document
        self._declare_names()
        families = tuple(
            self._family(raw, f"families[{index}]")
            for index, raw in enumerate(document.get("families", ()))
        )
        options = tuple(
            Option(
                code=raw["code"],
                label=raw["label"],
                price=self._amount(raw.get("price_ht", 0), f"options[{index}].price_ht"),
                co2=self._amount(raw.get("co2_g_km", 0), f"options[{index}].co2_g_km"),
                markets=self._markets(raw, f"options[{index}].markets"),
            )
            for index, raw in enumerate(document.get("options", ()))
        )
        packs = tuple(
            self._pack(raw, f"packs[{index}]")
            for index, raw in enumerate(document.get("packs", ()))
        )
        rules = tuple(
            self._rule(raw, f"rules[{index}]")
            for index, raw in enumerate(document.get("rules", ()))
        )
        tables = tuple(
            self._table(raw, f"tables[{index}]")
            for index, raw in enumerate(document.get("tables", ()))
        )
        defaults = tuple(
            self._default(raw, f"defaults[{index}]")
            for index, raw in enumerate(document.get("defaults", ()))
        )
        sections = self._sections(document.get("sections", ()))
        self._check_unique_ids(rules, "rules", "La règle")
        self._check_unique_ids(tables, "tables", "Le tableau")
        self._check_pack_cycles(packs)
        if not families and not options and not packs:
            self.problem(
                "empty_rule_base",
                "Le fichier ne définit aucune famille, option ni pack.",
                "families",
            )
        if self.problem_count:
            return None, _capped(self.problems, self.problem_count)
        return (
            RuleBase(
                code=document["code"],
                label=document["label"],
                families=families,
                options=options,
                packs=packs,
                rules=rules,
                tables=tables,
                defaults=defaults,
                markets=self.markets,
                base_price_ht=document.get("base_price_ht", 0),
                co2_base_g_km=document.get("co2_base_g_km", 0),
                sections=sections,
            ),
            [],
        )

    def _declare_names(self) -> None:
        seen: dict[str, str] = {}
        for section in ("families", "options", "packs"):
            for index, raw in enumerate(self.document.get(section, ())):
                path = f"{section}[{index}]"
                code = raw["code"]
                if code in seen:
                    self.problem(
                        "duplicate_name",
                        f"Le nom « {code} » est défini deux fois ({seen[code]} et {path}) : "
                        "familles, options et packs partagent les mêmes noms.",
                        f"{path}.code",
                    )
                    continue
                seen[code] = path
                if section == "families":
                    codes = [value["code"] for value in raw["values"]]
                    for position, value_code in enumerate(codes):
                        if value_code in codes[:position]:
                            self.problem(
                                "duplicate_value",
                                f"La famille « {code} » a deux fois la valeur « {value_code} ».",
                                f"{path}.values[{position}].code",
                            )
                    self.family_values[code] = (
                        (*dict.fromkeys(codes), NONE)
                        if raw.get("optional")
                        else tuple(dict.fromkeys(codes))
                    )
                else:
                    self.booleans.add(code)

    def _sections(self, raws: Sequence[Mapping[str, Any]]) -> tuple[Section, ...]:
        """Each family in at most one section, and only families the file defines."""
        placed: dict[str, str] = {}
        sections = []
        for index, raw in enumerate(raws):
            for position, family in enumerate(raw["families"]):
                path = f"sections[{index}].families[{position}]"
                if family not in self.family_values:
                    self.problem(
                        "unknown_name",
                        f"La section « {raw['code']} » cite « {family} », qui n'est pas une famille.",
                        path,
                    )
                elif family in placed:
                    self.problem(
                        "duplicate_section",
                        f"La famille « {family} » est dans deux sections "
                        f"(« {placed[family]} » et « {raw['code']} »).",
                        path,
                    )
                else:
                    placed[family] = raw["code"]
            sections.append(Section(raw["code"], raw["label"], tuple(raw["families"])))
        codes = [section.code for section in sections]
        for index, code in enumerate(codes):
            if code in codes[:index]:
                self.problem(
                    "duplicate_id",
                    f"La section « {code} » est définie deux fois.",
                    f"sections[{index}].code",
                )
        return tuple(sections)

    def _markets(self, raw: Mapping[str, Any], path: str) -> tuple[str, ...] | None:
        if "markets" not in raw:
            return None
        markets = tuple(raw["markets"])
        for market in markets:
            if market not in self.markets:
                self.problem(
                    "unknown_market",
                    f"Marché inconnu « {market} » : déclarez-le dans « markets » en tête du fichier.",
                    path,
                )
        return markets

    def _amount(
        self, raw: int | Mapping[str, Any], path: str, own_family: str | None = None
    ) -> Amount:
        if isinstance(raw, int):
            return Amount(default=raw)
        by = raw["by"]
        values = tuple((str(code), int(amount)) for code, amount in raw.get("values", {}).items())
        if by not in self.family_values:
            kind = "une option ou un pack" if by in self.booleans else "inconnu"
            self.problem(
                "unknown_name",
                f"« by » doit nommer une famille : « {by} » est {kind}.",
                f"{path}.by",
            )
        elif by == own_family:
            self.problem(
                "amount_by_own_family",
                f"Le montant d'une valeur de « {by} » ne peut pas dépendre de « {by} » elle-même.",
                f"{path}.by",
            )
        else:
            for code, _ in values:
                if code not in self.family_values[by]:
                    self.problem(
                        "unknown_value",
                        f"« {by} » n'a pas de valeur « {code} ».",
                        f"{path}.values.{code}",
                    )
        return Amount(default=raw["default"], by=by, values=values)

    def _family(self, raw: Mapping[str, Any], path: str) -> Family:
        values = tuple(
            Value(
                code=value["code"],
                label=value["label"],
                price=self._amount(
                    value.get("price_ht", 0), f"{path}.values[{index}].price_ht", raw["code"]
                ),
                co2=self._amount(
                    value.get("co2_g_km", 0), f"{path}.values[{index}].co2_g_km", raw["code"]
                ),
                markets=self._markets(value, f"{path}.values[{index}].markets"),
            )
            for index, value in enumerate(raw["values"])
        )
        return Family(
            code=raw["code"], label=raw["label"], values=values, optional=bool(raw.get("optional"))
        )

    def literal(
        self, text: str, path: str, *, single: bool = False, positive: bool = False
    ) -> Literal:
        """Parse ``text``; report unknown names and values, and shapes not allowed here."""
        negated = text.startswith("!")
        body = text[1:] if negated else text
        name, has_values, values_text = body.partition("=")
        values = tuple(values_text.split("|")) if has_values else None
        if negated and positive:
            self.problem("bad_literal", f"« {text} » : une négation n'a pas de sens ici.", path)
        if values is None:
            if name in self.family_values:
                self.problem(
                    "bad_literal",
                    f"« {text} » : « {name} » est une famille, écrivez « {name}=valeur ».",
                    path,
                )
            elif name not in self.booleans:
                self.problem("unknown_name", f"Nom inconnu « {name} ».", path)
            return Literal(name=name, negated=negated)
        if name in self.booleans:
            self.problem(
                "bad_literal",
                f"« {text} » : « {name} » est une option ou un pack, écrivez « {name} » ou « !{name} ».",
                path,
            )
        elif name not in self.family_values:
            self.problem("unknown_name", f"Nom inconnu « {name} ».", path)
        else:
            for value in values:
                if value not in self.family_values[name]:
                    self.problem(
                        "unknown_value", f"« {name} » n'a pas de valeur « {value} ».", path
                    )
        if single and len(values) > 1:
            self.problem("bad_literal", f"« {text} » : une seule valeur attendue ici.", path)
        return Literal(name=name, values=tuple(dict.fromkeys(values)), negated=negated)

    def _pack(self, raw: Mapping[str, Any], path: str) -> Pack:
        contents = tuple(
            self.literal(text, f"{path}.contents[{index}]", single=True, positive=True)
            for index, text in enumerate(raw["contents"])
        )
        return Pack(
            code=raw["code"],
            label=raw["label"],
            contents=contents,
            price=self._amount(raw.get("price_ht", 0), f"{path}.price_ht"),
            co2=self._amount(raw.get("co2_g_km", 0), f"{path}.co2_g_km"),
            markets=self._markets(raw, f"{path}.markets"),
        )

    def _rule(self, raw: Mapping[str, Any], path: str) -> Rule:
        return Rule(
            id=raw["id"],
            kind=raw["kind"],
            conditions=tuple(
                self.literal(text, f"{path}.if[{index}]") for index, text in enumerate(raw["if"])
            ),
            targets=tuple(
                self.literal(text, f"{path}.then[{index}]")
                for index, text in enumerate(raw["then"])
            ),
            text=raw.get("text"),
        )

    def _table(self, raw: Mapping[str, Any], path: str) -> Table:
        families = tuple(raw["families"])
        domains: list[frozenset[str]] = []
        for index, family in enumerate(families):
            if family not in self.family_values:
                kind = "est une option ou un pack" if family in self.booleans else "est inconnue"
                self.problem(
                    "unknown_name",
                    f"Tableau « {raw['id']} » : la colonne « {family} » {kind} (une famille est attendue).",
                    f"{path}.families[{index}]",
                )
                domains.append(frozenset({ANY}))
            else:
                domains.append(frozenset((*self.family_values[family], ANY)))
        rows = []
        intern = sys.intern
        for row_index, row in enumerate(raw["rows"]):
            if len(row) != len(families):
                self.problem(
                    "row_length",
                    f"Tableau « {raw['id']} », ligne {row_index + 1} : {len(row)} cellule(s) "
                    f"pour {len(families)} famille(s).",
                    f"{path}.rows[{row_index}]",
                )
                continue
            for column, (cell, domain) in enumerate(zip(row, domains, strict=True)):
                if cell not in domain and len(domain) > 1:
                    self.problem(
                        "value_not_in_family",
                        f"Tableau « {raw['id']} », ligne {row_index + 1} : « {cell} » n'est pas "
                        f"une valeur de la famille « {families[column]} ».",
                        f"{path}.rows[{row_index}][{column}]",
                    )
            rows.append(tuple(intern(cell) for cell in row))
        return Table(id=raw["id"], families=families, rows=tuple(rows), label=raw.get("label"))

    def _default(self, raw: Mapping[str, Any], path: str) -> Default:
        when = tuple(
            self.literal(text, f"{path}.when[{index}]")
            for index, text in enumerate(raw.get("when", ()))
        )
        choose = tuple(
            self.literal(text, f"{path}.choose[{index}]", single=True)
            for index, text in enumerate(raw["choose"])
        )
        for index, literal in enumerate(choose):
            if literal.negated and literal.values is not None:
                self.problem(
                    "bad_literal",
                    f"« {literal} » : pour une famille, nommez la valeur proposée par défaut.",
                    f"{path}.choose[{index}]",
                )
        return Default(when=when, choose=choose)

    def _check_unique_ids(self, items: Sequence[Rule | Table], section: str, what: str) -> None:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.id in seen:
                self.problem(
                    "duplicate_id",
                    f"{what} « {item.id} » est définie deux fois.",
                    f"{section}[{index}].id",
                )
            seen.add(item.id)

    def _check_pack_cycles(self, packs: Sequence[Pack]) -> None:
        nested = {
            pack.code: [content.name for content in pack.contents if content.values is None]
            for pack in packs
        }
        for cycle in _cycles(nested):
            index = next(position for position, pack in enumerate(packs) if pack.code == cycle[0])
            self.problem(
                "pack_cycle",
                "Ces packs se contiennent l'un l'autre : "
                + " → ".join(f"« {code} »" for code in cycle)
                + ".",
                f"packs[{index}].contents",
            )


def _cycles(graph: Mapping[str, Sequence[str]]) -> Iterator[list[str]]:
    """One cycle per strongly connected group of packs, as a closed path (a → b → a)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    reported: set[frozenset[str]] = set()
    for start in graph:
        if start in state:
            continue
        path: list[str] = [start]
        iterators = [iter(graph[start])]
        state[start] = 1
        while iterators:
            child = next(iterators[-1], None)
            if child is None:
                state[path.pop()] = 2
                iterators.pop()
            elif child in graph and state.get(child) == 1:
                cycle = [*path[path.index(child) :], child]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    yield cycle
            elif child in graph and child not in state:
                state[child] = 1
                path.append(child)
                iterators.append(iter(graph[child]))


def rule_base_to_document(rule_base: RuleBase) -> dict[str, Any]:
    """The JSON document of a rule base (the inverse of ``parse_rule_base``)."""

    def amount(value: Amount) -> int | dict[str, Any]:
        if value.by is None:
            return value.default
        return {"by": value.by, "default": value.default, "values": dict(value.values)}

    def priced(item: Value | Option | Pack) -> dict[str, Any]:
        document: dict[str, Any] = {"code": item.code, "label": item.label}
        if item.price != Amount():
            document["price_ht"] = amount(item.price)
        if item.co2 != Amount():
            document["co2_g_km"] = amount(item.co2)
        if item.markets is not None:
            document["markets"] = list(item.markets)
        return document

    document: dict[str, Any] = {"format": FORMAT, "code": rule_base.code, "label": rule_base.label}
    if rule_base.base_price_ht:
        document["base_price_ht"] = rule_base.base_price_ht
    if rule_base.co2_base_g_km:
        document["co2_base_g_km"] = rule_base.co2_base_g_km
    if rule_base.markets:
        document["markets"] = list(rule_base.markets)
    document["families"] = [
        {
            "code": family.code,
            "label": family.label,
            **({"optional": True} if family.optional else {}),
            "values": [priced(value) for value in family.values],
        }
        for family in rule_base.families
    ]
    if rule_base.options:
        document["options"] = [priced(option) for option in rule_base.options]
    if rule_base.packs:
        document["packs"] = [
            {**priced(pack), "contents": [str(content) for content in pack.contents]}
            for pack in rule_base.packs
        ]
    if rule_base.rules:
        document["rules"] = [
            {
                "id": rule.id,
                "kind": rule.kind,
                "if": [str(literal) for literal in rule.conditions],
                "then": [str(literal) for literal in rule.targets],
                **({"text": rule.text} if rule.text else {}),
            }
            for rule in rule_base.rules
        ]
    if rule_base.tables:
        document["tables"] = [
            {
                "id": table.id,
                **({"label": table.label} if table.label else {}),
                "families": list(table.families),
                "rows": [list(row) for row in table.rows],
            }
            for table in rule_base.tables
        ]
    if rule_base.defaults:
        document["defaults"] = [
            {
                **({"when": [str(literal) for literal in default.when]} if default.when else {}),
                "choose": [str(literal) for literal in default.choose],
            }
            for default in rule_base.defaults
        ]
    if rule_base.sections:
        document["sections"] = [
            {"code": section.code, "label": section.label, "families": list(section.families)}
            for section in rule_base.sections
        ]
    return document


def dump_rule_base(rule_base: RuleBase, *, indent: bool = False) -> bytes:
    """The rule base as JSON bytes; ``indent`` for files people read (tables stay one row a line)."""
    document = rule_base_to_document(rule_base)
    if not indent:
        return orjson.dumps(document)
    return _indented(document).encode("utf-8") + b"\n"


def dump_document(document: Mapping[str, Any], *, indent: bool = False) -> bytes:
    """A stored document as file bytes, without reading it into a rule base (no compile)."""
    if not indent:
        return orjson.dumps(document)
    return _indented(document).encode("utf-8") + b"\n"


def megabytes(size: int) -> str:
    """« 9,1 Mo »."""
    return _megabytes(size)


def _indented(document: Mapping[str, Any]) -> str:
    """Two-space indented JSON where each table row and each short list stays on one line."""

    def compact(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    def render(value: object, depth: int) -> str:
        pad, inner = "  " * depth, "  " * (depth + 1)
        flat = compact(value)
        if not isinstance(value, dict | list) or len(flat) + len(pad) <= 100:
            return flat
        if isinstance(value, list):
            return (
                "[\n"
                + ",\n".join(inner + render(item, depth + 1) for item in value)
                + "\n"
                + pad
                + "]"
            )
        items = (f"{inner}{compact(key)}: {render(item, depth + 1)}" for key, item in value.items())
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"

    return render(dict(document), 0)
