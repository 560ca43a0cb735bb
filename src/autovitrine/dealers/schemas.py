"""JSON shapes of the dealers API, and the "near a place" query shared with the stock search."""

from __future__ import annotations

from typing import Literal, Self

from ninja import Field, Schema
from pydantic import model_validator

from autovitrine.core.api_errors import ApiError
from autovitrine.core.places import resolve_place

from .models import OpeningPeriod


class NearQuery(Schema):
    """Where distances are measured from: a French city or postcode, else a position."""

    place: str | None = Field(
        None, max_length=100, description="Ville ou code postal français, ex. « Lyon » ou 69007."
    )
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lng: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)

    @model_validator(mode="after")
    def _position_is_a_pair(self) -> Self:
        if (self.lat is None) != (self.lng is None):
            raise ValueError("lat et lng vont ensemble : indiquez les deux ou aucun.")
        return self

    def origin(self) -> tuple[float, float] | None:
        """The place when one is given (it wins over a position), else the position, else None.
        Raises ``unknown_place`` for a place we cannot find."""
        text = " ".join((self.place or "").split())
        if text:
            found = resolve_place(text)
            if found is None:
                raise ApiError(
                    422,
                    "unknown_place",
                    f"Nous ne trouvons pas « {text} » : indiquez une ville ou un code postal "
                    "français.",
                    [{"field": "place", "message": "Lieu inconnu."}],
                )
            return found.latitude, found.longitude
        if self.lat is not None and self.lng is not None:
            return self.lat, self.lng
        return None


class DealersNearQuery(NearQuery):
    limit: int = Field(10, ge=1, le=50)
    services: list[Literal["new", "used", "workshop"]] = Field(
        default_factory=list,
        description="Services exigés, répétable : new, used, workshop.",
    )


class DealerServicesOut(Schema):
    new: bool
    used: bool
    workshop: bool


class DealerSummaryOut(Schema):
    code: str
    name: str
    kind: str
    street: str
    postcode: str
    city: str
    latitude: float
    longitude: float
    phone: str
    services: DealerServicesOut
    page_url: str


class NearbyDealerOut(DealerSummaryOut):
    distance_km: float


class OpeningPeriodOut(Schema):
    weekday: int = Field(description="0 = lundi … 6 = dimanche")
    day: str
    opens_at: str = Field(description="HH:MM, heure de Paris")
    closes_at: str

    @classmethod
    def of(cls, period: OpeningPeriod) -> OpeningPeriodOut:
        return cls(
            weekday=period.weekday,
            day=str(period.get_weekday_display()),
            opens_at=period.opens_at.strftime("%H:%M"),
            closes_at=period.closes_at.strftime("%H:%M"),
        )


class DealerOut(DealerSummaryOut):
    brand: str
    email: str
    opening_periods: list[OpeningPeriodOut]
    opening_hours: list[str] = Field(description="Les horaires en français, une ligne par jours.")
    stock_search_url: str
