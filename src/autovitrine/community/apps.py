from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "autovitrine.community"
    label = "community"
    verbose_name = _("Communauté")

    def ready(self) -> None:
        # The configurator tells who listens when a revision is published; it never imports us.
        from autovitrine.configurator.services import product_data_published
        from autovitrine.orders.selectors import order_credits_requested

        from .selectors import order_idea_credits
        from .services import ideas_announce_published

        product_data_published.connect(
            ideas_announce_published, dispatch_uid="community_ideas_announce_published"
        )
        # Orders credit the ideas a car includes on the order page and form, unaware of us.
        order_credits_requested.connect(
            order_idea_credits, dispatch_uid="community_order_idea_credits"
        )
