"""Receivers of allauth's signals: the audit trail of linking, unlinking and logins, and the
provider's second factor trusted when the settings say so."""

import django_otp
from allauth.account.signals import user_logged_in
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.dispatch import receiver

from accounts.audit import record_event
from federation.adapter import asserted_second_factor, claims_of
from federation.app_settings import app_settings
from federation.audit_actions import Action
from federation.models import ProviderSecondFactor


@receiver(social_account_added)
def _linked(sender, request, sociallogin, **kwargs) -> None:
    record_event(
        action=Action.LINKED,
        actor=request.user,
        target=sociallogin.user,
        data={"provider": sociallogin.account.provider, "uid": sociallogin.account.uid},
        request=request,
    )


@receiver(social_account_removed)
def _unlinked(sender, request, socialaccount, **kwargs) -> None:
    record_event(
        action=Action.UNLINKED,
        actor=request.user,
        target=socialaccount.user,
        data={"provider": socialaccount.provider, "uid": socialaccount.uid},
        request=request,
    )


@receiver(user_logged_in)
def _logged_in(sender, request, user, sociallogin=None, **kwargs) -> None:
    if sociallogin is None:
        return
    claims = claims_of(sociallogin)
    mfa = asserted_second_factor(claims)
    trusted = mfa and app_settings.TRUST_PROVIDER_MFA
    record_event(
        action=Action.LOGIN,
        actor=user,
        target=user,
        data={
            "provider": sociallogin.account.provider,
            "amr": claims.get("amr") or [],
            "acr": str(claims.get("acr") or ""),
            "second_factor_trusted": trusted,
        },
        request=request,
    )
    if trusted:
        device, _ = ProviderSecondFactor.objects.get_or_create(
            user=user, defaults={"name": app_settings.NAME, "confirmed": True}
        )
        django_otp.login(request, device)
        record_event(action=Action.MFA_TRUSTED, actor=user, target=user, request=request)
