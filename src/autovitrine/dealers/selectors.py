"""Reads on the dealer network: the nearest dealers to a point, a dealer's page, its hours in French."""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections.abc import Collection
from dataclasses import dataclass
from itertools import groupby

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from autovitrine.core.permissions import staff_dealer_id
from autovitrine.core.places import haversine_km, resolve_place

from .models import Dealer, DealerStaff, OpeningPeriod

# What a dealer offers, by the name the locator's filter uses.
SERVICE_FIELDS = {"new": "sells_new", "used": "sells_used", "workshop": "has_workshop"}
# What a locator card shows: distance is computed in Python, so nothing else is fetched.
CARD_FIELDS = (
    "code",
    "name",
    "kind",
    "street",
    "postcode",
    "city",
    "latitude",
    "longitude",
    "phone",
    *SERVICE_FIELDS.values(),
)


# Every stock search near a place measures the distance to every active dealer: each process
# keeps their positions while the shared version in the cache stands. Saving or deleting a dealer
# sets a new version (``apps.DealersConfig.ready``), at once and again once committed; the
# version's expiry covers the bulk writes that send no signal.
ACTIVE_POSITIONS_VERSION_KEY = "dealers:active-positions-version:v2"
ACTIVE_POSITIONS_TTL_S = 60


@dataclass(frozen=True, slots=True)
class DealerPositions:
    """Active dealer id → (code, latitude, longitude), and the inactive dealers' ids, as of
    ``version``: what is computed from them may be kept under that version."""

    version: int
    by_id: dict[int, tuple[str, float, float]]
    # Almost always empty: a search leaves these dealers' cars out without asking the database.
    inactive_ids: frozenset[int] = frozenset()


_local_positions: DealerPositions | None = None


def active_dealer_positions() -> DealerPositions:
    """The active dealers' positions: one small cache read, and the table read only when a dealer
    changed (or a minute passed)."""
    global _local_positions
    version = cache.get(ACTIVE_POSITIONS_VERSION_KEY)
    local = _local_positions
    if version is not None and local is not None and local.version == version:
        return local
    if version is None:
        version = time.time_ns()
        if not cache.add(ACTIVE_POSITIONS_VERSION_KEY, version, ACTIVE_POSITIONS_TTL_S):
            version = cache.get(ACTIVE_POSITIONS_VERSION_KEY, version)
    by_id: dict[int, tuple[str, float, float]] = {}
    inactive_ids: set[int] = set()
    for dealer_id, code, latitude, longitude, is_active in Dealer.objects.order_by().values_list(
        "id", "code", "latitude", "longitude", "is_active"
    ):
        if is_active:
            by_id[dealer_id] = (code, latitude, longitude)
        else:
            inactive_ids.add(dealer_id)
    positions = DealerPositions(version, by_id, frozenset(inactive_ids))
    _local_positions = positions
    return positions


def _new_positions_version() -> None:
    cache.set(ACTIVE_POSITIONS_VERSION_KEY, time.time_ns(), ACTIVE_POSITIONS_TTL_S)


def forget_dealer_positions(**_kwargs: object) -> None:
    """A dealer changed: every process reads the positions again, now and once it is committed
    (a read made meanwhile by another request may have missed the change)."""
    global _local_positions
    _local_positions = None
    _new_positions_version()
    transaction.on_commit(_new_positions_version)


@dataclass(frozen=True, slots=True)
class NearbyDealer:
    dealer: Dealer
    distance_km: float


def dealers_near(
    *, latitude: float, longitude: float, limit: int, services: Collection[str] = ()
) -> list[NearbyDealer]:
    """The ``limit`` active dealers nearest to the point, nearest first, offering every service
    named (``new``, ``used``, ``workshop``). Two queries whatever the size of the network."""
    unknown = set(services) - SERVICE_FIELDS.keys()
    if unknown:
        raise ValueError(f"unknown dealer services: {sorted(unknown)}")
    candidates = Dealer.objects.filter(
        is_active=True, **{SERVICE_FIELDS[service]: True for service in services}
    )
    # Great-circle distance over ~1,000 rows of three columns costs about a millisecond.
    nearest = heapq.nsmallest(
        limit,
        (
            (haversine_km(latitude, longitude, lat, lng), pk)
            for pk, lat, lng in candidates.order_by().values_list("pk", "latitude", "longitude")
        ),
    )
    if not nearest:
        return []
    rows = candidates.only(*CARD_FIELDS).in_bulk([pk for _, pk in nearest])
    return [
        NearbyDealer(dealer=rows[pk], distance_km=distance)
        for distance, pk in nearest
        if pk in rows  # deactivated between the two queries
    ]


def dealer_for_page(code: str) -> Dealer | None:
    """An active dealer with its brand and its opening periods (by day, then time)."""
    return (
        Dealer.objects.filter(code=code, is_active=True)
        .select_related("brand")
        .prefetch_related(
            Prefetch(
                "opening_periods", queryset=OpeningPeriod.objects.order_by("weekday", "opens_at")
            )
        )
        .first()
    )


def _time_fr(moment: dt.time) -> str:
    if moment.minute:
        return _("%(hour)d h %(minute)02d") % {"hour": moment.hour, "minute": moment.minute}
    return _("%(hour)d h") % {"hour": moment.hour}


def opening_hours_fr(dealer: Dealer) -> list[str]:
    """One line per run of consecutive days with the same hours, Monday first:
    ``lundi – vendredi : 8 h 30 – 12 h, 14 h – 19 h``, ``dimanche : fermé``.
    Empty when the dealer has published no hours at all (unknown, not "closed every day")."""
    periods = list(dealer.opening_periods.all())
    if not periods:
        return []
    spans_by_day: list[tuple[tuple[dt.time, dt.time], ...]] = [()] * 7
    for period in sorted(periods, key=lambda p: (p.weekday, p.opens_at)):
        spans_by_day[period.weekday] += ((period.opens_at, period.closes_at),)
    lines = []
    # groupby joins only neighbours: Monday and Wednesday alike stay two lines.
    for spans, run in groupby(range(7), key=spans_by_day.__getitem__):
        weekdays = list(run)
        days = str(OpeningPeriod.Weekday(weekdays[0]).label)
        if len(weekdays) > 1:
            days = _("%(first)s – %(last)s") % {
                "first": days,
                "last": OpeningPeriod.Weekday(weekdays[-1]).label,
            }
        hours = (
            ", ".join(f"{_time_fr(opens)} – {_time_fr(closes)}" for opens, closes in spans)
            if spans
            else _("fermé")
        )
        lines.append(_("%(days)s : %(hours)s") % {"days": days, "hours": hours})
    return lines


def dealer_staff_emails(*, dealer_id: int) -> list[str]:
    """Where a dealer's staff is reached: its active staff accounts, else the dealer's address."""
    emails = sorted(
        DealerStaff.objects.filter(dealer_id=dealer_id, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if emails:
        return emails
    dealer_email = Dealer.objects.filter(pk=dealer_id).values_list("email", flat=True).first()
    return [dealer_email] if dealer_email else []


def dealer_by_id(dealer_id: int) -> Dealer:
    return Dealer.objects.get(pk=dealer_id)


def active_dealers() -> QuerySet[Dealer]:
    return Dealer.objects.filter(is_active=True)


def inactive_dealers() -> QuerySet[Dealer]:
    return Dealer.objects.filter(is_active=False)


def brand_dealers(*, brand_id: int) -> QuerySet[Dealer]:
    """A brand's active dealers, by city then name."""
    return active_dealers().filter(brand_id=brand_id).order_by("city", "name")


def dealer_opening_periods(dealer_id: int) -> QuerySet[OpeningPeriod]:
    """A dealer's opening periods (one query), for the apps that plan within them."""
    return OpeningPeriod.objects.filter(dealer_id=dealer_id).order_by("weekday", "opens_at")


def dealer_in_charge_id(user: object, *, code: str) -> int:
    """The dealer a back-office page works for: a staff member's own; head office any dealer,
    named by its ``code`` (404 when it names none). Anyone else: 403. Sign-in is the caller's."""
    dealer_id = staff_dealer_id(user)
    if dealer_id is not None:
        return dealer_id
    if not getattr(user, "is_head_office", False):
        raise PermissionDenied
    dealer = active_dealers().filter(code=code).first() if code else None
    if dealer is None:
        raise Http404
    return dealer.pk


# --- the dealers that can deliver a car (orders, the configurator's "ask a dealer") --------


@dataclass(frozen=True, slots=True)
class DealerChoice:
    """A dealer offered to deliver a car, with its distance from the buyer when known."""

    dealer: Dealer
    distance_km: float | None

    @property
    def label(self) -> str:
        where = f"{self.dealer.name} — {self.dealer.city}"
        if self.distance_km is None:
            return where
        return f"{where} ({round(self.distance_km)} km)"


# A dealer sells at a distance only once the identity every order form must state is entered
# (L221-5 1° and L111-1 4° Code de la consommation, R123-237 Code de commerce): company name,
# legal form, RCS number, VAT number. Its trade name and address alone are not enough.
SELLER_IDENTITY_COMPLETE = ~Q(company_name="") & ~Q(legal_form="") & ~Q(rcs="") & ~Q(vat_number="")


def selling_dealers() -> QuerySet[Dealer]:
    """Active dealers that may sell online (their seller identity complete)."""
    return active_dealers().filter(SELLER_IDENTITY_COMPLETE)


def dealers_without_seller_identity(dealer_ids: set[int]) -> set[int]:
    """Those of ``dealer_ids`` that may not sell online yet (identity incomplete)."""
    return dealer_ids - set(
        Dealer.objects.filter(SELLER_IDENTITY_COMPLETE, pk__in=dealer_ids).values_list(
            "pk", flat=True
        )
    )


def _delivering_dealers(*, new_car: bool) -> QuerySet[Dealer]:
    dealers = selling_dealers()
    return dealers.filter(sells_new=True) if new_car else dealers.filter(sells_used=True)


def dealer_can_deliver(*, dealer_id: int, new_car: bool) -> bool:
    return _delivering_dealers(new_car=new_car).filter(pk=dealer_id).exists()


def delivering_dealer_choices(
    *, postcode: str, new_car: bool, include_dealer_id: int | None = None, limit: int = 8
) -> list[DealerChoice]:
    """Active dealers able to deliver the car, nearest to the buyer's postcode first; the
    dealer ``include_dealer_id`` (the stock vehicle's own) is always in the list."""
    dealers = list(_delivering_dealers(new_car=new_car))
    place = resolve_place(postcode) if postcode else None
    if place is None:
        choices = [DealerChoice(dealer, None) for dealer in sorted(dealers, key=lambda d: d.name)]
    else:
        choices = sorted(
            (
                DealerChoice(
                    dealer,
                    haversine_km(
                        place.latitude, place.longitude, dealer.latitude, dealer.longitude
                    ),
                )
                for dealer in dealers
            ),
            key=lambda choice: (choice.distance_km, choice.dealer.name),
        )
    kept = choices[:limit]
    if include_dealer_id is not None and all(c.dealer.pk != include_dealer_id for c in kept):
        kept += [c for c in choices if c.dealer.pk == include_dealer_id]
    return kept
