# The three covering indexes declare their INCLUDE columns as ``covering`` (core.CoveringIndex),
# which builds exactly the same index on PostgreSQL and on SQLite: only the state changes.

import autovitrine.core.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_french_admin_labels'),
        ('dealers', '0006_staff_email_failure'),
        ('inventory', '0006_stock_pages_read_from_covering_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name='stockvehicle',
                    name='stock_available_filters',
                ),
                migrations.RemoveIndex(
                    model_name='stockvehicle',
                    name='stock_available_by_price',
                ),
                migrations.RemoveIndex(
                    model_name='stockvehicle',
                    name='stock_available_by_newest',
                ),
                migrations.AddIndex(
                    model_name='stockvehicle',
                    index=autovitrine.core.models.CoveringIndex(condition=models.Q(('status', 'available')), covering=('energy', 'condition', 'price_ttc', 'mileage_km', 'year', 'car_model'), fields=['dealer'], name='stock_available_filters'),
                ),
                migrations.AddIndex(
                    model_name='stockvehicle',
                    index=autovitrine.core.models.CoveringIndex(condition=models.Q(('status', 'available')), covering=('dealer', 'energy', 'condition', 'mileage_km', 'year', 'car_model'), fields=['price_ttc', 'id'], name='stock_available_by_price'),
                ),
                migrations.AddIndex(
                    model_name='stockvehicle',
                    index=autovitrine.core.models.CoveringIndex(condition=models.Q(('status', 'available')), covering=('dealer', 'energy', 'condition', 'price_ttc', 'mileage_km', 'car_model'), fields=['-year', '-id'], name='stock_available_by_newest'),
                ),
            ],
        ),
    ]
