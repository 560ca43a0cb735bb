from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery


def backfill(apps, schema_editor):
    """The existing rows' latest event, so the first message after the upgrade chains on."""
    OrderProgress = apps.get_model("production", "OrderProgress")
    ProductionEvent = apps.get_model("production", "ProductionEvent")
    latest = (
        ProductionEvent.objects.filter(progress_id=OuterRef("pk"))
        .values("progress_id")
        .annotate(latest=Max("id"))
        .values("latest")
    )
    OrderProgress.objects.update(last_event_id=Subquery(latest))


class Migration(migrations.Migration):
    dependencies = [("production", "0007_observed_durations")]

    operations = [
        migrations.AddField(
            model_name="orderprogress",
            name="last_event_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="dernier événement"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
