"""Audit of authentication events that Django and allauth announce by signal.

The receivers only forward to services (which write the audit row), so the
admin login, allauth's pages and any other login path are audited alike.
"""

from allauth.account import signals as allauth_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from accounts import services, sessions


@receiver(auth_signals.user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender, request, user, **kwargs):
    services.record_login(user=user, request=request)


@receiver(allauth_signals.user_logged_in, dispatch_uid="accounts.note_login_browser")
def note_login_browser(sender, request, user, response=None, **kwargs):
    # allauth's signal, not Django's: every interactive login (password, federated, after
    # a reset) sends it, with the response that sets the browser's cookie.
    # allauth.usersessions' own receiver (its app is readied first) just wrote the row.
    sessions.note_tracked(request)
    sessions.note_login_browser(request=request, response=response, user=user)


@receiver(auth_signals.user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    email = credentials.get("email") or credentials.get("username") or ""
    services.record_login_failed(email=str(email), request=request)


@receiver(auth_signals.user_logged_out, dispatch_uid="accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        services.record_logout(user=user, request=request)


@receiver(allauth_signals.email_confirmed, dispatch_uid="accounts.audit_email_confirmed")
def audit_email_confirmed(sender, request, email_address, **kwargs):
    services.record_email_verified(email_address=email_address, request=request)


@receiver(allauth_signals.email_changed, dispatch_uid="accounts.audit_email_changed")
def audit_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    if from_email_address is None:
        return  # the first address verified after sign-up: audited as e-mail verified
    services.record_email_changed(
        user=user,
        from_email=from_email_address.email,
        to_email=to_email_address.email,
        request=request,
    )
