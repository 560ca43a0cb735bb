from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlashsalesConfig(AppConfig):
    name = "autovitrine.flashsales"
    label = "flashsales"
    verbose_name = _("Ventes flash")
