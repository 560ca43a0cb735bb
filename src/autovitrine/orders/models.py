"""Orders: a buyer's purchase of one car, delivered by one dealer, with its frozen totals."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from autovitrine.core.models import TimeStampedModel
from autovitrine.core.statuses import Transitions

# Statuses in which an order holds its stock vehicle (at most one such order per vehicle).
HOLDING_STATUSES = ("draft", "deposit_paid", "confirmed", "in_production", "ready", "delivered")


class Order(TimeStampedModel):
    class Kind(models.TextChoices):
        STOCK = "stock", _("Véhicule en stock")
        FACTORY = "factory", _("Commande usine")

    class Status(models.TextChoices):
        DRAFT = "draft", _("En attente de l'acompte")
        DEPOSIT_PAID = "deposit_paid", _("Acompte payé")
        CONFIRMED = "confirmed", _("Confirmée par la concession")
        IN_PRODUCTION = "in_production", _("En production")
        READY = "ready", _("Prête à être livrée")
        DELIVERED = "delivered", _("Livrée")
        CANCELLED = "cancelled", _("Annulée")
        WITHDRAWN = "withdrawn", _("Rétractée")

    # Allowed moves. Stock orders skip production, factory orders go through it: the services
    # check that too (``Order.next_after_confirmed``).
    TRANSITIONS = Transitions(
        {
            Status.DRAFT: {Status.DEPOSIT_PAID, Status.CANCELLED},
            Status.DEPOSIT_PAID: {Status.CONFIRMED, Status.CANCELLED, Status.WITHDRAWN},
            Status.CONFIRMED: {Status.IN_PRODUCTION, Status.READY, Status.WITHDRAWN},
            Status.IN_PRODUCTION: {Status.READY, Status.WITHDRAWN},
            Status.READY: {Status.DELIVERED, Status.WITHDRAWN},
            # L221-18: the 14 days run from the taking of possession, so a delivered car can still
            # be withdrawn; the dealer then records its return and the refund (L221-23, L221-24).
            Status.DELIVERED: {Status.WITHDRAWN},
            Status.CANCELLED: set(),
            Status.WITHDRAWN: set(),
        }
    )
    WITHDRAWABLE_STATUSES = (
        Status.DEPOSIT_PAID,
        Status.CONFIRMED,
        Status.IN_PRODUCTION,
        Status.READY,
        Status.DELIVERED,
    )

    class VatScheme(models.TextChoices):
        NORMAL = "normal", _("TVA sur le prix")
        # CGI art. 297 A: a used car bought from a private person is resold with VAT on the margin.
        MARGIN = "margin", _("TVA sur la marge (art. 297 A du CGI)")

    class PaymentMeans(models.TextChoices):
        CARD = "card", _("Carte bancaire (paiement en ligne)")
        TRANSFER = "transfer", _("Virement")
        BANK_CHEQUE = "bank_cheque", _("Chèque de banque")
        LOAN = "loan", _("Versement de l'organisme de crédit")

    number = models.CharField(_("numéro"), max_length=20, unique=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind)
    status = models.CharField(
        _("statut"), max_length=15, choices=Status, default=Status.DRAFT, db_index=True
    )
    customer = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="orders", verbose_name=_("client")
    )
    dealer = models.ForeignKey(
        "dealers.Dealer",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("concession"),
    )
    stock_vehicle = models.ForeignKey(
        "inventory.StockVehicle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("véhicule en stock"),
    )
    trade_in = models.OneToOneField(
        "tradein.TradeIn",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order",
        verbose_name=_("reprise"),
    )
    deposit_payment = models.OneToOneField(
        "payments.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paiement de l'acompte"),
    )

    # The car as sold, frozen: label, VIN, options, label figures (see ``pricing.vehicle_snapshot``).
    vehicle_label = models.CharField(_("véhicule"), max_length=200)
    vehicle = models.JSONField(_("véhicule (figé)"), default=dict)

    # The buyer as written on the order form.
    first_name = models.CharField(_("prénom"), max_length=80)
    last_name = models.CharField(_("nom"), max_length=80)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("téléphone"), max_length=20)
    street = models.CharField(_("adresse"), max_length=200)
    postcode = models.CharField(_("code postal"), max_length=5)
    city = models.CharField(_("ville"), max_length=100)

    # Totals frozen at ordering, in cents; ``quote`` holds the lines as shown.
    quote = models.JSONField(_("devis (lignes)"), default=list)
    price_ht = models.PositiveIntegerField(_("prix HT"))
    vat_cents = models.PositiveIntegerField(_("TVA"))
    price_ttc = models.PositiveIntegerField(_("prix TTC"))
    malus_cents = models.PositiveIntegerField(_("malus CO2"), default=0)
    registration_cents = models.PositiveIntegerField(_("carte grise (estimation)"), default=0)
    total_ttc = models.PositiveIntegerField(_("total TTC"))
    deposit_cents = models.PositiveIntegerField(_("acompte"))
    # The accepted trade-in offer, deducted from the balance (0 until the buyer accepts one).
    trade_in_cents = models.PositiveIntegerField(_("reprise"), default=0)
    commission_cents = models.PositiveIntegerField(_("commission concession"), default=0)

    vat_scheme = models.CharField(
        _("régime de TVA"), max_length=10, choices=VatScheme, default=VatScheme.NORMAL
    )
    # Margin scheme only: the dealer's purchase price, the base of the VAT on the margin.
    purchase_price_cents = models.PositiveIntegerField(
        _("prix d'achat du véhicule par la concession"), null=True, blank=True
    )
    # Whether the registration taxes are collected by the seller (then inside the contract
    # total) or paid by the buyer to the State (a line outside the total).
    registration_collected = models.BooleanField(
        default=True, verbose_name=_("carte grise encaissée par le vendeur")
    )
    # L216-1: the date (or last day) the seller commits to deliver; a factory order's planned week.
    delivery_by = models.DateField(_("livraison au plus tard le"), null=True, blank=True)
    flash_purchase_ref = models.CharField(
        max_length=24, blank=True, db_index=True, verbose_name=_("achat en vente flash")
    )

    contract_at = models.DateTimeField(_("date du contrat"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("livrée le"), null=True, blank=True)
    # The balance paid at delivery and how (L221-24: refunded with the same means of payment).
    balance_paid_cents = models.PositiveIntegerField(_("solde encaissé"), default=0)
    balance_means = models.CharField(
        _("moyen de paiement du solde"), max_length=12, choices=PaymentMeans, blank=True
    )
    # Withdrawal after delivery (L221-18, L221-23, L221-24).
    withdrawn_at = models.DateTimeField(_("rétractation le"), null=True, blank=True)
    refund_due_by = models.DateField(_("remboursement dû au plus tard le"), null=True, blank=True)
    returned_at = models.DateTimeField(_("véhicule restitué le"), null=True, blank=True)
    return_mileage_km = models.PositiveIntegerField(
        _("kilométrage au retour"), null=True, blank=True
    )
    return_condition = models.CharField(_("état au retour"), max_length=500, blank=True)
    reduced_value_cents = models.PositiveIntegerField(_("dépréciation retenue"), default=0)
    reduced_value_reason = models.CharField(
        _("motif de la dépréciation"), max_length=300, blank=True
    )
    refunded_cents = models.PositiveIntegerField(_("montant remboursé"), default=0)
    refunded_at = models.DateTimeField(_("remboursée le"), null=True, blank=True)
    cancel_reason = models.CharField(_("motif"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("clé d'idempotence"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The database itself refuses a second live order on the same stock vehicle.
            models.UniqueConstraint(
                fields=["stock_vehicle"],
                condition=Q(status__in=HOLDING_STATUSES),
                name="order_one_live_order_per_vehicle",
            ),
            models.CheckConstraint(
                condition=Q(kind="factory") | Q(stock_vehicle__isnull=False),
                name="order_stock_kind_has_vehicle",
            ),
        ]
        indexes = [
            models.Index(fields=["dealer", "status", "-created_at"], name="order_dealer_status")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance_cents(self) -> int:
        """What remains to pay at delivery: the total, less the deposit and the accepted trade-in."""
        return max(0, self.total_ttc - self.deposit_cents - self.trade_in_cents)

    @property
    def paid_cents(self) -> int:
        """Every sum the buyer paid: the deposit once the contract is made, the balance once paid."""
        return (self.deposit_cents if self.contract_at else 0) + self.balance_paid_cents

    @property
    def contract_total_cents(self) -> int:
        """What the buyer pays the seller: registration taxes not collected by the seller are
        paid by the buyer at registration and stay outside the contract."""
        return self.total_ttc

    @property
    def buyer_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class OrderEvent(models.Model):
    """A status change (``from_status`` ≠ ``to_status``) or a note on the timeline (equal)."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("commande")
    )
    from_status = models.CharField(
        _("statut avant"), max_length=15, blank=True, choices=Order.Status
    )
    to_status = models.CharField(_("statut après"), max_length=15, choices=Order.Status)
    by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("auteur")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # A note that one of the order's e-mails did not leave: badged in the dealer's list.
    email_failed = models.BooleanField(_("e-mail non envoyé"), default=False)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement de la commande")
        verbose_name_plural = _("historique de la commande")
        ordering = ["created_at", "id"]

    @property
    def is_transition(self) -> bool:
        return self.from_status != self.to_status
