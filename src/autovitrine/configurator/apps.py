from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfiguratorConfig(AppConfig):
    name = "autovitrine.configurator"
    label = "configurator"
    verbose_name = _("Configurateur")
