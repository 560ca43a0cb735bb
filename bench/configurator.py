"""Benchmark of the configurator engine on a generated rule base shaped like real automotive data.

About 100 families of 2 to 40 values (about 400 values), about 110 compatibility tables of 2
to 10 families holding about 200,000 allowed rows, options, packs and rules. The tables are
not random rows: they are projections of hidden constraints (a tier per value that the trim
and engine must reach, style clashes inside groups of related families), as real product
data is, so the base stays satisfiable with a large space.

Prints: export/import/validation time, compile time, diagram size, memory, then 200
simulated buyers choosing values in random family order until complete, with p50/p95/max of
one step (possible values + price + CO2), of what the buyer's page computes at each step
(possible values, the default completion with its price and CO2), of what its summary step
adds (the exact count, the cheapest completion), of an explanation and of a smallest change.

    .venv/bin/python bench/configurator.py [--seed 7] [--buyers 200] [--encoding onehot|log]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from autovitrine.configurator.engine import (
    Configurator,
    compile_rule_base,
    dump_rule_base,
    parse_rule_base,
)
from autovitrine.configurator.engine.compiled_form import dump_compiled, load_compiled
from autovitrine.configurator.engine.compiler import CompileStats
from autovitrine.configurator.engine.model import (
    Amount,
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
from autovitrine.configurator.engine.report import analyse

TARGETS = {"compile_s": 60.0, "step_p95_ms": 50.0, "explain_ms": 200.0}
# The choices most equipment depends on, with their number of values.
DRIVERS = {"market": 30, "trim": 6, "engine": 12, "body": 3}
# Choices that follow from others (gearbox and drive from the engine, steering side and
# emission norm from the market).
DERIVED = {
    "gearbox": ("engine", 4),
    "drive": ("engine", 2),
    "steering": ("market", 2),
    "norm": ("market", 3),
}


@dataclass
class HiddenTruth:
    """The constraints the generated tables and rules are projections of.

    Each equipment family hangs on one driver: a value needs a tier of that driver (a basic
    trim has no panoramic roof); some families are standard on the top tier; related
    families inside a group constrain each other (a wheel size needs its tyre range, two-tone
    paints clash); derived families are functions of their driver.
    """

    tier: dict[tuple[str, str], int]
    need: dict[tuple[str, str], int]
    style: dict[tuple[str, str], int]
    driver_of: dict[str, str]
    standard_on_top: dict[str, str]
    chained: set[tuple[str, str]]
    derived: dict[tuple[str, str], dict[str, tuple[str, ...]]]

    def compatible(self, family_a: str, value_a: str, family_b: str, value_b: str) -> bool:
        return self._one_way(family_a, value_a, family_b, value_b) and self._one_way(
            family_b, value_b, family_a, value_a
        )

    def _one_way(self, driver: str, driver_value: str, family: str, value: str) -> bool:
        allowed = self.derived.get((driver, family))
        if allowed is not None and value not in allowed[driver_value]:
            return False
        if self.driver_of.get(family) == driver:
            level = self.tier.get((driver, driver_value), 0)
            if self.need.get((family, value), 0) > level:
                return False
            if (
                level == 3
                and family in self.standard_on_top
                and value != self.standard_on_top[family]
            ):
                return False
        if (driver, family) in self.chained:
            if self.need.get((family, value), 0) > self.need.get((driver, driver_value), 0) + 1:
                return False
            style_a, style_b = (
                self.style.get((driver, driver_value), 0),
                self.style.get((family, value), 0),
            )
            if style_a and style_b and (style_a - style_b) % 3 == 1:
                return False
        return True


# The two sizes of real bases: a compact car line and a large one.
SIZES = {"compact": (90, 230_000, 110), "large": (260, 240_000, 330)}
# A few long catalogues (paint references, accessory codes, upholstery stitching…).
LONG_FAMILIES = (300, 150, 80, 40)


def generate_rule_base(
    seed: int = 7,
    *,
    rows_target: int = 200_000,
    table_count: int = 110,
    equipment: int = 90,
) -> RuleBase:
    rng = random.Random(seed)
    sizes: dict[str, int] = dict(DRIVERS)
    sizes.update({code: size for code, (_, size) in DERIVED.items()})
    # Most families have 2 values (with or without), a few many more, as real data has.
    equipment_sizes = list(LONG_FAMILIES[: max(2, equipment // 60)]) + [
        rng.choice((2, 2, 2, 2, 2, 2, 3, 3, 4, 6)) for _ in range(equipment)
    ]
    rng.shuffle(equipment_sizes)
    clusters: list[list[str]] = []
    for index, size in enumerate(equipment_sizes):
        code = f"f{index:02d}"
        sizes[code] = size
        if index % 8 == 0:
            clusters.append([])
        clusters[-1].append(code)
    cluster_driver = [
        ("trim", "trim", "engine", "body", "market", "trim")[index % 6]
        for index in range(len(clusters))
    ]

    tier: dict[tuple[str, str], int] = {}
    for driver, size in DRIVERS.items():
        for position in range(size):
            tier[driver, f"v{position}"] = min(3, position * 4 // size)
    need: dict[tuple[str, str], int] = {}
    style: dict[tuple[str, str], int] = {}
    driver_of: dict[str, str] = {}
    standard_on_top: dict[str, str] = {}
    chained: set[tuple[str, str]] = set()
    for cluster, driver in zip(clusters, cluster_driver, strict=True):
        for position, code in enumerate(cluster):
            driver_of[code] = driver
            for value in range(sizes[code]):
                # The first value is not free for all: it may need a tier too (at most 1, so
                # every family keeps a value the chained constraints accept).
                need[code, f"v{value}"] = (
                    rng.choice((0, 1)) if value == 0 else rng.choice((0, 1, 1, 2, 2, 3))
                )
                style[code, f"v{value}"] = 0 if value == 0 else rng.randrange(3)
            # One value, not always the first, that the lowest tier may take: a basic trim or
            # market is never left without any wheel or seat.
            need[code, f"v{rng.randrange(sizes[code])}"] = 0
            if rng.random() < 0.15:
                standard_on_top[code] = f"v{sizes[code] - 1}"
                need[code, f"v{sizes[code] - 1}"] = 0
            if position and rng.random() < 0.5:
                chained.add((cluster[position - 1], code))
    derived: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    for code, (driver, size) in DERIVED.items():
        values = [f"v{value}" for value in range(size)]
        derived[driver, code] = {
            f"v{position}": tuple(
                rng.sample(values, rng.choice((1, 1, 2))) if position else values[:1]
            )
            for position in range(DRIVERS[driver])
        }
    truth = HiddenTruth(tier, need, style, driver_of, standard_on_top, chained, derived)

    families = tuple(
        Family(
            code=code,
            label=f"Famille {code}",
            optional=code.startswith("f") and rng.random() < 0.1,
            values=tuple(
                Value(
                    code=f"v{position}",
                    label=f"{code} valeur {position}",
                    price=_price(rng, code, position),
                    co2=Amount(default=rng.choice((0, 0, 0, 1, 2, 3)) if position else 0),
                )
                for position in range(size)
            ),
        )
        for code, size in sizes.items()
    )
    family_by_code = {family.code: family for family in families}
    groups = [[driver, *cluster] for driver, cluster in zip(cluster_driver, clusters, strict=True)]
    groups += [["engine", "gearbox", "drive", "trim"], ["market", "steering", "norm", "engine"]]
    tables = _tables(rng, truth, family_by_code, groups, rows_target, table_count)
    options, packs, rules = _options_packs_rules(
        rng, truth, family_by_code, clusters, cluster_driver
    )
    section_names = ("Extérieur", "Intérieur", "Motorisation", "Confort", "Sécurité", "Multimédia")
    sections = tuple(
        Section(
            code=f"s{index}",
            label=section_names[index % len(section_names)]
            + (f" {index // 6 + 1}" if index >= 6 else ""),
            families=tuple(family.code for family in families[index * 12 : (index + 1) * 12]),
        )
        for index in range((len(families) + 11) // 12)
    )
    return RuleBase(
        code="bench",
        label="Base générée",
        sections=sections,
        families=families,
        options=options,
        packs=packs,
        rules=rules,
        tables=tables,
        base_price_ht=2_500_000,
        co2_base_g_km=110,
    )


def _price(rng: random.Random, code: str, position: int) -> Amount:
    if position == 0:
        # Value 0 is not free everywhere (a base paint has a price on some lines).
        return Amount(default=rng.choice((0, 0, 0, 20_000)))
    default = rng.choice((0, 15_000, 30_000, 45_000, 80_000, 120_000))
    if rng.random() < 0.15 and code != "trim":
        return Amount(default=default, by="trim", values=(("v5", 0), ("v4", default // 2)))
    return Amount(default=default)


def _tables(
    rng: random.Random,
    truth: HiddenTruth,
    families: dict[str, Family],
    groups: list[list[str]],
    rows_target: int,
    count: int,
) -> tuple[Table, ...]:
    """Tables over a group's driver and some of its families, sometimes a second driver, with
    the rows the hidden constraints allow; each keeps near its share of the rows budget."""
    tables: list[Table] = []
    total = 0
    for _ in range(50_000):
        if len(tables) == count:
            break
        # Rows per table: a handful to tens of thousands, median near 80 (log-normal); the
        # last tables take what the budget still lacks.
        remaining = count - len(tables)
        budget = min(50_000.0, rng.lognormvariate(4.4, 1.6))
        if remaining <= 6:
            budget = min(50_000.0, max(budget, (rows_target - total) / remaining))
        group = rng.choice(groups)
        width = rng.choice((2, 3, 4, 5, 6, 6, 6, 7, 8, 9, 10, 11, 12))
        columns = [group[0], *rng.sample(group[1:], min(len(group) - 1, width - 1))]
        if rng.random() < 0.2:
            extra = rng.choice([name for name in DRIVERS if name not in columns])
            columns.insert(1, extra)
        product = 1
        for name in columns:
            product *= len(families[name].codes)
        rows = _allowed_rows(truth, families, columns, limit=int(budget * 3) + 50)
        # A table that forbids nothing says nothing; one far below its share is not kept.
        if rows is None or len(rows) == product or len(rows) < budget / 4:
            continue
        # Wide tables exceed their budget more often: keep as many under 6 families as from 6
        # up, so the median width stays 6 as in real data.
        narrow = sum(1 for table in tables if len(table.families) < 6)
        if len(columns) < 6 and narrow > len(tables) - narrow:
            continue
        total += len(rows)
        tables.append(
            Table(
                id=f"t{len(tables):03d}",
                families=tuple(columns),
                rows=tuple(rows),
                label="Compatibilités " + ", ".join(columns),
            )
        )
    return tuple(tables)


def _allowed_rows(
    truth: HiddenTruth, families: dict[str, Family], columns: Sequence[str], limit: int
) -> list[tuple[str, ...]] | None:
    """The combinations the hidden constraints allow, depth first; ``None`` past ``limit``."""
    rows: list[tuple[str, ...]] = []

    def extend(prefix: tuple[str, ...]) -> bool:
        depth = len(prefix)
        if depth == len(columns):
            rows.append(prefix)
            return len(rows) <= limit
        family = columns[depth]
        for value in families[family].codes:
            if all(
                truth.compatible(columns[i], prefix[i], family, value) for i in range(depth)
            ) and not extend((*prefix, value)):
                return False
        return True

    return rows if extend(()) else None


def _options_packs_rules(
    rng: random.Random,
    truth: HiddenTruth,
    families: dict[str, Family],
    clusters: list[list[str]],
    cluster_driver: list[str],
) -> tuple[tuple[Option, ...], tuple[Pack, ...], tuple[Rule, ...]]:
    """Options belong to a group of related families (as a tow bar to the chassis): each needs
    a tier of the group's driver, and rules and packs stay inside the group."""
    option_cluster = {f"o{index:02d}": index % len(clusters) for index in range(40)}
    option_need = {code: rng.choice((0, 1, 1, 2, 2, 3)) for code in option_cluster}
    options = tuple(
        Option(
            code=code,
            label=f"Option {code}",
            price=Amount(default=rng.choice((20_000, 50_000, 90_000))),
        )
        for code in option_cluster
    )
    rules: list[Rule] = []
    for code, need in option_need.items():
        driver = cluster_driver[option_cluster[code]]
        allowed = tuple(
            value for value in families[driver].codes if truth.tier[driver, value] >= need
        )
        if 0 < len(allowed) < len(families[driver].codes):
            rules.append(
                Rule(
                    id=f"r-{code}",
                    kind="requires",
                    conditions=(Literal(code),),
                    targets=(Literal(driver, allowed),),
                )
            )
    # An option is either required by some values of its group or excluded by some: never both.
    required = {code: rng.random() < 0.5 for code in option_cluster}
    while len(rules) < 150:
        option = rng.choice(list(option_cluster))
        family = families[rng.choice(clusters[option_cluster[option]])]
        value = rng.choice(family.values[1:]).code
        if required[option] and truth.need[family.code, value] < option_need[option]:
            continue
        conditions = [Literal(family.code, (value,))]
        driver = cluster_driver[option_cluster[option]]
        if rng.random() < 0.3:
            conditions.insert(0, Literal(driver, (rng.choice(families[driver].codes[1:]),)))
        rules.append(
            Rule(
                id=f"r{len(rules):03d}",
                kind="requires" if required[option] else "excludes",
                conditions=tuple(conditions),
                targets=(Literal(option),),
            )
        )
    packs = []
    for index in range(8):
        cluster = rng.randrange(len(clusters))
        candidates = [code for code, home in option_cluster.items() if home == cluster]
        packs.append(
            Pack(
                code=f"p{index}",
                label=f"Pack {index}",
                contents=tuple(
                    Literal(code)
                    for code in rng.sample(candidates, min(len(candidates), rng.randint(2, 4)))
                ),
                price=Amount(default=rng.choice((60_000, 100_000, 150_000))),
            )
        )
    return options, tuple(packs), tuple(rules)


def print_shape(rule_base: RuleBase) -> None:
    """The figures that say whether the base looks like real automaker data."""
    sizes = sorted(len(family.codes) for family in rule_base.families)
    widths = sorted(len(table.families) for table in rule_base.tables)
    rows = sorted(len(table.rows) for table in rule_base.tables)
    priced_first = sum(1 for family in rule_base.families if family.values[0].price.default)
    print(
        f"Shape: families with 2 values {sum(1 for size in sizes if size == 2)}/{len(sizes)}, "
        f"with ≥ 40 values {[size for size in sizes if size >= 40]}; "
        f"tables over {widths[0]}–{widths[-1]} families (median {statistics.median(widths):g}); "
        f"rows per table {rows[0]}–{rows[-1]} (median {statistics.median(rows):g}), "
        f"{sum(rows)} rows in {len(rows)} tables; value 0 priced in {priced_first} families; "
        f"{len(rule_base.sections)} sections"
    )


def _percentiles(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {p50 * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms   max {ordered[-1] * 1000:7.2f} ms   (n={len(ordered)})"


def _compile_figures(stats: CompileStats) -> str:
    return (
        f"{stats.seconds:.2f} s (order {stats.order_seconds:.2f} s, sifting {stats.sift_seconds:.2f} s), "
        f"BDD {stats.bdd_nodes_before_sifting} → {stats.bdd_nodes} nodes over {stats.bdd_variables} "
        f"variables, diagram {stats.diagram_nodes} nodes / {stats.diagram_edges} edges"
    )


def _baseline() -> float:
    """A fixed pure-Python loop: the machine's speed, to compare runs on other machines."""
    started = time.perf_counter()
    total = 0
    for number in range(2_000_000):
        total += number * number % 7
    return time.perf_counter() - started


def _rss_megabytes() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def simulate_buyers(
    configurator: Configurator, buyers: int, seed: int
) -> tuple[list[float], list[float], list[float], list[float], list[float], int]:
    """Each buyer picks, in a random order of the choices, a random possible value; at a few
    steps a value shown impossible is explained and its smallest change computed."""
    rng = random.Random(seed)
    steps: list[float] = []
    pages: list[float] = []
    summaries: list[float] = []
    explanations: list[float] = []
    changes: list[float] = []
    completed = 0
    for _ in range(buyers):
        selection: dict[str, str | bool] = {}
        names = list(configurator.names)
        rng.shuffle(names)
        probes = set(rng.sample(range(len(names)), 3))
        for position, name in enumerate(names):
            started = time.perf_counter()
            possible = configurator.possible(selection)
            configurator.price(selection)
            configurator.co2(selection)
            steps.append(time.perf_counter() - started)
            assert possible.consistent and possible.values[name], "backtrack-free violated"
            started = time.perf_counter()
            configurator.possible(selection)
            configurator.default_completion(selection)
            pages.append(time.perf_counter() - started)
            if position in probes:
                started = time.perf_counter()
                configurator.count(selection)
                configurator.cheapest_completion(selection)
                summaries.append(time.perf_counter() - started)
                impossible = [
                    (other, value)
                    for other in names
                    if other not in selection
                    for value in configurator.blocks[configurator.block_of[other]].values
                    if value not in possible.values[other]
                ]
                if impossible:
                    other, value = rng.choice(impossible)
                    started = time.perf_counter()
                    explanation = configurator.explain(selection, other, value)
                    explanations.append(time.perf_counter() - started)
                    assert explanation is not None
                    started = time.perf_counter()
                    configurator.smallest_change(selection, other, value)
                    changes.append(time.perf_counter() - started)
            selection[name] = rng.choice(possible.values[name])
        completed += configurator.is_valid(selection)
    return steps, pages, summaries, explanations, changes, completed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--encoding", choices=("log", "onehot"), default="log")
    parser.add_argument("--size", choices=tuple(SIZES), default="compact")
    parser.add_argument(
        "--compare", action="store_true", help="also compile with the other encoding (slow)"
    )
    parser.add_argument(
        "--http",
        type=int,
        default=0,
        metavar="BUYERS",
        help="then publish the base and walk it through HTTP on granian + PostgreSQL + Redis",
    )
    arguments = parser.parse_args()

    baseline = _baseline()
    print(f"Baseline (fixed pure-Python loop): {baseline * 1000:.0f} ms")
    started = time.perf_counter()
    equipment, rows_target, table_count = SIZES[arguments.size]
    generated = generate_rule_base(
        arguments.seed, rows_target=rows_target, table_count=table_count, equipment=equipment
    )
    print(f"Generated in {time.perf_counter() - started:.1f} s (seed {arguments.seed})")

    started = time.perf_counter()
    data = dump_rule_base(generated)
    exported = time.perf_counter() - started
    started = time.perf_counter()
    rule_base, problems = parse_rule_base(data)
    imported = time.perf_counter() - started
    assert rule_base is not None, problems
    values = sum(len(family.values) for family in rule_base.families)
    rows = sum(len(table.rows) for table in rule_base.tables)
    print(
        f"Rule base: {len(rule_base.families)} families, {values} values, {len(rule_base.options)} options, "
        f"{len(rule_base.packs)} packs, {len(rule_base.rules)} rules, {len(rule_base.tables)} tables "
        f"of {min(len(t.families) for t in rule_base.tables)}-{max(len(t.families) for t in rule_base.tables)} "
        f"families, {rows} rows"
    )
    print_shape(rule_base)
    print(
        f"JSON export: {len(data) / 1024 / 1024:.1f} MB in {exported:.2f} s; "
        f"import + schema + name checks: {imported:.2f} s"
    )

    for encoding in ("onehot", "log"):
        if encoding == arguments.encoding or not arguments.compare:
            continue
        other = compile_rule_base(rule_base, encoding=encoding)
        print(f"Compile ({encoding}, for comparison): {_compile_figures(other.stats)}")
        del other
    started = time.perf_counter()
    configurator = Configurator(compile_rule_base(rule_base, encoding=arguments.encoding))
    stats = configurator.compiled.stats
    compile_seconds = time.perf_counter() - started
    print(
        f"Compile ({arguments.encoding}): {_compile_figures(stats)}; with the engine around it {compile_seconds:.2f} s"
    )
    started = time.perf_counter()
    form = dump_compiled(configurator.compiled)
    dumped = time.perf_counter() - started
    loads = []
    for _ in range(5):
        started = time.perf_counter()
        Configurator(load_compiled(form))
        loads.append(time.perf_counter() - started)
    print(
        f"Compiled form (stored at publish): {len(form) / 1024 / 1024:.2f} MB, written in "
        f"{dumped * 1000:.0f} ms, loaded by a worker in {statistics.median(loads) * 1000:.0f} ms "
        f"(median of 5; target ≤ 200 ms: "
        f"{'OK' if statistics.median(loads) <= 0.2 else 'ABOVE TARGET'})"
    )
    started = time.perf_counter()
    findings = analyse(configurator)
    print(
        f"Import report (dead values, forced choices): {(time.perf_counter() - started) * 1000:.0f} ms, "
        f"{len(findings)} warnings"
    )
    started = time.perf_counter()
    count = configurator.count()
    empty = configurator.possible()
    print(
        f"Valid configurations: {count:.3e} ({len(str(count))} digits); "
        f"empty selection (count + possible values, cached after): {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    started = time.perf_counter()
    cheapest = configurator.cheapest_completion({})
    print(
        f"Cheapest completion (MaxSAT): {(time.perf_counter() - started) * 1000:.0f} ms, "
        f"{cheapest.price.total_ht / 100 if cheapest else 0:.2f} € HT"
    )
    started = time.perf_counter()
    configurator.default_completion({})
    print(f"Default completion: {(time.perf_counter() - started) * 1000:.0f} ms")
    assert empty.consistent
    print(f"Memory (RSS): {_rss_megabytes():.0f} MB")

    steps, pages, summaries, explanations, changes, completed = simulate_buyers(
        configurator, arguments.buyers, arguments.seed
    )
    print(
        f"{arguments.buyers} buyers, {completed} complete valid configurations, {len(steps)} steps"
    )
    print(f"  step (possible values + price + CO2)  {_percentiles(steps)}")
    print(f"  page step (+ default completion)      {_percentiles(pages)}")
    print(f"  summary (+ count, cheapest)           {_percentiles(summaries)}")
    print(f"  explanation                           {_percentiles(explanations)}")
    print(f"  smallest change                       {_percentiles(changes)}")
    step_p95 = sorted(steps)[int(len(steps) * 0.95)]
    print(f"  step p95 / baseline loop = {step_p95 / baseline:.3f}")
    checks = {
        "compile_s": compile_seconds,
        "step_p95_ms": step_p95 * 1000,
        "explain_ms": max(explanations) * 1000,
    }
    ok = True
    for key, value in checks.items():
        verdict = "OK" if value <= TARGETS[key] else "ABOVE TARGET"
        ok &= verdict == "OK"
        print(f"Target {key} ≤ {TARGETS[key]:g}: {value:.2f} → {verdict}")
    if arguments.http:
        from configurator_http import measure

        ok &= measure(data, size=arguments.size, buyers=arguments.http, seed=arguments.seed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
