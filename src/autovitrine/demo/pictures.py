"""Demo pictures: a side-view car silhouette per model and colour, drawn with Pillow.

Drawn at twice the size then reduced, which smooths the edges. Each picture is stored once in
MEDIA and shared by every demo vehicle of that model and colour.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 800, 500
SCALE = 2  # drawn at 2x, then reduced with a Lanczos filter
JPEG_QUALITY = 82
STORAGE_DIR = "demo/aurore"


@dataclass(frozen=True, slots=True)
class Profile:
    """A body's side view; lengths are fractions of the car's length, x from the front."""

    length: float  # of the picture's width
    wheel_radius: float
    sill: float
    belt: float
    roof: float
    windscreen_base: float
    roof_front: float
    roof_rear: float
    tailgate_base: float
    front_axle: float
    rear_axle: float


PROFILES = {
    "city": Profile(0.64, 0.085, 0.05, 0.26, 0.42, 0.30, 0.46, 0.84, 0.95, 0.17, 0.81),
    "hatch": Profile(0.70, 0.080, 0.045, 0.24, 0.38, 0.33, 0.50, 0.80, 0.95, 0.16, 0.81),
    "estate": Profile(0.80, 0.075, 0.045, 0.23, 0.35, 0.31, 0.46, 0.93, 0.98, 0.15, 0.82),
    "suv": Profile(0.76, 0.095, 0.08, 0.31, 0.45, 0.30, 0.44, 0.87, 0.96, 0.17, 0.81),
}


def _rgb(hex_value: str) -> tuple[int, int, int]:
    value = hex_value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    """Lighter above 1, darker below."""
    if factor >= 1:
        return tuple(int(c + (255 - c) * (factor - 1)) for c in colour)  # type: ignore[return-value]
    return tuple(int(c * factor) for c in colour)  # type: ignore[return-value]


def _background(width: int, height: int, ground_y: int) -> Image.Image:
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        if y < ground_y:  # studio wall, light at the top
            t = y / ground_y
            colour = (int(236 - 26 * t), int(240 - 24 * t), int(245 - 20 * t))
        else:  # floor
            t = (y - ground_y) / (height - ground_y)
            colour = (int(200 + 30 * t), int(204 + 28 * t), int(210 + 26 * t))
        draw.line([(0, y), (width, y)], fill=colour)
    return image


def render_car(*, body: str, hex_value: str, caption: str = "") -> bytes:
    """An 800×500 JPEG of a car of ``body`` type painted ``hex_value``. No caption is drawn
    into it (``caption`` is kept for callers; the page's alt text names the car)."""
    width, height = WIDTH * SCALE, HEIGHT * SCALE
    profile = PROFILES.get(body, PROFILES["hatch"])
    ground_y = int(height * 0.80)
    image = _background(width, height, ground_y)

    car_length = width * profile.length
    left = (width - car_length) / 2

    def x(fraction: float) -> float:
        return left + car_length * fraction

    def y(fraction: float) -> float:
        return ground_y - car_length * fraction

    wheel_r = car_length * profile.wheel_radius
    shadow = Image.new("L", (width, height), 0)
    ImageDraw.Draw(shadow).ellipse(
        [x(-0.02), ground_y - wheel_r * 0.35, x(1.02), ground_y + wheel_r * 0.35], fill=150
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(radius=wheel_r * 0.4))
    image.paste((60, 64, 70), mask=shadow)

    paint = _rgb(hex_value)
    draw = ImageDraw.Draw(image)
    glass = (38, 46, 56)
    # Cabin (behind the body so the body's top edge reads as the beltline).
    cabin = [
        (x(profile.windscreen_base), y(profile.belt)),
        (x(profile.roof_front), y(profile.roof)),
        (x(profile.roof_rear), y(profile.roof)),
        (x(profile.tailgate_base), y(profile.belt)),
    ]
    draw.polygon(cabin, fill=_shade(paint, 0.85))
    inset = car_length * 0.018
    pillar = (profile.roof_front + profile.roof_rear) / 2
    windows = [
        [
            (x(profile.windscreen_base) + inset * 2.2, y(profile.belt) - inset),
            (x(profile.roof_front) + inset, y(profile.roof) + inset),
            (x(pillar) - inset / 2, y(profile.roof) + inset),
            (x(pillar) - inset / 2, y(profile.belt) - inset),
        ],
        [
            (x(pillar) + inset / 2, y(profile.belt) - inset),
            (x(pillar) + inset / 2, y(profile.roof) + inset),
            (x(profile.roof_rear) - inset, y(profile.roof) + inset),
            (x(profile.tailgate_base) - inset * 2.2, y(profile.belt) - inset),
        ],
    ]
    for window in windows:
        draw.polygon(window, fill=glass)
    # Body: darker below the door handles, a highlight along the beltline.
    radius = int(car_length * 0.06)
    body_box = [x(0), y(profile.belt), x(1), y(profile.sill)]
    draw.rounded_rectangle(body_box, radius=radius, fill=paint)
    middle = (y(profile.belt) + y(profile.sill)) / 2
    draw.rounded_rectangle(
        [x(0.01), middle, x(0.99), y(profile.sill)], radius=radius, fill=_shade(paint, 0.82)
    )
    draw.line(
        [(x(0.05), y(profile.belt) + inset), (x(0.95), y(profile.belt) + inset)],
        fill=_shade(paint, 1.25),
        width=max(2, int(inset / 2)),
    )
    for door_line in (profile.windscreen_base + 0.02, pillar):
        draw.line(
            [(x(door_line), y(profile.belt)), (x(door_line), y(profile.sill) - inset)],
            fill=_shade(paint, 0.6),
            width=3,
        )
    # Lights.
    draw.rounded_rectangle(
        [x(0.005), y(profile.belt) + inset, x(0.06), y(profile.belt) + inset * 2.6],
        radius=int(inset),
        fill=(246, 244, 228),
    )
    draw.rounded_rectangle(
        [x(0.955), y(profile.belt) + inset, x(0.995), y(profile.belt) + inset * 2.8],
        radius=int(inset),
        fill=(196, 30, 40),
    )
    # Wheels: arch, tyre, rim, hub.
    for axle in (profile.front_axle, profile.rear_axle):
        cx, cy = x(axle), ground_y - wheel_r
        for scale, colour in ((1.14, (24, 26, 30)), (1.0, (30, 30, 32)), (0.62, (196, 200, 206))):
            r = wheel_r * scale
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
        hub = wheel_r * 0.16
        draw.ellipse([cx - hub, cy - hub, cx + hub, cy + hub], fill=(90, 94, 100))

    buffer = io.BytesIO()
    image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS).save(
        buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True
    )
    return buffer.getvalue()


def picture_name(model_code: str, colour_code: str) -> str:
    return f"{STORAGE_DIR}/{model_code}-{colour_code}-profil.jpg"  # without a caption


def ensure_picture(
    *, model_code: str, colour_code: str, body: str, hex_value: str, caption: str
) -> str:
    """The stored picture's name; drawn and saved only if it is not in MEDIA yet."""
    name = picture_name(model_code, colour_code)
    if not default_storage.exists(name):
        content = render_car(body=body, hex_value=hex_value, caption=caption)
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:  # another process saved it meanwhile; keep one copy
            default_storage.delete(saved)
    return name
