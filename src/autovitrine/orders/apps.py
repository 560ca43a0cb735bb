from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "autovitrine.orders"
    label = "orders"
    verbose_name = _("Commandes")

    def ready(self) -> None:
        # Deposit payments report back to orders through the payments app's listener hook.
        from autovitrine.payments.services import payment_listener_register

        from .services import DEPOSIT_PURPOSE, order_on_deposit_payment

        payment_listener_register(
            purpose=DEPOSIT_PURPOSE,
            listener=order_on_deposit_payment,
            label=_("Acompte de commande"),
        )
