"""The import-linter contracts (pyproject.toml, run by ``make lint``) catch a new forbidden import.

Each test copies the source tree, adds one module with a forbidden import, and runs lint-imports on
the copy: the contract must break and name that very import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[4]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_with(
    tmp_path: Path, module: str, source: str, contract: str
) -> subprocess.CompletedProcess:
    shutil.copytree(
        PROJECT / "src" / "autovitrine",
        tmp_path / "src" / "autovitrine",
        ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates"),
    )
    shutil.copy(PROJECT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / "src" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(source)
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--contract", contract],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_feature_app_reading_another_apps_models_breaks_the_contract(tmp_path):
    result = _lint_with(
        tmp_path,
        "autovitrine.leads.rogue",
        "from autovitrine.orders.models import Order\n",
        "through-services-selectors",
    )
    assert result.returncode == 1
    assert "autovitrine.leads.rogue -> autovitrine.orders.models" in result.stdout


def test_a_cycle_between_apps_breaks_the_contract(tmp_path):
    result = _lint_with(
        tmp_path,
        "autovitrine.accounts.rogue",
        "from autovitrine.orders.selectors import customer_orders\n",
        "no-app-cycle",
    )
    assert result.returncode == 1
    assert "BROKEN" in result.stdout
    assert ".accounts -> .orders" in result.stdout or ".orders -> .accounts" in result.stdout


@pytest.mark.parametrize("module", ["autovitrine.core.rogue", "autovitrine.orders.rogue"])
def test_importing_a_higher_layer_breaks_the_contract(tmp_path, module):
    result = _lint_with(tmp_path, module, "from autovitrine.demo import loader\n", "layers")
    assert result.returncode == 1
    assert f"{module} -> autovitrine.demo.loader" in result.stdout


def test_the_readme_table_names_exactly_the_apps_each_app_uses():
    """README "How the apps fit together": the "may use" column of each feature app is the set
    of apps its code imports (tests aside), so the table cannot drift from the code."""
    import re

    import grimp

    graph = grimp.build_graph("autovitrine", exclude_type_checking_imports=True)
    table = {}
    for line in (PROJECT / "README.md").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\| feature \| `(\w+)` \|.*\| ([^|]*) \|$", line):
            table[match[1]] = set(re.findall(r"`(\w+)`", match[2].split("(")[0]))
    assert len(table) >= 16
    for app, named in table.items():
        used = set()
        for module in graph.find_descendants(f"autovitrine.{app}") | {f"autovitrine.{app}"}:
            if ".tests" in module:
                continue
            used |= {
                imported.split(".")[1]
                for imported in graph.find_modules_directly_imported_by(module)
            }
        assert used - {app, "core"} == named, app
