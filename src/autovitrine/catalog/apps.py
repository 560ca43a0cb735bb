from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "autovitrine.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import CarModel
        from .selectors import forget_published_model_choices

        post_save.connect(
            forget_published_model_choices, sender=CarModel, dispatch_uid="model-choices"
        )
        post_delete.connect(
            forget_published_model_choices, sender=CarModel, dispatch_uid="model-choices-delete"
        )
