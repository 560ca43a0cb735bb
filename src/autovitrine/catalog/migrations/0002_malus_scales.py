"""Load the 2024, 2025 and 2026 CO2 malus scales from ``catalog/data`` (reversible)."""

from django.db import migrations

from autovitrine.catalog.services_malus import MALUS_DATA_DIR, malus_scale_read, malus_scale_write

SCALE_FILES = {2024: "malus-2024.json", 2025: "malus-2025.json", 2026: "malus-2026.json"}


def load_scales(apps, schema_editor):
    scale_model = apps.get_model("catalog", "MalusScale")
    bracket_model = apps.get_model("catalog", "MalusBracket")
    for file_name in SCALE_FILES.values():
        malus_scale_write(
            malus_scale_read(MALUS_DATA_DIR / file_name),
            scale_model=scale_model,
            bracket_model=bracket_model,
        )


def unload_scales(apps, schema_editor):
    apps.get_model("catalog", "MalusScale").objects.filter(year__in=SCALE_FILES).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load_scales, unload_scales)]
