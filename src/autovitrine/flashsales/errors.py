"""Buyer-facing refusals of flash sales: a stable code, an HTTP status and a French message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# code -> (HTTP status, message); codes are part of the API contract.
REFUSALS = {
    "not_open": (409, _("Cette vente n'est pas ouverte.")),
    "sold_out": (409, _("Toutes les voitures de cette vente sont vendues.")),
    "closed": (409, _("Cette vente est terminée.")),
    "customers_only": (403, _("Seuls les comptes clients peuvent participer à une vente flash.")),
    "rate_limited": (429, _("Trop de tentatives : patientez une minute avant de réessayer.")),
    "new_account_limited": (
        429,
        _(
            "Trop de comptes tout juste créés rejoignent la file depuis votre réseau : "
            "patientez une minute avant de réessayer."
        ),
    ),
    "account_too_new": (
        403,
        _(
            "Votre compte vient d'être créé : il pourra rejoindre la file de cette vente "
            "un peu plus tard."
        ),
    ),
    "pow_harder": (
        409,
        _(
            "Beaucoup de places ont déjà été prises depuis votre réseau : la vérification "
            "anti-robot demande un peu plus de temps. Elle reprend d'elle-même."
        ),
    ),
    "challenge_expired": (
        409,
        _(
            "La page est restée ouverte longtemps : la vérification anti-robot reprend "
            "d'elle-même avec un nouveau défi."
        ),
    ),
    "pow_invalid": (
        400,
        _("La vérification anti-robot a échoué. Rechargez la page et réessayez."),
    ),
    "removed": (403, _("Votre compte a été retiré de la file d'attente de cette vente.")),
    "already_bought": (
        409,
        _("Vous avez déjà acheté le nombre maximal de voitures de cette vente."),
    ),
    "token_invalid": (
        403,
        _("Votre accès à la réservation n'est pas valable. Revenez à la file d'attente."),
    ),
    "token_expired": (
        403,
        _(
            "Votre tour est passé : le délai pour réserver est dépassé. Rejoignez la file à nouveau."
        ),
    ),
    "admission_used": (409, _("Cet accès à la réservation a déjà été utilisé.")),
    "not_in_queue": (409, _("Vous n'êtes pas dans la file d'attente de cette vente.")),
    "already_holding": (409, _("Vous avez déjà une voiture réservée dans cette vente.")),
    "limit_reached": (
        409,
        _("Vous avez atteint la limite de voitures par client pour cette vente."),
    ),
    "no_unit": (
        409,
        _(
            "Toutes les voitures sont réservées ou vendues pour le moment. Si un paiement "
            "n'aboutit pas, une voiture se libère : réessayez dans un instant."
        ),
    ),
    "hold_expired": (409, _("Votre réservation a expiré : la voiture a été remise en vente.")),
    "hold_not_active": (409, _("Cette réservation n'est plus en cours.")),
    "payment_unavailable": (
        503,
        _(
            "Le service de paiement ne répond pas : votre réservation tient toujours, "
            "réessayez dans un instant."
        ),
    ),
    "dealer_choice_closed": (400, _("Cette vente ne permet pas de choisir la concession.")),
    "dealer_unknown": (400, _("Choisissez une concession du réseau de la marque.")),
    "queue_unavailable": (
        503,
        _("La file d'attente redémarre : réessayez dans quelques secondes."),
    ),
    "database_unavailable": (
        503,
        _("Le service est momentanément indisponible : réessayez dans quelques secondes."),
    ),
}


# A service that is briefly down (Redis restarting, the provider slow): the page polls again after
# this many seconds (``Retry-After`` header, and ``retry_ms`` in the JSON for the script).
RETRY_SECONDS = {"queue_unavailable": 5, "payment_unavailable": 5, "database_unavailable": 5}


class FlashSaleRefusal(Exception):
    """Raised by services when a buyer's request cannot be honoured; never a half-written change."""

    def __init__(
        self, code: str, *, retry_seconds: int | None = None, extra: dict | None = None
    ) -> None:
        status, message = REFUSALS[code]
        super().__init__(str(message))
        self.code = code
        self.status = status
        self.message = message
        self.retry_seconds = retry_seconds or RETRY_SECONDS.get(code)
        # What the page needs to carry on by itself (a fresh challenge for "pow_harder" and
        # "challenge_expired").
        self.extra = extra or {}

    def payload(self) -> dict:
        """The API's error envelope, with ``retry_ms`` when trying again later will work."""
        body: dict = {"error": {"code": self.code, "message": str(self.message), "details": []}}
        if self.retry_seconds:
            body["retry_ms"] = self.retry_seconds * 1000
        body.update(self.extra)
        return body

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_seconds)} if self.retry_seconds else {}
