"""The compiled rules of one market as bytes: compiled once when a revision is published, stored
with it, and loaded by a worker in milliseconds instead of compiled again.

Layout: ``AVCF`` (4 bytes), the format version (2 bytes, big-endian), the SHA-256 of the body
(32 bytes), then the body: ``zlib`` over ``marshal`` of plain tuples, lists and dicts (no
objects, no code: ``marshal`` only rebuilds built-in values). A wrong magic, an unknown version
or a checksum that does not match is a ``CompiledFormError``: the caller compiles again rather
than use it.

Table rows are not kept (``Table.rows`` is empty in a loaded form): the compiled diagrams hold
what they allow, and they are most of a real base's weight. Whoever needs the rows (an export,
an edit) reads the stored document.
"""

from __future__ import annotations

import hashlib
import marshal
import struct
import zlib
from typing import Any

from .compiler import Block, CompiledConstraint, CompiledRules, CompileStats, ConstraintSource
from .diagram import Diagram
from .model import (
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

MAGIC = b"AVCF"
# Bump when the layout below changes: stored forms of an older version are compiled again.
VERSION = 1
_HEADER = struct.Struct(">4sH32s")
# marshal's own format version; 4 is readable by every supported Python.
_MARSHAL_VERSION = 4


class CompiledFormError(ValueError):
    """Bytes that are not a usable compiled form (damaged, truncated, another version)."""


def checksum(data: bytes) -> str:
    """The SHA-256 of the whole form, as stored beside it (hex)."""
    return hashlib.sha256(data).hexdigest()


def dump_compiled(compiled: CompiledRules) -> bytes:
    body = zlib.compress(marshal.dumps(_plain_compiled(compiled), _MARSHAL_VERSION), 6)
    return _HEADER.pack(MAGIC, VERSION, hashlib.sha256(body).digest()) + body


def load_compiled(data: bytes) -> CompiledRules:
    if len(data) < _HEADER.size:
        raise CompiledFormError("forme compilée tronquée")
    magic, version, digest = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise CompiledFormError("ce n'est pas une forme compilée")
    if version != VERSION:
        raise CompiledFormError(f"version {version} de la forme compilée, attendue {VERSION}")
    body = memoryview(data)[_HEADER.size :]
    if hashlib.sha256(body).digest() != digest:
        raise CompiledFormError("somme de contrôle incorrecte")
    try:
        plain = marshal.loads(zlib.decompress(body))
        return _compiled_from(plain)
    except (ValueError, TypeError, EOFError, zlib.error, KeyError, IndexError) as error:
        raise CompiledFormError(f"forme compilée illisible : {error}") from error


# --- to plain values and back ---------------------------------------------------------------


def _amount(amount: Amount) -> Any:
    return amount.default if amount.by is None else (amount.default, amount.by, amount.values)


def _amount_from(plain: Any) -> Amount:
    if isinstance(plain, int):
        return Amount(default=plain)
    default, by, values = plain
    return Amount(default=default, by=by, values=tuple(tuple(pair) for pair in values))


def _literal(literal: Literal) -> Any:
    return (literal.name, literal.values, literal.negated)


def _literal_from(plain: Any) -> Literal:
    name, values, negated = plain
    return Literal(name, values, negated)


def _plain_rule_base(rule_base: RuleBase) -> tuple[Any, ...]:
    return (
        rule_base.code,
        rule_base.label,
        tuple(
            (
                family.code,
                family.label,
                family.optional,
                tuple(
                    (v.code, v.label, _amount(v.price), _amount(v.co2), v.markets)
                    for v in family.values
                ),
            )
            for family in rule_base.families
        ),
        tuple(
            (o.code, o.label, _amount(o.price), _amount(o.co2), o.markets)
            for o in rule_base.options
        ),
        tuple(
            (
                p.code,
                p.label,
                tuple(_literal(c) for c in p.contents),
                _amount(p.price),
                _amount(p.co2),
                p.markets,
            )
            for p in rule_base.packs
        ),
        tuple(
            (
                r.id,
                r.kind,
                tuple(_literal(c) for c in r.conditions),
                tuple(_literal(t) for t in r.targets),
                r.text,
            )
            for r in rule_base.rules
        ),
        tuple((t.id, t.families, t.label) for t in rule_base.tables),
        tuple(
            (tuple(_literal(w) for w in d.when), tuple(_literal(c) for c in d.choose))
            for d in rule_base.defaults
        ),
        rule_base.markets,
        rule_base.base_price_ht,
        rule_base.co2_base_g_km,
        tuple((s.code, s.label, s.families) for s in rule_base.sections),
    )


def _rule_base_from(plain: Any) -> RuleBase:
    (
        code,
        label,
        families,
        options,
        packs,
        rules,
        tables,
        defaults,
        markets,
        base_price_ht,
        co2_base_g_km,
        sections,
    ) = plain
    return RuleBase(
        code=code,
        label=label,
        families=tuple(
            Family(
                f_code,
                f_label,
                tuple(
                    Value(v_code, v_label, _amount_from(price), _amount_from(co2), v_markets)
                    for v_code, v_label, price, co2, v_markets in values
                ),
                optional,
            )
            for f_code, f_label, optional, values in families
        ),
        options=tuple(
            Option(o_code, o_label, _amount_from(price), _amount_from(co2), o_markets)
            for o_code, o_label, price, co2, o_markets in options
        ),
        packs=tuple(
            Pack(
                p_code,
                p_label,
                tuple(_literal_from(c) for c in contents),
                _amount_from(price),
                _amount_from(co2),
                p_markets,
            )
            for p_code, p_label, contents, price, co2, p_markets in packs
        ),
        rules=tuple(
            Rule(
                r_id,
                kind,
                tuple(_literal_from(c) for c in conditions),
                tuple(_literal_from(t) for t in targets),
                text,
            )
            for r_id, kind, conditions, targets, text in rules
        ),
        tables=tuple(Table(t_id, t_families, (), t_label) for t_id, t_families, t_label in tables),
        defaults=tuple(
            Default(tuple(_literal_from(w) for w in when), tuple(_literal_from(c) for c in choose))
            for when, choose in defaults
        ),
        markets=markets,
        base_price_ht=base_price_ht,
        co2_base_g_km=co2_base_g_km,
        sections=tuple(
            Section(s_code, s_label, s_families) for s_code, s_label, s_families in sections
        ),
    )


def _plain_diagram(diagram: Diagram) -> tuple[Any, ...]:
    return (diagram.domain_sizes, diagram.node_block, diagram.node_edges, diagram.root)


def _diagram_from(plain: Any) -> Diagram:
    domain_sizes, node_block, node_edges, root = plain
    return Diagram(tuple(domain_sizes), tuple(node_block), tuple(node_edges), root)


def _plain_compiled(compiled: CompiledRules) -> tuple[Any, ...]:
    stats = compiled.stats
    return (
        _plain_rule_base(compiled.rule_base),
        compiled.market,
        tuple((b.name, b.values, b.is_family) for b in compiled.blocks),
        _plain_diagram(compiled.diagram),
        tuple(
            (c.source.kind, c.source.ref, c.source.value, _plain_diagram(c.diagram))
            for c in compiled.constraints
        ),
        (
            stats.encoding,
            stats.seconds,
            stats.order_seconds,
            stats.sift_seconds,
            stats.bdd_variables,
            stats.bdd_nodes_before_sifting,
            stats.bdd_nodes,
            stats.diagram_nodes,
            stats.diagram_edges,
        ),
    )


def _compiled_from(plain: Any) -> CompiledRules:
    rule_base, market, blocks, diagram, constraints, stats = plain
    return CompiledRules(
        rule_base=_rule_base_from(rule_base),
        market=market,
        blocks=tuple(Block(name, values, is_family) for name, values, is_family in blocks),
        diagram=_diagram_from(diagram),
        constraints=tuple(
            CompiledConstraint(ConstraintSource(kind, ref, value), _diagram_from(plain_diagram))
            for kind, ref, value, plain_diagram in constraints
        ),
        stats=CompileStats(*stats),
    )
