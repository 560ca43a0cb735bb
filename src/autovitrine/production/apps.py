from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "autovitrine.production"
    label = "production"
    verbose_name = _("Production et suivi")

    def ready(self) -> None:
        from .reference import connect_signals

        connect_signals()
