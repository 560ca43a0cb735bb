"""Reference prefix search (``LIKE 'PL-30%'``) on PostgreSQL needs a pattern-ops index: the
unique index follows the database's collation and cannot serve it. SQLite's LIKE is served
by a full scan of the small embedded catalogue."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX parts_part_reference_prefix ON parts_part "
            "(reference varchar_pattern_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX parts_part_reference_prefix")


class Migration(migrations.Migration):
    dependencies = [("parts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
