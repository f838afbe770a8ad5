"""The portal's adapter of django-allauth's OpenID provider (``IDP_OIDC_ADAPTER``):
the issuer, the subject, the claims (memberships of the client's application, the
second factor used) and the signing keys."""

from collections.abc import Iterable
from typing import Any, Literal

from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context
from allauth.idp.oidc.internal.private_keys import filter_keys
from allauth.idp.oidc.models import Client, PrivateKey
from django.utils.translation import gettext_lazy as _

from accounts.app_settings import app_settings as accounts_settings
from oidc_provider import keys, selectors
from oidc_provider.models import GrantAuthentication, Subject

MEMBERSHIPS_SCOPE = "memberships"
# The Authentication Context Class of a login with a password and a second factor.
ACR_MFA = "urn:cpms-portal:acr:mfa"


class PortalOIDCAdapter(DefaultOIDCAdapter):
    scope_display = {
        "openid": _("Know who you are (an identifier that is yours for this application)"),
        "email": _("See your e-mail address"),
        "profile": _("See your name and language"),
        MEMBERSHIPS_SCOPE: _(
            "See your access profiles for this application (network, institution, profile)"
        ),
    }

    def get_issuer(self) -> str:
        # The public address, not the Host header: tokens name one issuer however the
        # request reached the portal.
        return accounts_settings.SITE_URL

    def get_user_sub(self, client: Client, user: Any) -> str:
        subject, _created = Subject.objects.get_or_create(user=user)
        return subject.sub

    def get_user_by_sub(self, client: Client, sub: str) -> Any:
        subject = Subject.objects.filter(sub=sub).select_related("user").first()
        if subject is None or not subject.user.is_active:
            return None
        return subject.user

    def get_claims(
        self,
        purpose: Literal["id_token", "userinfo"],
        user: Any,
        client: Client,
        scopes: Iterable[str],
        email: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        scopes = list(scopes)
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        if "profile" in scopes:
            claims["locale"] = user.email_language
        if MEMBERSHIPS_SCOPE in scopes:
            application = selectors.application_of(client)
            claims["memberships"] = (
                selectors.membership_claims(user, application) if application else []
            )
        return claims

    def populate_id_token(
        self, id_token: dict[str, Any], client: Client, scopes: Iterable[str], **kwargs: Any
    ) -> None:
        ctx = get_validator_context()
        grant_id = ctx.grant_id or (
            ctx.refresh_token.get_grant_id() if ctx.refresh_token else None
        )
        grant = GrantAuthentication.objects.filter(grant_id=grant_id).first() if grant_id else None
        if grant is not None:
            id_token["amr"] = grant.methods
            id_token["acr"] = ACR_MFA
            id_token["auth_time"] = int(grant.auth_time.timestamp())

    def populate_server_metadata(self, data: dict[str, Any]) -> None:
        # What the portal's clients can use: the code flow (PKCE) and refresh tokens.
        data.pop("device_authorization_endpoint", None)
        data["grant_types_supported"] = ["authorization_code", "refresh_token"]
        data["response_types_supported"] = ["code"]
        data["scopes_supported"] = ["openid", "email", "profile", MEMBERSHIPS_SCOPE]
        data["claims_supported"] = [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "acr",
            "email", "email_verified", "name", "given_name", "family_name", "locale",
            "memberships",
        ]  # fmt: skip
        data["acr_values_supported"] = [ACR_MFA]

    def list_private_keys(
        self,
        *,
        did_activate: Literal[True] | None = None,
        is_active: Literal[True] | None = None,
    ) -> list[PrivateKey]:
        return filter_keys(keys.configured_keys(), did_activate=did_activate, is_active=is_active)
