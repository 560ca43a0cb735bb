"""The load benchmark's visitors poll when the real page would (issue #11, "the benchmark is the
real page"): the sale page's own script, run under node on answers recorded from the server, and
the benchmark's client (``bench/_flash_client.py``) must schedule the same next poll."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[4]
SCRIPT = PROJECT / "src/autovitrine/flashsales/static/flashsales/flashsales.js"
HARNESS = PROJECT / "bench/flash_page_harness.mjs"
RECORDED = PROJECT / "bench/flash_answers.json"

# Answers a run may not meet, written the way the server sends them.
EDGE_CASES = [
    {
        "kind": "status",
        "status": 503,
        "body": '{"error": {"code": "queue_unavailable", '
        '"message": "Salle d\'attente indisponible."}, "retry_ms": 5000}',
    },
    {
        "kind": "status",
        "status": 429,
        "body": '{"error": {"code": "rate_limited", "message": "Trop de demandes."}}',
    },
    {"kind": "status", "status": 502, "body": "<html>Bad gateway</html>"},
    {"kind": "status", "status": 200, "body": "null"},
    {"kind": "join", "status": 400, "body": '{"error": {"code": "pow_invalid", "message": "x"}}'},
    {"kind": "join", "status": 502, "body": "<html>Bad gateway</html>"},
]


def _client():
    spec = importlib.util.spec_from_file_location(
        "_flash_client", PROJECT / "bench/_flash_client.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_flash_client", module)
    spec.loader.exec_module(module)
    return module


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        message = "node absent: the page's script cannot run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return node


def _run_script(cases: list[dict]) -> list[dict]:
    """What the page's real script did with each case, under node (``HARNESS``)."""
    answer = subprocess.run(
        [_node(), str(HARNESS)],
        input=json.dumps({"script": str(SCRIPT), "cases": cases}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(answer.stdout)


def test_the_benchmark_client_schedules_polls_as_the_page_script_does():
    client = _client()
    recorded = json.loads(RECORDED.read_text())
    kinds = {(case["kind"], case["status"]) for case in recorded}
    # The answers cover the pre-queue, the line, admission, sold out and joins refused.
    assert {("status", 200), ("join", 200), ("join", 409)} <= kinds
    cases = [
        {**case, "rand": rand} for case in recorded + EDGE_CASES for rand in (0.0, 0.37, 0.999)
    ]
    from_script = _run_script(cases)
    assert len(from_script) == len(cases)
    disagreements = []
    for case, script in zip(cases, from_script, strict=True):
        body = case["body"].encode()
        if case["kind"] == "status":
            ours = client.poll_delay_ms(case["status"], body, case["rand"])
            theirs = script["ms"]
        else:
            ours = client.join_delay_ms(case["status"], body, case["rand"])
            theirs = script["ms"] if script["ms"] is not None or script["cleared"] else client.KEEP
        same = ours == theirs or (
            isinstance(ours, float)
            and isinstance(theirs, (int, float))
            and abs(ours - theirs) < 1e-6
        )
        if not same:
            disagreements.append((case["kind"], case["status"], case["body"][:120], ours, theirs))
    assert disagreements == []
    # Not vacuous: among the answers, some make the page wait, some stop it, and some (a
    # refused join) leave its earlier timer running.
    pairs = list(zip(cases, from_script, strict=True))
    assert any(script["ms"] for _, script in pairs)
    assert any(case["kind"] == "status" and script["ms"] is None for case, script in pairs)
    assert any(case["kind"] == "join" and not script["cleared"] for case, script in pairs)


def test_the_benchmark_reads_the_fields_the_script_and_the_forms_use():
    client = _client()
    page = (
        '<meta name="csrf-token" content="tok&amp;1">'
        '<section id="waiting-room" class="card" data-status-url="/s/" data-challenge="1.2.3" '
        'data-difficulty="16" data-join-key="abc">'
        '<form id="wr-claim" method="post" action="/r/" hidden>'
        '<input type="hidden" name="csrfmiddlewaretoken" value="m1">'
        '<input type="hidden" name="token" value="">'
        '<input type="hidden" name="idempotency_key" value="k1"></form>'
    )
    fields = client.sale_page_fields(page)
    assert fields["challenge"] == "1.2.3"
    assert fields["difficulty"] == "16"
    assert fields["join-key"] == "abc"
    assert fields["csrf-token"] == "tok&1"
    assert fields["claim.csrfmiddlewaretoken"] == "m1"
    assert fields["claim.idempotency_key"] == "k1"


def test_a_page_left_open_fetches_a_fresh_challenge_before_solving():
    # Given a page whose challenge lives 15 minutes, clicked after 0, 13 and 14.5 minutes, and
    # once more after 14.5 minutes against a server that still finds the challenge expired
    client = _client()
    accepted = '{"state": "published", "place": "pre", "units": {"left": 1}, "poll_ms": 1000}'
    expired = (
        '{"error": {"code": "challenge_expired", "message": "x"}, "challenge": "c3", '
        '"difficulty": 0}'
    )
    cases = [
        {"kind": "join", "status": 200, "body": accepted, "rand": 0, "page_age_ms": age}
        for age in (0, 13 * 60_000, 14.5 * 60_000)
    ] + [{"kind": "join", "status": 409, "body": expired, "rand": 0, "page_age_ms": 0}]
    sent = [result["sent"] for result in _run_script(cases)]

    # Then the join carries the page's own challenge while it is fresh, a refreshed one ("c2")
    # once less than the minute to solve it is left, and the one a refusal hands back, solved
    # once without a click; the benchmark's visitors decide the same way
    assert sent == [["c"], ["c"], ["c2"], ["c", "c3"]]
    assert [client.challenge_is_stale(c["page_age_ms"], 900_000) for c in cases[:3]] == [
        False,
        False,
        True,
    ]
