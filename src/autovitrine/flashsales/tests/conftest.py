"""Fixtures of the flash-sale tests: a fresh waiting room per test, sales built through the services."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from autovitrine.flashsales import sale_page, services
from autovitrine.flashsales.queue import waiting_room
from autovitrine.testing import factories as f

from .asgi_buyers import stop_server_loop
from .factories import SaleKit


@pytest.fixture(autouse=True)
def _fresh_waiting_room():
    """Each test gets its own waiting room (Redis itself is flushed by the project's cache fixture)."""
    waiting_room.cache_clear()
    services._sale_info_cache.clear()
    sale_page.forget()
    yield
    waiting_room.cache_clear()
    services._sale_info_cache.clear()
    sale_page.forget()


@pytest.fixture(autouse=True)
def _established_accounts_one_address(settings):
    """The accounts of these tests are made seconds before they join, most from one test address:
    the new-account rules and the network's growing proof of work are off unless a test (see
    ``test_join_limits.py``) turns them on."""
    settings.FLASHSALE_NEW_ACCOUNT_HOURS = 0
    settings.FLASHSALE_POW_PLACES_PER_EXTRA_BIT = 0


@pytest.fixture(scope="session", autouse=True)
def _server_loop_ends_before_the_database_goes(django_db_setup):
    """The ASGI tests' server loop keeps a database connection per thread: they end first."""
    yield
    stop_server_loop()


@pytest.fixture(autouse=True)
def _database_threads(request, settings):
    """Async views may use pool threads only when the test's rows are committed (visible)."""
    marker = request.node.get_closest_marker("django_db")
    settings.FLASHSALE_DB_THREAD_POOL = bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture
def brand(db):
    return f.BrandFactory()


@pytest.fixture
def sale_kit(db, dealer, head_office):
    """``sale_kit(units=3, ...)`` → a published sale of that many stock vehicles, not yet open."""

    def build(units: int = 3, **options) -> SaleKit:
        opens_at = options.pop("opens_at", timezone.now() + dt.timedelta(hours=1))
        vehicles = [f.StockVehicleFactory.create(dealer=dealer) for _ in range(units)]
        data = services.SaleData(
            brand_id=dealer.brand_id,
            title=options.pop("title", "Terra série limitée"),
            slug=options.pop("slug", "terra-serie-limitee"),
            price_ttc=options.pop("price_ttc", 1_990_000),
            deposit_ttc=options.pop("deposit_ttc", 50_000),
            opens_at=opens_at,
            pow_difficulty_bits=options.pop("pow_difficulty_bits", 0),
            **options,
        )
        sale = services.sale_create(data=data, vins=[v.vin for v in vehicles], by=head_office)
        services.sale_publish(sale_id=sale.pk, by=head_office)
        services.waiting_room_restore(sale_id=sale.pk)  # on_commit does not fire inside a test
        return SaleKit(sale=sale, vehicles=vehicles, head_office=head_office)

    return build


@pytest.fixture
def buyers(db):
    """``buyers(n)`` → n new customer accounts (call it as often as needed)."""
    numbers = itertools.count()

    def make(n: int) -> list:
        return [f.UserFactory(email=f"acheteur{next(numbers)}@example.fr") for _ in range(n)]

    return make
