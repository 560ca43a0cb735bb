from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfiguratorConfig(AppConfig):
    name = "autovitrine.configurator"
    label = "configurator"
    verbose_name = _("Configurateur")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .views import claim_saved_on_login

        user_logged_in.connect(claim_saved_on_login, dispatch_uid="configurator_claim")
