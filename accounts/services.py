"""Every write of the accounts app: typed, keyword-only, atomic, audited in its transaction."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, ProtectedError, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import device_classes

from accounts import selectors
from accounts.app_settings import app_settings
from accounts.audit import mask_email, record_event
from accounts.mail import queue_mail_to_user
from accounts.models import AuditEvent, OutboundEmail, User

Action = AuditEvent.Action


@transaction.atomic
def register_user(*, user: User, email_language: str, request: HttpRequest | None) -> User:
    """Save a new account from the sign-up form, with the privacy statement it acknowledged."""
    user.email_language = email_language
    user.privacy_version = app_settings.PRIVACY_STATEMENT_VERSION
    user.privacy_acknowledged_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    record_event(
        action=Action.SIGNUP,
        target=user,
        data={
            "email_language": email_language,
            "privacy_version": user.privacy_version,
        },
        request=request,
    )
    return user


@transaction.atomic
def create_user_by_admin(
    *,
    email: str,
    first_name: str,
    last_name: str,
    email_language: str,
    password: str | None,
    actor: User,
    request: HttpRequest | None = None,
) -> User:
    """Create an account as sign-up does (address lowercased, unverified until its owner
    follows a link), audited with the administrator; ``password`` None: an unusable one.

    The privacy statement is left for the person: nobody acknowledges it for them.
    """
    user = User(
        email=email.lower(),
        first_name=first_name,
        last_name=last_name,
        email_language=email_language,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    # The address row allauth's sign-up makes: login and verification depend on it.
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    record_event(
        action=Action.ACCOUNT_CREATED_BY_ADMIN,
        actor=actor,
        target=user,
        data={"email_language": email_language, "usable_password": password is not None},
        request=request,
    )
    return user


@transaction.atomic
def record_email_verified(*, email_address: EmailAddress, request: HttpRequest | None) -> None:
    """Audit that the owner of an address followed its verification link."""
    record_event(
        action=Action.EMAIL_VERIFIED,
        actor=getattr(request, "user", None),
        target=email_address.user,
        data={"primary": email_address.primary},
        request=request,
    )


@transaction.atomic
def set_password(*, user: User, password: str, request: HttpRequest | None) -> None:
    """Set the password: the first one after sign-up is "set", any later one "changed"."""
    first = not user.has_usable_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(
        action=Action.PASSWORD_SET if first else Action.PASSWORD_CHANGED,
        actor=user if getattr(request, "user", None) == user else None,
        target=user,
        request=request,
    )


def record_login(*, user: User, request: HttpRequest | None) -> None:
    """Audit a successful password login."""
    record_event(action=Action.LOGIN, actor=user, target=user, request=request)


def record_login_failed(*, email: str, request: HttpRequest | None) -> None:
    """Audit a failed login; the target is the account when the address names one."""
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    record_event(action=Action.LOGIN_FAILED, target=user, request=request)


def record_logout(*, user: User, request: HttpRequest | None) -> None:
    """Audit a logout."""
    record_event(action=Action.LOGOUT, actor=user, target=user, request=request)


@transaction.atomic
def update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    email_language: str,
    request: HttpRequest | None,
    actor: User | None = None,
) -> list[str]:
    """Change the User Data details; returns the names of the fields that changed.

    ``actor``: the administrator who changes them; None, the user themselves.
    """
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    new = {"first_name": first_name, "last_name": last_name, "email_language": email_language}
    changed = [name for name, value in new.items() if getattr(user, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(user, name, new[name])
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=changed)
    record_event(
        action=Action.PROFILE_CHANGED,
        actor=actor or user,
        target=user,
        data={"fields": changed},
        request=request,
    )
    return changed


@transaction.atomic
def record_email_changed(
    *, user: User, from_email: str, to_email: str, request: HttpRequest | None
) -> None:
    """Audit that a new, verified address replaced the old one."""
    record_event(
        action=Action.PROFILE_CHANGED,
        actor=getattr(request, "user", None),
        target=user,
        data={
            "fields": ["email"],
            "from_email": mask_email(from_email),
            "to_email": mask_email(to_email),
        },
        request=request,
    )


@transaction.atomic
def acknowledge_privacy_statement(*, user: User, request: HttpRequest | None) -> None:
    """Store that the user acknowledged the current version of the privacy statement."""
    user.privacy_version = app_settings.PRIVACY_STATEMENT_VERSION
    user.privacy_acknowledged_at = timezone.now()
    user.save(update_fields=["privacy_version", "privacy_acknowledged_at"])
    record_event(
        action=Action.PRIVACY_ACKNOWLEDGED,
        actor=user,
        target=user,
        data={"version": user.privacy_version},
        request=request,
    )


@transaction.atomic
def export_personal_data(*, user: User, request: HttpRequest | None) -> dict[str, Any]:
    """Everything the portal holds about the user, audited as downloaded."""
    record_event(action=Action.DATA_EXPORTED, actor=user, target=user, request=request)
    return selectors.personal_data(user=user)


class AccountDeletionError(Exception):
    """The account could not be deleted; ``str()`` can be shown to the user."""


@transaction.atomic
def delete_account(*, user: User, request: HttpRequest | None, actor: User | None = None) -> None:
    """Delete the account; the audit trail stays, without the person's identity.

    ``actor`` is the administrator who deletes it; the person themselves is not kept.

    Events by the user lose their actor (``on_delete=SET_NULL``); events about the
    user or one of their rows (requests, memberships, phones...) keep the target's
    type and id but lose its label (name and address); e-mails to them are purged.
    """
    user_id = user.pk
    record_event(
        action=Action.ACCOUNT_DELETED,
        actor=actor,
        target=user,
        data={"user_id": user_id},
        request=request,
    )
    targets = {User._meta.label_lower: [str(user_id)], **selectors.owned_row_ids(user=user)}
    for target_type, ids in targets.items():
        AuditEvent.objects.filter(target_type=target_type, target_id__in=ids).exclude(
            target_repr=""
        ).update(target_repr="")
    addresses = {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }
    to_the_person = Q()
    for address in addresses:
        to_the_person |= Q(to__iexact=address)
    OutboundEmail.objects.filter(to_the_person).delete()
    try:
        with transaction.atomic():
            # Upper apps first: their rows may PROTECT rows of the apps below them.
            for hook in reversed(_account_deletion_hooks):
                hook(user)
            user.delete()
    except ProtectedError as exc:  # a row no app's hook deletes: say so, delete nothing
        raise AccountDeletionError(
            _(
                "Your account could not be deleted: it is still needed by records of the "
                "portal. Please contact the support."
            )
        ) from exc


AccountDeletionHook = Callable[[User], None]
_account_deletion_hooks: list[AccountDeletionHook] = []


def on_account_deletion(hook: AccountDeletionHook) -> None:
    """The hook by which an app deletes, before the account itself, the user's rows that
    Django's cascade cannot (access_requests: a membership PROTECTs the request that
    granted it). Called from the app's ``AppConfig.ready``; at deletion the hooks run in
    the reverse order (upper apps are readied after the apps they build on)."""
    if hook not in _account_deletion_hooks:
        _account_deletion_hooks.append(hook)


def send_new_link(*, email: str, request: HttpRequest) -> None:
    """Mail a fresh link to an address: verification while unverified, else a password link.

    Says nothing about unknown addresses: the page is the same either way.
    """
    from allauth.account.forms import ResetPasswordForm

    address = (
        EmailAddress.objects.filter(email__iexact=email, user__is_active=True)
        .select_related("user")
        .first()
    )
    if address is None:
        return
    if not address.verified:
        address.send_confirmation(request, signup=not address.user.has_usable_password())
        return
    form = ResetPasswordForm(data={"email": address.email})
    if form.is_valid():
        form.save(request)


# --- Administrators and the daily tasks -------------------------------------------------


def end_all_sessions(*, user: User) -> None:
    """End every session of ``user`` at its next request, wherever it is (another browser,
    another web process): the epoch is part of the session's auth hash."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


@transaction.atomic
def disable_account(
    *,
    user: User,
    actor: User | None,
    reason: str,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> bool:
    """Disable the account and end every session of it, audited with ``reason`` (and
    ``details``); returns False, recording nothing, when it was disabled already."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        return False
    User.objects.filter(pk=locked.pk).update(is_active=False)
    user.is_active = False
    # An inactive account cannot log in, but its sessions must not come back with it.
    end_all_sessions(user=user)
    record_event(
        action=Action.ACCOUNT_DISABLED,
        actor=actor,
        target=locked,
        data={"reason": reason, **(details or {})},
        request=request,
    )
    return True


@transaction.atomic
def enable_account(*, user: User, actor: User, request: HttpRequest | None = None) -> bool:
    """Enable a disabled account again, audited; returns False, recording nothing, when it
    was active already."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active:
        return False
    # A past inactivity warning is forgotten, or the next daily run would disable the
    # account again at once; the person is warned anew before that can happen.
    User.objects.filter(pk=locked.pk).update(is_active=True, inactivity_warned_at=None)
    user.is_active, user.inactivity_warned_at = True, None
    record_event(action=Action.ACCOUNT_ENABLED, actor=actor, target=locked, request=request)
    return True


def reset_second_factor(*, user: User, actor: User, request: HttpRequest | None = None) -> int:
    """Remove every second-factor device of ``user`` (SMS, TOTP, backup codes, security
    keys) and end their sessions: at the next login they must verify a phone again.

    Returns how many devices were removed.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        removed: dict[str, int] = {}
        for device_class in device_classes():
            # The devices alone, not the rows deleted with them (codes, encrypted keys).
            _total, by_model = device_class.objects.filter(user=locked).delete()
            count = by_model.get(device_class._meta.label, 0)
            if count:
                removed[device_class._meta.label_lower] = count
        # A lost phone may be in someone else's hands: sessions verified with it end too.
        end_all_sessions(user=locked)
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


@transaction.atomic
def set_staff_status(
    *,
    user: User,
    is_staff: bool,
    is_superuser: bool,
    actor: User,
    request: HttpRequest | None = None,
) -> bool:
    """Grant or withdraw the administrator rights (staff, superuser), audited.

    Returns whether anything changed.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = {"is_staff": locked.is_staff, "is_superuser": locked.is_superuser}
    after = {"is_staff": is_staff, "is_superuser": is_superuser}
    if before != after:
        User.objects.filter(pk=locked.pk).update(**after)
        user.is_staff, user.is_superuser = is_staff, is_superuser
    return _audit_rights(user=locked, before=before, after=after, actor=actor, request=request)


def _audit_rights(*, user: User, before: dict, after: dict, actor: User, request) -> bool:
    """One audit event for a change of administrator rights; nothing when none changed."""
    if before == after:
        return False
    record_event(
        action=Action.STAFF_STATUS_CHANGED,
        actor=actor,
        target=user,
        data={"before": before, "after": after},
        request=request,
    )
    return True


def rights_of(user: User) -> dict[str, list[str]]:
    """The user's groups and own permissions, by name, as the audit trail records them."""
    return {
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(
            f"{app}.{codename}"
            for app, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
    }


def record_rights_change(
    *,
    user: User,
    before: dict[str, list[str]],
    actor: User,
    request: HttpRequest | None = None,
) -> bool:
    """Audit a change of the user's groups or permissions (made by the admin's form)."""
    return _audit_rights(
        user=user, before=before, after=rights_of(user), actor=actor, request=request
    )


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
            if not disable_account(
                user=user,
                actor=None,
                reason="inactivity",
                details={"last_login": str(user.last_login or "")},
            ):
                continue  # disabled meanwhile, by an administrator
            queue_mail_to_user(
                user=user, template_prefix="accounts/email/account_disabled", context={}
            )
        disabled += 1
    return disabled
