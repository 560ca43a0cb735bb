"""The stock search's covering indexes: INCLUDE columns on PostgreSQL, the plain index on SQLite,
and no system-check warning on either (issue #10: W040 fixed, not silenced)."""

from __future__ import annotations

import pytest
from django.core import checks
from django.db import connection

from autovitrine.inventory.models import StockVehicle

COVERING = ["stock_available_filters", "stock_available_by_price", "stock_available_by_newest"]


def test_the_system_check_has_nothing_to_say_about_the_stock_indexes():
    messages = checks.run_checks(app_configs=None, include_deployment_checks=False)
    assert [m.id for m in messages if m.obj is StockVehicle or m.id == "models.W040"] == []


@pytest.mark.django_db
def test_the_database_holds_each_covering_index_with_its_columns_where_it_can():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, StockVehicle._meta.db_table)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [COVERING]
            )
            definitions = dict(cursor.fetchall())
    for name in COVERING:
        assert constraints[name]["index"]
    if connection.vendor == "postgresql":
        # The price order reads every filter from the index alone.
        by_price = definitions["stock_available_by_price"]
        assert "INCLUDE (dealer_id, energy, condition, mileage_km, year, car_model_id)" in by_price
        assert all(" INCLUDE (" in definition for definition in definitions.values())
