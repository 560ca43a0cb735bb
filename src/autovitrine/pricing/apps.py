from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "autovitrine.pricing"
    label = "pricing"
    verbose_name = _("Prix, taxes et crédit")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the credit defaults check)
