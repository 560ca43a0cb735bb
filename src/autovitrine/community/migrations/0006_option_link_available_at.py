from django.db import migrations, models
from django.db.models import F


def links_made_so_far_were_available(apps, schema_editor):
    # Until now a link was only accepted on a published value: available when it was made.
    apps.get_model("community", "IdeaOptionLink").objects.update(available_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0005_list_order_and_bounded_similar"),
    ]

    operations = [
        migrations.AddField(
            model_name="ideaoptionlink",
            name="available_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(links_made_so_far_were_available, migrations.RunPython.noop),
    ]
