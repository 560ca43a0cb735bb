from django.db import migrations


def create_default_rule(apps, schema_editor):
    from autovitrine.tradein.defaults import DEFAULT_RULE

    ValuationRule = apps.get_model("tradein", "ValuationRule")
    if not ValuationRule.objects.exists():
        ValuationRule.objects.create(**DEFAULT_RULE)


class Migration(migrations.Migration):
    dependencies = [("tradein", "0001_initial")]

    operations = [migrations.RunPython(create_default_rule, migrations.RunPython.noop)]
