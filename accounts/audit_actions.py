"""The registry of audit actions, and the accounts app's own.

``AuditEvent`` lives in the bottom app so that every app can write it, but the
bottom app cannot know the upper apps' actions. Each app therefore declares its
actions as a ``TextChoices`` in its own ``audit_actions.py`` and registers them in
its ``AppConfig.ready()`` (as Wagtail's log action registry does). The model field's
choices are a callable reading this registry, so a new action needs no migration of
``accounts``, and ``record_event`` refuses an action nobody registered.
"""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import AuditEvent


class AuditActionRegistry:
    """Action codes (stored, at most 32 characters) and their labels, per owning app."""

    MAX_LENGTH = 32

    def __init__(self) -> None:
        self._labels: dict[str, str | Promise] = {}
        self._owners: dict[str, str] = {}
        self._followers: dict[str, list[Callable[[AuditEvent], Any]]] = {}

    def register(self, actions: type[models.TextChoices], *, app_label: str) -> None:
        """Add an app's actions; a code taken by another app is a configuration error."""
        for action in actions:
            value = str(action.value)
            if len(value) > self.MAX_LENGTH:
                raise ImproperlyConfigured(f"Audit action {value!r} is over 32 characters.")
            owner = self._owners.get(value)
            if owner is not None and owner != app_label:
                raise ImproperlyConfigured(
                    f"Audit action {value!r} of {app_label} is already registered by {owner}."
                )
            self._labels[value] = action.label
            self._owners[value] = app_label

    def __contains__(self, value: object) -> bool:
        return value in self._labels

    def choices(self) -> list[tuple[str, str | Promise]]:
        return list(self._labels.items())

    def owner(self, value: str) -> str | None:
        """The app label that registered ``value``."""
        return self._owners.get(value)

    def follow(self, actions: Iterable[str], callback: Callable[["AuditEvent"], Any]) -> None:
        """The hook by which an upper app acts on a fact recorded below it (the OpenID
        provider ends an application's tokens when a membership is revoked): ``callback``
        runs with each event of ``actions`` in the transaction that records it, so it
        commits or rolls back with the change. Called from the app's ``AppConfig.ready``."""
        for action in actions:
            followers = self._followers.setdefault(str(action), [])
            if callback not in followers:
                followers.append(callback)

    def followers(self, action: str) -> list[Callable[["AuditEvent"], Any]]:
        return self._followers.get(action, [])


registry = AuditActionRegistry()


def action_choices() -> list[tuple[str, str | Promise]]:
    """The model field's choices: every registered action (a callable, read when used)."""
    return registry.choices()


class Action(models.TextChoices):
    """What the accounts app audits: identity, sign-in, second factors, administrators."""

    SIGNUP = "signup", _("Account created")
    EMAIL_VERIFIED = "email_verified", _("E-mail verified")
    PASSWORD_SET = "password_set", _("Password set")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PROFILE_CHANGED = "profile_changed", _("User data changed")
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    PHONE_ADDED = "phone_added", _("Mobile phone added")
    PHONE_VERIFIED = "phone_verified", _("Mobile phone verified")
    SMS_SENT = "sms_sent", _("SMS code sent")
    SMS_FAILED = "sms_failed", _("SMS could not be sent")
    OTP_VERIFIED = "otp_verified", _("Second factor verified")
    OTP_FAILED = "otp_failed", _("Second factor failed")
    MFA_ENROLLED = "mfa_enrolled", _("Second factor enrolled")
    MFA_REMOVED = "mfa_removed", _("Second factor removed")
    MFA_RESET = "mfa_reset", _("Second factor reset by an administrator")
    TOTP_KEYS_ROTATED = "totp_keys_rotated", _("Authenticator-app secrets re-encrypted")
    STAFF_STATUS_CHANGED = "staff_status_changed", _("Administrator rights changed")
    PRIVACY_ACKNOWLEDGED = "privacy_ack", _("Privacy statement acknowledged")
    DATA_EXPORTED = "data_exported", _("Personal data downloaded")
    ACCOUNT_DELETED = "account_deleted", _("Account deleted")
    ACCOUNT_DISABLED = "account_disabled", _("Account disabled")
    ACCOUNT_ENABLED = "account_enabled", _("Account enabled")
    ACCOUNT_CREATED_BY_ADMIN = "account_created_by_admin", _("Account created by an administrator")
    SESSION_ENDED = "session_ended", _("Session ended by its user")
    NEW_BROWSER_LOGIN = "new_browser_login", _("Login from a new browser")
