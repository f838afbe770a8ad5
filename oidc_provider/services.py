"""Every write of the OpenID provider, audited: consent, the grant's authentication,
tokens ended when access ends, and the clients the administrators register."""

from datetime import datetime

from allauth.idp.oidc.models import Client, Token
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from access_requests.models import Application, Membership
from accounts.audit import record_event
from accounts.models import AuditEvent, User
from oidc_provider.audit_actions import Action
from oidc_provider.middleware import forget_client_origins
from oidc_provider.models import ClientApplication, Consent, GrantAuthentication

# The second factor's kind as RFC 8176 names it (Authentication Method Reference).
AMR_OF_DEVICE = {
    "accounts.smsdevice": "sms",
    "otp_totp.totpdevice": "otp",
    "otp_static.staticdevice": "otp",
    "accounts.recoverycodedevice": "otp",
    "django_otp_webauthn.webauthncredential": "hwk",
}


def authentication_methods(request: HttpRequest) -> list[str]:
    """``amr`` of the session: the password, then the second factor verified in it."""
    device = getattr(request.user, "otp_device", None)
    methods = ["pwd"]
    if device is not None:
        kind = AMR_OF_DEVICE.get(device._meta.label_lower, "otp")
        methods += [kind, "mfa"]
    return methods


@transaction.atomic
def remember_consent(
    *, user: User, client: Client, scopes: list[str], request: HttpRequest | None = None
) -> Consent:
    """The user allowed ``client`` these scopes: asked once, until withdrawn."""
    consent, created = Consent.objects.get_or_create(
        user=user, client=client, defaults={"scopes": sorted(scopes)}
    )
    if not created:
        consent.scopes = sorted(set(consent.scopes) | set(scopes))
        consent.granted_at = timezone.now()
        consent.save(update_fields=["scopes", "granted_at"])
    record_event(
        action=Action.CONSENT_GIVEN,
        actor=user,
        target=client,
        data={"client": client.name, "scopes": consent.scopes},
        request=request,
    )
    return consent


@transaction.atomic
def withdraw_consent(*, user: User, client_id: str, request: HttpRequest | None = None) -> bool:
    """The user takes an application's access back: its consent and tokens go."""
    consent = Consent.objects.filter(user=user, client_id=client_id).select_related("client")
    found = consent.first()
    if found is None:
        return False
    ended = Token.objects.filter(user=user, client_id=client_id).delete()[0]
    found.delete()
    record_event(
        action=Action.CONSENT_WITHDRAWN,
        actor=user,
        target=found.client,
        data={"client": found.client.name, "tokens_ended": ended},
        request=request,
    )
    return True


def record_grant_authentication(
    *, grant_id: str, user: User, client: Client, request: HttpRequest, auth_time: datetime
) -> None:
    """How the user signed in for this grant: the ``amr`` and ``auth_time`` of its tokens."""
    GrantAuthentication.objects.update_or_create(
        grant_id=grant_id,
        defaults={
            "user": user,
            "client": client,
            "methods": authentication_methods(request),
            "auth_time": auth_time,
        },
    )


def record_token_issued(
    *, user: User | None, client: Client, grant_type: str, request: HttpRequest
) -> None:
    record_event(
        action=Action.TOKEN_ISSUED,
        actor=user,
        target=client,
        data={"client": client.name, "grant_type": grant_type},
        request=request,
    )


def refuse_token(
    *, user: User | None, client: Client, reason: str, request: HttpRequest, grant: str = ""
) -> None:
    """A token or userinfo answer refused because access ended: the user's tokens for
    the client go too, and the refusal is audited."""
    if user is not None:
        Token.objects.filter(user=user, client=client).delete()
    record_event(
        action=Action.TOKEN_REFUSED,
        actor=None,
        target=client,
        data={"client": client.name, "reason": reason, "grant": grant, "user": user and user.pk},
        request=request,
    )


def record_authorization_refused(
    *, user: User, client: Client, reason: str, request: HttpRequest
) -> None:
    record_event(
        action=Action.AUTHORIZATION_REFUSED,
        actor=user,
        target=client,
        data={"client": client.name, "reason": reason},
        request=request,
    )


def revoke_tokens(*, user_id: int, application: Application | None, reason: str) -> int:
    """End the user's tokens of every client of ``application`` (None: of every client),
    audited when any existed. Returns how many ended."""
    tokens = Token.objects.filter(user_id=user_id)
    if application is not None:
        tokens = tokens.filter(client__portal_application__application=application)
    ended = tokens.delete()[0]
    if ended:
        record_event(
            action=Action.TOKENS_REVOKED,
            target=User.objects.filter(pk=user_id).first(),
            data={
                "reason": reason,
                "application": application.code if application else None,
                "tokens_ended": ended,
            },
        )
    return ended


def end_tokens_after(event: AuditEvent) -> None:
    """The follower of the facts that end an application's access (registered in
    ``OIDCProviderConfig.ready``): a membership revoked or expired ends the tokens of
    its application; a disabled account or a reset second factor ends all of them."""
    if event.target_type == Membership._meta.label_lower:
        membership = (
            Membership.objects.filter(pk=event.target_id)
            .select_related("institution__application")
            .first()
        )
        if membership is not None:
            revoke_tokens(
                user_id=membership.user_id,
                application=membership.institution.application,
                reason=event.action,
            )
    elif event.target_type == User._meta.label_lower and event.target_id:
        revoke_tokens(user_id=int(event.target_id), application=None, reason=event.action)


@transaction.atomic
def save_client(
    *,
    client: Client,
    application: Application,
    created: bool,
    actor: User | None,
    request: HttpRequest | None = None,
) -> Client:
    """An administrator (None: an operator's command) registers or changes an
    application's client, audited."""
    client.save()
    transaction.on_commit(forget_client_origins)
    ClientApplication.objects.update_or_create(
        client=client, defaults={"application": application}
    )
    record_event(
        action=Action.CLIENT_REGISTERED if created else Action.CLIENT_CHANGED,
        actor=actor,
        target=client,
        data={
            "client": client.name,
            "application": application.code,
            "type": client.type,
            "redirect_uris": client.get_redirect_uris(),
            "scopes": client.get_scopes(),
        },
        request=request,
    )
    return client


@transaction.atomic
def delete_client(*, client: Client, actor: User, request: HttpRequest | None = None) -> None:
    """An administrator removes a client: its tokens and consents go with it, audited."""
    record_event(
        action=Action.CLIENT_DELETED,
        actor=actor,
        target=client,
        data={"client": client.name, "tokens_ended": Token.objects.filter(client=client).count()},
        request=request,
    )
    client.delete()
    transaction.on_commit(forget_client_origins)
