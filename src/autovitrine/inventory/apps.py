from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "autovitrine.inventory"
    label = "inventory"
    verbose_name = _("Stock")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import StockVehicle
        from .selectors import stock_changed

        # The searches' cached counts follow the stock (and the dealers, whose closing hides
        # their cars); the services' conditional UPDATEs call ``stock_changed`` themselves.
        for sender in (StockVehicle, "dealers.Dealer"):
            post_save.connect(stock_changed, sender=sender, dispatch_uid=f"stock-changed-{sender}")
            post_delete.connect(
                stock_changed, sender=sender, dispatch_uid=f"stock-changed-delete-{sender}"
            )
