"""People: buyers, dealer staff and head-office staff, all signing in by e-mail."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, kind=User.Kind.HEAD_OFFICE)
        return self._create(email, password, **extra)


class User(AbstractUser):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Client")
        DEALER = "dealer", _("Personnel concession")
        HEAD_OFFICE = "head_office", _("Siège")

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("adresse e-mail"), unique=True)
    kind = models.CharField(_("type de compte"), max_length=20, choices=Kind, default=Kind.CUSTOMER)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    # What the buyer's forms are pre-filled with (lead, checkout, trade-in): the delivery address,
    # and a billing address only when it differs (blank means "the same").
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    street = models.CharField(_("adresse de livraison"), max_length=200, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    billing_street = models.CharField(_("adresse de facturation"), max_length=200, blank=True)
    billing_postcode = models.CharField(_("code postal de facturation"), max_length=5, blank=True)
    billing_city = models.CharField(_("ville de facturation"), max_length=100, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Signs in by e-mail, so not django.contrib.auth's username-based UserManager the stubs expect.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        return self.email

    @property
    def is_head_office(self) -> bool:
        return self.is_active and (self.kind == self.Kind.HEAD_OFFICE or self.is_superuser)

    @property
    def is_dealer_staff(self) -> bool:
        return self.is_active and self.kind == self.Kind.DEALER


class AccountEmailFailure(models.Model):
    """An account e-mail (activation, password reset, « vous avez déjà un compte ») that did not
    leave: head office sees every one in the admin; the account's owner is told on the next
    sign-in, once the password proved who they are (issue 10)."""

    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email_failures",
        verbose_name=_("compte"),
    )
    address = models.CharField(_("adresse"), max_length=254)
    subject = models.CharField(_("objet"), max_length=200)
    error = models.CharField(_("erreur"), max_length=500)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)
    shown_at = models.DateTimeField(_("signalé au client le"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail de compte non envoyé")
        verbose_name_plural = _("e-mails de compte non envoyés")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.subject} → {self.address}"
