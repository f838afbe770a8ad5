"""allauth's social-account adapter for the federation: the linking rules, the claims that
fill the account, a time budget for the provider, and an audit event for every failure."""

import logging
import time
from typing import Any

import requests
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse

from accounts.audit import record_event
from accounts.languages import EmailLanguage
from federation.app_settings import MFA_AMR_VALUES, app_settings
from federation.audit_actions import Action
from federation.selectors import claims_of_account

logger = logging.getLogger("cpms.federation")


class DeadlineSession(requests.Session):
    """Every call ends by the deadline, so the calls of one page end together by it."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def request(self, method, url, *args, **kwargs):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise requests.Timeout(f"No time left for {url}")
        kwargs["timeout"] = remaining
        return super().request(method, url, *args, **kwargs)


def claims_of(sociallogin) -> dict[str, Any]:
    """The ID token's claims, with the user info's over them (what allauth stores)."""
    return claims_of_account(sociallogin.account)


def email_language_of(claims: dict[str, Any]) -> str:
    """The e-mail language from the ``locale`` claim ("pl", "pl-PL", "pl_PL"), or ""."""
    locale = str(claims.get("locale") or "").replace("_", "-").split("-")[0].lower()
    return locale if locale in EmailLanguage.values else ""


def asserted_second_factor(claims: dict[str, Any]) -> bool:
    """Whether the provider says a second factor was used (RFC 8176 ``amr``, or ``acr``)."""
    amr = claims.get("amr")
    methods = {str(m) for m in amr} if isinstance(amr, list) else set()
    return bool(methods & set(MFA_AMR_VALUES)) or (
        str(claims.get("acr") or "") in app_settings.MFA_ACR_VALUES
    )


def _verified_email(sociallogin) -> str:
    return next((a.email for a in sociallogin.email_addresses if a.verified), "")


def _local_account(email: str):
    """The portal account that holds ``email`` (any of its addresses), if one does."""
    if not email:
        return None
    users = get_user_model().objects
    return users.filter(Q(email__iexact=email) | Q(emailaddress__email__iexact=email)).first()


class FederationAdapter(DefaultSocialAccountAdapter):
    def get_requests_session(self):
        # One budget per page of the portal: discovery, token, keys and user info share it.
        from allauth.core import context

        request = context.request
        deadline = getattr(request, "_federation_deadline", None)
        if deadline is None:
            deadline = time.monotonic() + app_settings.TIMEOUT_SECONDS
            if request is not None:
                request._federation_deadline = deadline
        return DeadlineSession(deadline)

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin) -> bool:
        # The privacy statement is acknowledged by the person, always: the form asks it,
        # and only what the claims do not give besides.
        return False

    def populate_user(self, request: HttpRequest, sociallogin, data: dict):
        user = super().populate_user(request, sociallogin, data)
        user.email_language = email_language_of(claims_of(sociallogin)) or "en"
        return user

    def get_signup_form_initial_data(self, sociallogin) -> dict:
        initial = super().get_signup_form_initial_data(sociallogin)
        initial["email_language"] = email_language_of(claims_of(sociallogin))
        return initial

    def save_user(self, request: HttpRequest, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        record_event(
            action=Action.SIGNUP,
            actor=user,
            target=user,
            data={"provider": sociallogin.account.provider, "uid": sociallogin.account.uid},
            request=request,
        )
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        if sociallogin.is_existing:
            return
        process = (sociallogin.state or {}).get("process")
        if process == "connect":
            self._check_connect(request, sociallogin)
            return
        email = next((a.email for a in sociallogin.email_addresses), "")
        user = _local_account(email)
        if user is None:
            return
        # Never by e-mail match alone: the person proves the local account, then links.
        verified = bool(_verified_email(sociallogin))
        self._refuse(
            request,
            sociallogin,
            user=user,
            reason="email_match" if verified else "email_unverified",
            template="federation/link_required.html",
            context={"verified": verified},
            status=200,  # an answer with the way on, not an error
        )

    def _check_connect(self, request: HttpRequest, sociallogin) -> None:
        user = request.user
        verified_email = _verified_email(sociallogin)
        if not (user.is_authenticated and user.is_verified()):
            reason = "second_factor"
        elif not verified_email:
            reason = "email_unverified"
        elif (
            not EmailAddress.objects.filter(
                user=user, email__iexact=verified_email, verified=True
            ).exists()
            and verified_email.lower() != user.email.lower()
        ):
            reason = "email_differs"
        else:
            return
        self._refuse(
            request,
            sociallogin,
            user=user if user.is_authenticated else None,
            reason=reason,
            template="federation/link_refused.html",
            context={"reason": reason, "provider_email": verified_email},
        )

    def _refuse(
        self, request, sociallogin, *, user, reason, template, context, status=403
    ) -> None:
        record_event(
            action=Action.LINK_REFUSED,
            actor=request.user if request.user.is_authenticated else None,
            target=user,
            data={"provider": sociallogin.account.provider, "reason": reason},
            request=request,
        )
        raise ImmediateHttpResponse(
            render(
                request,
                template,
                {"provider_name": app_settings.NAME, **context},
                status=status,
            )
        )

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        detail = str(exception)[:200] if exception else ""
        logger.warning("federated login failed: %s %s %s", error, type(exception).__name__, detail)
        record_event(
            action=Action.LOGIN_FAILED,
            data={
                "provider": getattr(provider, "id", ""),
                "error": str(error or ""),
                "exception": type(exception).__name__ if exception else "",
                "detail": detail,
            },
            request=request,
        )

    def get_connect_redirect_url(self, request: HttpRequest, socialaccount) -> str:
        return reverse("accounts:profile")
