"""No double booking, enforced by PostgreSQL: two claims of one resource (technician, bay,
loan car) may never overlap in time. An exclusion constraint on ``tstzrange`` needs
``btree_gist`` for the equality on ``resource``. SQLite has no such constraint: there the
service's check and insert run in one ``BEGIN IMMEDIATE`` transaction (serialised)."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CREATE = """
ALTER TABLE workshop_capacityclaim ADD CONSTRAINT workshop_claim_no_overlap
EXCLUDE USING gist (resource WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
"""
DROP = "ALTER TABLE workshop_capacityclaim DROP CONSTRAINT workshop_claim_no_overlap"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("workshop", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards),
    ]
