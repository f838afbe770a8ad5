"""Reads of the OpenID provider: which application a client is, who may use it."""

from typing import Any

from allauth.idp.oidc.models import Client
from django.utils import timezone

from access_requests.models import Application, Membership
from accounts.models import User
from oidc_provider.models import ClientApplication, Consent


def application_of(client: Client | str) -> Application | None:
    """The application a client logs users in to (None: a client nobody assigned)."""
    client_id = client if isinstance(client, str) else client.pk
    link = ClientApplication.objects.filter(client_id=client_id).select_related("application")
    found = link.first()
    return found.application if found else None


def active_memberships(user: User, application: Application):
    return (
        Membership.objects.active(timezone.now())
        .filter(user=user, institution__application=application)
        .select_related("network", "institution", "institution__parent", "profile")
        .order_by("network__code", "institution__code", "profile__position")
    )


def may_use(user: User | None, client: Client | str) -> bool:
    """An active account with an active membership for the client's application."""
    if user is None or not user.is_active:
        return False
    application = application_of(client)
    return application is not None and active_memberships(user, application).exists()


def membership_claims(user: User, application: Application) -> list[dict[str, Any]]:
    """The ``memberships`` claim: what the administrators granted for this application."""
    claims = []
    for m in active_memberships(user, application):
        country = m.institution.parent
        claims.append(
            {
                "network": {"code": m.network.code, "name": m.network.name},
                "country": country.country_code if country else m.institution.country_code,
                "institution": {"code": m.institution.code, "name": m.institution.name},
                "profile": {"code": m.profile.code, "name": m.profile.name},
                "expires_at": m.expires_at.isoformat() if m.expires_at else None,
            }
        )
    return claims


def consents_of(user: User):
    """The applications the user allowed, newest first, with their application."""
    return (
        Consent.objects.filter(user=user)
        .select_related("client", "client__portal_application__application")
        .order_by("-granted_at")
    )


def remembered_consent(user: User, client_id: str, scopes: list[str]) -> bool:
    """The user allowed this client every one of ``scopes`` before."""
    consent = Consent.objects.filter(user=user, client_id=client_id).first()
    return consent is not None and set(scopes) <= set(consent.scopes)
