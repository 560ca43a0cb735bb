from django.db import migrations

# The initial rule as it was written before the method of docs/tradein.md (0002).
OLD_ENERGY = {"petrol": 10_000, "diesel": 9_000, "hybrid": 10_500, "phev": 10_300, "electric": 9_500}


def seed(apps, schema_editor):
    from autovitrine.tradein.defaults import DEFAULT_RULE, SEGMENT_REFERENCE_PRICES

    ReferencePrice = apps.get_model("tradein", "ReferencePrice")
    for segment, cents in SEGMENT_REFERENCE_PRICES.items():
        ReferencePrice.objects.get_or_create(
            segment=segment,
            make="",
            model_label="",
            version_label="",
            defaults={"new_price_cents": cents, "source": "Valeur initiale (docs/tradein.md)"},
        )
    # The initial rule, never edited by head office, moves to the new method's values.
    ValuationRule = apps.get_model("tradein", "ValuationRule")
    ValuationRule.objects.filter(
        name=DEFAULT_RULE["name"], yearly_depreciation_bp=1_500, energy_coefficients_bp=OLD_ENERGY
    ).update(
        base_values=DEFAULT_RULE["base_values"],
        energy_coefficients_bp=DEFAULT_RULE["energy_coefficients_bp"],
        yearly_depreciation_bp=DEFAULT_RULE["yearly_depreciation_bp"],
        condition_coefficients_bp=DEFAULT_RULE["condition_coefficients_bp"],
    )


class Migration(migrations.Migration):
    dependencies = [("tradein", "0004_reference_prices_and_ranges")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
