from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "autovitrine.core"
    label = "core"
