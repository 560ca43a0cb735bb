from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealersConfig(AppConfig):
    name = "autovitrine.dealers"
    label = "dealers"
    verbose_name = _("Réseau")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Dealer
        from .selectors import forget_dealer_positions

        post_save.connect(forget_dealer_positions, sender=Dealer, dispatch_uid="dealer-positions")
        post_delete.connect(
            forget_dealer_positions, sender=Dealer, dispatch_uid="dealer-positions-delete"
        )
