from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "autovitrine.core"
    label = "core"

    def ready(self) -> None:
        from .images import pillow_limits_apply

        pillow_limits_apply()
