"""Schemathesis over the whole API, in-process against the real application.

Every operation of ``/api/openapi.json`` gets schema-valid and schema-invalid requests, as an
anonymous visitor and as a dealer's staff member signed in with the session and the CSRF token.
Every response must be declared (status, content type, body schema) and none may be a 5xx.

Schema-valid requests must be accepted: Schemathesis' ``positive_data_acceptance`` gives way
to ``valid_requests_are_accepted`` (``conftest.py``), which also lets through the refusals that
depend on data the schema cannot know (a place we do not find, a dealer that does not exist,
each with its own code). The rest is in the schema: no control character in any string, ``lat``
and ``lng`` together, a place or a position where one is needed, a lead's rules between fields.

Reproducible: a fixed seed (``derandomize``) always runs; ``SCHEMATHESIS_SEED=<n>`` adds a run
with that seed (``.ci/run`` draws one and prints it). The stateful run (linked calls) is in
``test_schemathesis_stateful.py``.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from autovitrine.config.api import api

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
OPERATIONS = sorted(
    (op.ok() for op in SCHEMA.get_all_operations() if isinstance(op, Ok)), key=lambda op: op.label
)
# An operation the schema cannot describe would otherwise vanish from the run: fail instead.
assert all(isinstance(op, Ok) for op in SCHEMA.get_all_operations())
RANDOM_SEED = os.environ.get("SCHEMATHESIS_SEED")
EXAMPLES = 10


def _negatable(operation) -> bool:
    """Whether schema-invalid requests exist: a query, a body or a typed path parameter."""
    definition = operation.definition.raw
    return bool(definition.get("requestBody")) or any(
        parameter["in"] != "path" or parameter.get("schema", {}).get("type") != "string"
        for parameter in definition.get("parameters", [])
    )


SEEDS: list[int | None] = [None] + ([int(RANDOM_SEED)] if RANDOM_SEED else [])
RUNS = [
    pytest.param(
        op,
        mode,
        run_seed,
        id=f"{op.label}-{mode.value}" + (f"-seed-{run_seed}" if run_seed else ""),
    )
    for run_seed in SEEDS
    for op in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _negatable(op)
]


@pytest.mark.parametrize(("operation", "mode", "run_seed"), RUNS)
def test_every_operation_answers_what_its_schema_declares(app, visitor, operation, mode, run_seed):
    cookies, headers = visitor
    # Signed in, our session cookie replaces any the case sends: "invalid auth" cannot be tried.
    excluded = [positive_data_acceptance] + ([ignored_auth] if cookies else [])

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=run_seed is None,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if cookies:
            case.cookies = {**(case.cookies or {}), **cookies}
        case.call_and_validate(app=app, headers=headers, excluded_checks=excluded)

    if run_seed is not None:
        run = seed(run_seed)(run)
    run()


def test_the_run_covers_every_operation():
    assert len(OPERATIONS) >= 17
