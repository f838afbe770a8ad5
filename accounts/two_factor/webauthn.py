"""django-otp-webauthn's views, with the portal's rules: a password confirmed again to
register a passkey, every registration and verification audited, and the session key
rotated when a passkey verifies the session (as for every other second factor)."""

import json

from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions, views
from django_otp_webauthn.models import WebAuthnCredential

from accounts.audit import record_event
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditEvent
from accounts.two_factor import services
from accounts.two_factor.selectors import Method


class ReauthenticationNeeded(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "reauthentication_required"
    default_detail = _("Please confirm your password again before adding a security key.")


class BeginRegistrationView(views.BeginCredentialRegistrationView):
    def check_can_register(self):
        if not did_recently_reauthenticate(self.request):
            raise ReauthenticationNeeded()


class CompleteRegistrationView(views.CompleteCredentialRegistrationView):
    request: AuthenticatedHttpRequest  # the package refuses to register for no one

    def check_can_register(self):
        if not did_recently_reauthenticate(self.request):
            raise ReauthenticationNeeded()

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        device = WebAuthnCredential.objects.get(pk=json.loads(response.content)["id"])
        services.record_enrolment(user=self.request.user, device=device, request=self.request)
        return response


class CompleteAuthenticationView(views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        services.complete_second_factor(request=self.request, device=device)
        record_event(
            action=AuditEvent.Action.OTP_VERIFIED,
            actor=self.request.user,
            target=device,
            data={"method": Method.PASSKEY},
            request=self.request,
        )

    def handle_exception(self, exc):
        if self.request.user.is_authenticated:
            record_event(
                action=AuditEvent.Action.OTP_FAILED,
                actor=self.request.user,
                data={"method": Method.PASSKEY, "error": exc.__class__.__name__},
                request=self.request,
            )
        return super().handle_exception(exc)
