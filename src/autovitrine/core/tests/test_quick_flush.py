"""The quick flush that ends each transactional test on PostgreSQL
(``testing.isolation.empty_written_tables``) leaves what Django's ``flush`` leaves."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from autovitrine.accounts.models import User
from autovitrine.inventory.models import StockVehicle
from autovitrine.leads.models import Lead
from autovitrine.testing import factories as f
from autovitrine.testing.isolation import empty_written_tables

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_every_row_a_test_wrote_is_gone_and_the_content_types_stay():
    lead = f.LeadFactory(vehicle=f.StockVehicleFactory())  # rows that point at each other
    content_types, permissions = ContentType.objects.count(), Permission.objects.count()
    assert content_types and permissions

    empty_written_tables(connection)

    assert not User.objects.exists()
    assert not StockVehicle.objects.exists()
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert (ContentType.objects.count(), Permission.objects.count()) == (
        content_types,
        permissions,
    )
    # The triggers and foreign keys were off for the emptying only.
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)
