"""Writes of the accounts app: each one atomic, audited, and mailed on commit."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django_otp import device_classes

from accounts.app_settings import app_settings
from accounts.audit import record_event
from accounts.mail import queue_mail_to_user
from accounts.models import AuditEvent, User


def reset_second_factor(*, user: User, actor: User, request: HttpRequest | None = None) -> int:
    """Remove every second-factor device of ``user`` (SMS, TOTP, backup codes, security
    keys) and end their sessions: at the next login they must verify a phone again.

    Returns how many devices were removed.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        removed: dict[str, int] = {}
        for device_class in device_classes():
            count, _by_model = device_class.objects.filter(user=locked).delete()
            if count:
                removed[device_class._meta.label_lower] = count
        # A lost phone may be in someone else's hands: sessions verified with it end too.
        locked.session_epoch = F("session_epoch") + 1
        locked.save(update_fields=["session_epoch"])
        locked.refresh_from_db(fields=["session_epoch"])
        record_event(
            action=AuditEvent.Action.MFA_RESET,
            actor=actor,
            target=locked,
            data={"removed": removed},
            request=request,
        )
        queue_mail_to_user(
            user=locked, template_prefix="accounts/email/second_factor_reset", context={}
        )
    return sum(removed.values())


def _last_seen():
    # An account that never logged in counts from the day it was created.
    return Coalesce("last_login", "date_joined")


def warn_inactive_users(*, now: datetime | None = None) -> int:
    """Warn, once, each active account that will be disabled for inactivity in
    ``INACTIVITY_WARNING_DAYS``. Returns how many were warned."""
    now = now or timezone.now()
    limit = now - timedelta(
        days=app_settings.INACTIVITY_DISABLE_DAYS - app_settings.INACTIVITY_WARNING_DAYS
    )
    candidates = (
        User.objects.filter(is_active=True, is_superuser=False)
        .alias(last_seen=_last_seen())
        .filter(last_seen__lte=limit)
        # A warning given before the last login belongs to an earlier idle spell.
        .filter(Q(inactivity_warned_at__isnull=True) | Q(inactivity_warned_at__lt=F("last_seen")))
    )
    warned = 0
    for user in candidates.iterator():
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(inactivity_warned_at=now)
            queue_mail_to_user(
                user=user,
                template_prefix="accounts/email/inactivity_warning",
                context={
                    "disable_on": now + timedelta(days=app_settings.INACTIVITY_WARNING_DAYS),
                    "SITE_URL": app_settings.SITE_URL,
                },
            )
        warned += 1
    return warned


def disable_inactive_users(*, now: datetime | None = None) -> int:
    """Disable accounts idle for ``INACTIVITY_DISABLE_DAYS`` whose warning went out at
    least ``INACTIVITY_WARNING_DAYS`` ago. Returns how many were disabled."""
    now = now or timezone.now()
    idle_since = now - timedelta(days=app_settings.INACTIVITY_DISABLE_DAYS)
    warned_before = now - timedelta(days=app_settings.INACTIVITY_WARNING_DAYS)
    candidates = (
        User.objects.filter(is_active=True, is_superuser=False)
        .alias(last_seen=_last_seen())
        .filter(
            last_seen__lte=idle_since,
            inactivity_warned_at__lte=warned_before,
            inactivity_warned_at__gte=F("last_seen"),
        )
    )
    disabled = 0
    for user in candidates.iterator():
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(is_active=False)
            record_event(
                action=AuditEvent.Action.ACCOUNT_DISABLED,
                actor=None,
                target=user,
                data={"reason": "inactivity", "last_login": str(user.last_login or "")},
            )
            queue_mail_to_user(
                user=user, template_prefix="accounts/email/account_disabled", context={}
            )
        disabled += 1
    return disabled
