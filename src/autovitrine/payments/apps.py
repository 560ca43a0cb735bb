from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "autovitrine.payments"
    label = "payments"
    verbose_name = _("Paiements")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the production payment check)
