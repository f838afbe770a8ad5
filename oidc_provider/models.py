"""What the portal adds to django-allauth's OpenID provider: which application of the
authorisation system a client is, a subject identifier that is not the database id, the
consent a user gave once per client, how each grant was authenticated, and the signing
keys generated on first start."""

import uuid

from allauth.idp.oidc.models import Client
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests.models import Application


def new_subject() -> str:
    return uuid.uuid4().hex


class ClientApplication(models.Model):
    """The application (CPMS, …) an OIDC client logs users in to: its memberships are
    the ones the client may see, and the ones the user needs to be let through."""

    client = models.OneToOneField(
        Client,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="portal_application",
        verbose_name=_("client"),
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("application"),
    )

    class Meta:
        verbose_name = _("application of a client")
        verbose_name_plural = _("applications of clients")

    def __str__(self) -> str:
        return f"{self.client.name} → {self.application.name}"


class Subject(models.Model):
    """The ``sub`` claim of a user: random, stable, never the database id."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_subject"
    )
    sub = models.CharField(max_length=64, unique=True, default=new_subject, editable=False)

    class Meta:
        verbose_name = _("subject identifier")
        verbose_name_plural = _("subject identifiers")

    def __str__(self) -> str:
        return self.sub


class Consent(models.Model):
    """A user allowed a client these scopes; asked once, withdrawn in User Data details."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_consents"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    scopes = models.JSONField(default=list)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="oidc_consent_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.client.name}"


class GrantAuthentication(models.Model):
    """How the user proved who they were for one authorization (``amr``, ``acr`` and
    ``auth_time`` of every ID token issued from it, refreshed ones included)."""

    grant_id = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    methods = models.JSONField(default=list)
    auth_time = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.grant_id


class SigningKey(models.Model):
    """An RSA key generated into the database when none comes from the environment.
    A rotation adds a new one and gives the old one an end: it stays in the JWKS until
    then, so tokens it signed can still be checked."""

    pem = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"signing key of {self.created_at:%Y-%m-%d %H:%M}"
