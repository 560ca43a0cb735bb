from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradeinConfig(AppConfig):
    name = "autovitrine.tradein"
    label = "tradein"
    verbose_name = _("Reprises")
