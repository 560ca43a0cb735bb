from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlashsalesConfig(AppConfig):
    name = "autovitrine.flashsales"
    label = "flashsales"
    verbose_name = _("Ventes flash")

    def ready(self) -> None:
        # Deposits report back through the payments app's listener hook, like orders' do.
        from autovitrine.payments.services import payment_listener_register

        from .services import PAYMENT_PURPOSE, purchase_on_payment

        payment_listener_register(
            purpose=PAYMENT_PURPOSE, listener=purchase_on_payment, label=_("Acompte de vente flash")
        )

        # A sign-out voids the queue pass of its session at once in this process.
        from django.contrib.auth.signals import user_logged_out

        from .asgi import forget_session

        user_logged_out.connect(forget_session, dispatch_uid="flashsales_forget_session")
