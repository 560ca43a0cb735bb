"""Cars of live flash sales, reserved in stock until now, become owned by their sale."""

from django.db import migrations


def forwards(apps, schema_editor):
    SaleUnit = apps.get_model("flashsales", "SaleUnit")
    StockVehicle = apps.get_model("inventory", "StockVehicle")
    live = SaleUnit.objects.filter(is_active=True).exclude(status="sold")
    for vehicle_id, sale_id in live.values_list("stock_vehicle_id", "sale_id"):
        StockVehicle.objects.filter(pk=vehicle_id, status="reserved").update(
            status="flash_sale", flash_sale_ref=sale_id
        )


def backwards(apps, schema_editor):
    StockVehicle = apps.get_model("inventory", "StockVehicle")
    StockVehicle.objects.filter(status="flash_sale").update(status="reserved", flash_sale_ref=None)


class Migration(migrations.Migration):
    dependencies = [
        ("flashsales", "0004_french_labels"),
        ("inventory", "0004_flash_sale_owner"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
