"""The picture of a car: a side view drawn as SVG on the server, from data.

Each body type (city car, compact, saloon, estate, SUV, van) is a ``Silhouette``: a few
heights and lengths from which the outline, the glass, the roof and the wheels are drawn. The
same drawing is recoloured with the paint, shows the wheels (their size and their design: the
larger the wheel, the more spokes and the larger the rim) and the roof (body colour, a
contrasting colour, or a glass panoramic roof).

The SVG carries no caption and no text: the page describes it (``role="img"`` and an
``aria-label`` on the element). Colours are ``fill``/``stroke`` attributes, which the strict
content security policy allows (``style`` attributes it does not). No ``id`` is used, so any
number of pictures can share a page. A drawing is a pure function of its ``CarLook``: cached.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils.html import escape

WIDTH, HEIGHT = 400, 200
GROUND = 172  # y of the road

# Paint colours by the words a paint's name uses: for product data whose paint codes are not
# colours of the catalogue (the look of « Bleu Horizon » is its first colour word, blue).
PALETTE: tuple[tuple[str, str], ...] = (
    ("blanc nacre", "#f4f1ea"),
    ("gris titane", "#6b6f73"),
    ("gris platine", "#a9adb2"),
    ("nacre", "#f4f1ea"),
    ("titane", "#6b6f73"),
    ("platine", "#a9adb2"),
    ("argent", "#b8bcc2"),
    ("sable", "#c9ae7c"),
    ("dore", "#c9a45c"),
    ("mimosa", "#e9b824"),
    ("jaune", "#e9b824"),
    ("orange", "#dd6b20"),
    ("rouge", "#b3242b"),
    ("bordeaux", "#6d1a2a"),
    ("vert", "#2e6b4f"),
    ("bleu", "#1f4e9c"),
    ("gris", "#5b6169"),
    ("noir", "#1d2026"),
    ("blanc", "#eef1f3"),
)
DEFAULT_PAINT = "#9aa1a9"
BLACK_ROOF = "#17191d"
GLASS = "#2c3a48"
GLASS_ROOF = "#34506b"
TYRE = "#1b1d21"
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True, slots=True)
class Silhouette:
    """A body's side view. x are fractions of the car's length from the front, heights are
    pixels above the road."""

    length: int  # pixels
    sill: int  # bottom of the body
    nose: int  # top of the front bumper
    bonnet: int  # where the bonnet meets the windscreen
    belt: int  # bottom of the side windows
    tail: int  # top of the rear end
    roof: int
    windscreen_base: float
    roof_front: float
    roof_rear: float
    tail_top: float  # where the roof line or the rear glass meets the rear end
    front_axle: float
    rear_axle: float
    wheel_radius: int  # for the smallest wheel of the body
    base_inches: int  # the smallest wheel's size


SILHOUETTES: dict[str, Silhouette] = {
    "city": Silhouette(300, 16, 46, 62, 70, 72, 112, 0.30, 0.47, 0.86, 0.97, 0.16, 0.82, 25, 15),
    "hatch": Silhouette(330, 15, 44, 60, 68, 70, 106, 0.31, 0.49, 0.83, 0.96, 0.16, 0.81, 26, 16),
    "sedan": Silhouette(350, 15, 42, 58, 66, 66, 102, 0.34, 0.47, 0.72, 0.86, 0.16, 0.80, 26, 16),
    "estate": Silhouette(360, 15, 42, 58, 66, 70, 104, 0.31, 0.45, 0.93, 0.985, 0.15, 0.81, 26, 16),
    "suv": Silhouette(350, 24, 56, 76, 84, 84, 126, 0.30, 0.45, 0.88, 0.975, 0.17, 0.81, 30, 17),
    "van": Silhouette(350, 20, 54, 74, 80, 82, 136, 0.22, 0.36, 0.95, 0.99, 0.15, 0.82, 28, 16),
}


@dataclass(frozen=True, slots=True)
class CarLook:
    """What the picture shows: the body, the paint, the wheels' size, the roof."""

    body: str = "hatch"
    paint: str = DEFAULT_PAINT  # #rrggbb
    wheel_inches: int | None = None  # None: the body's smallest wheel
    roof: str = "body"  # "body", "glass" or a contrasting colour #rrggbb


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def paint_from_words(*texts: str) -> str:
    """The colour a paint's name or code describes (« Rouge Aurore (nacré) » → red)."""
    for text in texts:
        folded = _folded(text)
        found = [
            (folded.index(word), -len(word), colour) for word, colour in PALETTE if word in folded
        ]
        if found:  # the first colour word named, the longest at one place (« blanc nacre »)
            return min(found)[2]
    return DEFAULT_PAINT


def inches_from(*texts: str) -> int | None:
    """The wheel size a code or name mentions (« r19 », « Jantes alliage 18 pouces »)."""
    for text in texts:
        match = re.search(r"(?<!\d)(1[3-9]|2[0-3])(?!\d)", str(text))
        if match:
            return int(match.group(1))
    return None


def roof_from_words(*texts: str) -> str:
    """« Toit panoramique » → glass; « toit noir », « bi-ton » → black; else body colour."""
    folded = " ".join(_folded(text) for text in texts)
    if "pano" in folded or "vitre" in folded or "ouvrant" in folded:
        return "glass"
    if "black" in folded or "noir" in folded or "bi-ton" in folded or "biton" in folded:
        return BLACK_ROOF
    if "blanc" in folded or "white" in folded:
        return "#eef1f3"
    return "body"


def _shade(hex_value: str, factor: float) -> str:
    """Lighter above 1, darker below."""
    red, green, blue = (int(hex_value[i : i + 2], 16) for i in (1, 3, 5))
    if factor >= 1:
        channels = [c + (255 - c) * (factor - 1) for c in (red, green, blue)]
    else:
        channels = [c * factor for c in (red, green, blue)]
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in channels)


def _point(x: float, y: float) -> str:
    return f"{x:.1f},{y:.1f}"


def _wheel(cx: float, cy: float, radius: float, inches: int, base_inches: int) -> list[str]:
    """A tyre and its rim; the rim grows with the size and its design changes with it."""
    step = inches - base_inches
    rim = radius * min(0.80, 0.56 + 0.05 * step)
    dark = inches >= 20  # « Diamant »: dark, polished spokes
    rim_fill = "#3b4047" if dark else "#c9ced4"
    spoke_colour = "#d8dde2" if dark else "#8d949c"
    spokes = 5 if step <= 1 else (6 if step == 2 else 10)
    parts = [
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{TYRE}"/>',
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{rim:.1f}" fill="{rim_fill}" '
        f'class="car-rim" data-inches="{inches}" data-spokes="{spokes}"/>',
    ]
    for index in range(spokes):
        angle = 2 * math.pi * index / spokes - math.pi / 2
        x = cx + math.cos(angle) * rim * 0.92
        y = cy + math.sin(angle) * rim * 0.92
        width = 3.2 if spokes == 5 else (2.4 if spokes == 6 else 1.6)
        parts.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            f'stroke="{spoke_colour}" stroke-width="{width}" stroke-linecap="round"/>'
        )
    parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{rim * 0.22:.1f}" fill="#6b7178"/>')
    return parts


@lru_cache(maxsize=512)
def car_svg(look: CarLook, label: str = "") -> str:
    """The SVG drawing of ``look``; ``label`` is its accessible name (no text is drawn)."""
    shape = SILHOUETTES.get(look.body, SILHOUETTES["hatch"])
    paint = look.paint if HEX.match(look.paint) else DEFAULT_PAINT
    inches = look.wheel_inches or shape.base_inches
    left = (WIDTH - shape.length) / 2

    def x(fraction: float) -> float:
        return left + fraction * shape.length

    def y(height: float) -> float:
        return GROUND - height

    radius = shape.wheel_radius * (1 + 0.045 * max(0, inches - shape.base_inches))
    axle_y = GROUND - radius
    front, rear = x(shape.front_axle), x(shape.rear_axle)

    body = " ".join(
        [
            f"M{_point(x(0.01), y(shape.sill))}",
            f"L{_point(x(0.0), y(shape.nose))}",
            f"Q{_point(x(0.02), y(shape.bonnet))} {_point(x(0.09), y(shape.bonnet))}",
            f"L{_point(x(shape.windscreen_base), y(shape.belt))}",
            f"L{_point(x(shape.roof_front), y(shape.roof))}",
            f"L{_point(x(shape.roof_rear), y(shape.roof))}",
            f"Q{_point(x(shape.tail_top), y(shape.roof - 2))} "
            f"{_point(x(shape.tail_top), y(shape.tail))}",
            f"L{_point(x(1.0), y(shape.tail - 4))}",
            f"L{_point(x(0.995), y(shape.sill))}",
            # Wheel arches: the body stops above each wheel.
            f"L{_point(rear + radius * 1.12, y(shape.sill))}",
            f"A{radius * 1.12:.1f},{radius * 1.12:.1f} 0 0 0 "
            f"{_point(rear - radius * 1.12, y(shape.sill))}",
            f"L{_point(front + radius * 1.12, y(shape.sill))}",
            f"A{radius * 1.12:.1f},{radius * 1.12:.1f} 0 0 0 "
            f"{_point(front - radius * 1.12, y(shape.sill))}",
            "Z",
        ]
    )
    inset = 8
    glass_top = shape.roof - inset
    glass_bottom = shape.belt + 2
    pillar = x((shape.roof_front + shape.roof_rear) / 2 - 0.02)
    rear_glass_end = x(shape.tail_top - 0.025)
    # The glass: the front window from the windscreen to the middle pillar, then the rear one.
    slope = (shape.roof_front - shape.windscreen_base) / max(1, shape.roof - shape.belt)
    front_glass = " ".join(
        [
            _point(
                x(shape.windscreen_base + slope * (glass_bottom - shape.belt)) + 4, y(glass_bottom)
            ),
            _point(x(shape.roof_front) + 3, y(glass_top)),
            _point(pillar - 3, y(glass_top)),
            _point(pillar - 3, y(glass_bottom)),
        ]
    )
    rear_glass = " ".join(
        [
            _point(pillar + 4, y(glass_bottom)),
            _point(pillar + 4, y(glass_top)),
            _point(x(shape.roof_rear) - 2, y(glass_top)),
            _point(rear_glass_end, y(max(glass_bottom, shape.tail + 2))),
            _point(rear_glass_end, y(glass_bottom)),
        ]
    )
    # The roof band, above the glass, painted with the roof's colour.
    roof = " ".join(
        [
            _point(x(shape.roof_front) - 1, y(shape.roof)),
            _point(x(shape.roof_rear) + 1, y(shape.roof)),
            _point(x(shape.roof_rear) - 1, y(glass_top + 0.5)),
            _point(x(shape.roof_front) + 2, y(glass_top + 0.5)),
        ]
    )
    roof_fill = {"body": paint, "glass": GLASS_ROOF}.get(look.roof, look.roof)
    if not HEX.match(roof_fill):
        roof_fill = paint
    aria = f' role="img" aria-label="{escape(label)}"' if label else ' aria-hidden="true"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="car-picture" focusable="false"{aria} data-body="{escape(look.body)}" '
        f'data-paint="{paint}" data-wheels="{inches}" data-roof="{escape(look.roof)}">',
        f'<ellipse cx="{WIDTH / 2:.1f}" cy="{GROUND + 3}" rx="{shape.length * 0.54:.1f}" ry="7" '
        'fill="#000000" fill-opacity="0.14"/>',
        # Arches' inside, behind the wheels.
        f'<circle cx="{front:.1f}" cy="{axle_y:.1f}" r="{radius * 1.08:.1f}" fill="#2a2d33"/>',
        f'<circle cx="{rear:.1f}" cy="{axle_y:.1f}" r="{radius * 1.08:.1f}" fill="#2a2d33"/>',
        f'<path d="{body}" fill="{paint}" class="car-body" stroke="{_shade(paint, 0.7)}" '
        'stroke-width="1.2" stroke-linejoin="round"/>',
        # A light band along the flank and a darker sill, to give the paint a volume.
        f'<path d="M{_point(x(0.06), y(shape.belt - 8))} L{_point(x(0.97), y(shape.belt - 8))}" '
        f'stroke="{_shade(paint, 1.35)}" stroke-width="3" stroke-opacity="0.7"/>',
        f'<path d="M{_point(front + radius * 1.2, y(shape.sill + 3))} '
        f'L{_point(rear - radius * 1.2, y(shape.sill + 3))}" stroke="{_shade(paint, 0.6)}" '
        'stroke-width="4"/>',
        f'<polygon points="{roof}" fill="{roof_fill}" class="car-roof"/>',
        f'<polygon points="{front_glass}" fill="{GLASS}"/>',
        f'<polygon points="{rear_glass}" fill="{GLASS}"/>',
        # Door line, handle, head and tail lights.
        f'<path d="M{_point(pillar + 0.5, y(glass_bottom))} L{_point(pillar + 0.5, y(shape.sill + 4))}" '
        f'stroke="{_shade(paint, 0.65)}" stroke-width="1.2"/>',
        f'<rect x="{pillar - 20:.1f}" y="{y(shape.belt - 14):.1f}" width="10" height="2.5" '
        f'rx="1" fill="{_shade(paint, 0.6)}"/>',
        f'<path d="M{_point(x(0.005), y(shape.nose + 2))} L{_point(x(0.06), y(shape.bonnet - 3))} '
        f'L{_point(x(0.075), y(shape.nose + 3))} Z" fill="#f3f0d8"/>',
        f'<rect x="{x(0.975):.1f}" y="{y(shape.tail - 6):.1f}" width="{shape.length * 0.02:.1f}" '
        'height="8" rx="1.5" fill="#c0262d"/>',
    ]
    if look.roof == "glass":  # a highlight on the glass roof
        parts.append(
            f'<path d="M{_point(x(shape.roof_front) + 6, y(shape.roof - 1.5))} '
            f'L{_point(x(shape.roof_rear) - 6, y(shape.roof - 1.5))}" stroke="#a9c6e0" '
            'stroke-width="1.2"/>'
        )
    parts += _wheel(front, axle_y, radius, inches, shape.base_inches)
    parts += _wheel(rear, axle_y, radius, inches, shape.base_inches)
    parts.append("</svg>")
    return "".join(parts)


# --- looks from what the platform knows ----------------------------------------------------

PAINT_FAMILIES = ("paint", "teinte", "colour", "color", "couleur")
WHEEL_FAMILIES = ("wheels", "jantes", "wheel")
ROOF_FAMILIES = ("roof", "toit")


def look_for_configuration(
    body: str,
    configuration: dict[str, Any],
    labels: dict[str, str] | None = None,
    paints: dict[str, str] | None = None,
) -> CarLook:
    """The look of a configured car: ``configuration`` maps product-data names to the chosen
    value (a code, ``True``/``False`` for options); ``labels`` maps names to the chosen
    value's label; ``paints`` maps paint codes to their catalogue colour."""
    labels = labels or {}
    paints = paints or {}
    paint = DEFAULT_PAINT
    inches: int | None = None
    roof = "body"
    for name, value in configuration.items():
        folded = _folded(name)
        label = labels.get(name, "")
        if folded in PAINT_FAMILIES and isinstance(value, str):
            paint = paints.get(value) or paint_from_words(label, value)
        elif folded in WHEEL_FAMILIES and isinstance(value, str):
            inches = inches_from(value, label) or inches
        elif folded in ROOF_FAMILIES and isinstance(value, str):
            roof = roof_from_words(value, label)
        elif value is True:
            # Options: « jantes-19 », « toit-panoramique », « toit-noir ».
            if folded.startswith(("jantes", "wheels", "r1", "r2")):
                inches = inches_from(name, label) or inches
            elif folded.startswith(("toit", "roof")):
                roof = roof_from_words(name, label)
    return CarLook(body=body, paint=paint, wheel_inches=inches, roof=roof)


def stock_car_svg(vehicle: Any, label: str = "") -> str:
    """A stock car without a photo: its model's body (a compact for other makes), its colour
    (the catalogue colour, else the colour its label names). ``vehicle`` has ``car_model``
    (with ``body``) and ``colour`` (with ``hex_value``), either None, and ``colour_label``."""
    car_model = getattr(vehicle, "car_model", None)
    body = car_model.body if car_model is not None else "hatch"
    colour = getattr(vehicle, "colour", None)
    paint = (
        colour.hex_value
        if colour is not None
        else paint_from_words(getattr(vehicle, "colour_label", ""))
    )
    return car_svg(CarLook(body=body, paint=paint), label)
