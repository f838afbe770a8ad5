"""Every write of the access_requests app. Status changes only through ``transition``."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests import selectors
from access_requests.app_settings import app_settings
from access_requests.models import (
    AccessProfile,
    AccessRequest,
    DigestDelivery,
    Membership,
    NetworkAdministrator,
    Organisation,
    RequestedProfile,
)
from accounts.app_settings import app_settings as accounts_settings
from accounts.audit import record_event
from accounts.mail import queue_mail, queue_mail_to_user
from accounts.models import AuditEvent, User
from accounts.services import end_all_sessions

Status = AccessRequest.Status

# The one map of allowed moves; a decision is final (a new request is the way back).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset({Status.APPROVED, Status.REJECTED, Status.WITHDRAWN}),
    Status.APPROVED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

_AUDIT_ACTION = {
    Status.APPROVED: AuditEvent.Action.REQUEST_APPROVED,
    Status.REJECTED: AuditEvent.Action.REQUEST_REJECTED,
    Status.WITHDRAWN: AuditEvent.Action.REQUEST_WITHDRAWN,
}


class RequestError(Exception):
    """A request that cannot be made or moved; ``str()`` is a message for the user."""


class TransitionNotAllowed(RequestError):
    pass


class DuplicateRequest(RequestError):
    pass


class InvalidProfileChoice(RequestError):
    """Profiles that cannot be requested here; ``errors`` are the ValidationErrors (codes
    ``application``, ``held``, ``pending``, ``prerequisite``) step 3 shows."""

    def __init__(self, errors: list[ValidationError]) -> None:
        self.errors = errors
        super().__init__(" ".join(str(m) for e in errors for m in e.messages))


def profile_choice_errors(
    *,
    institution: Organisation,
    profiles: Iterable[AccessProfile],
    holdings: selectors.ProfileHoldings,
) -> list[ValidationError]:
    """The rules of step 3, for the form and for ``submit_request``: profiles of the
    institution's application, not held nor pending here, and a prerequisite (HP for
    Coordinator and Dispatcher) held, pending or chosen too in the same network."""
    profiles = list(profiles)
    chosen_ids = {p.pk for p in profiles}
    errors = []
    for profile in profiles:
        if profile.application_id != institution.application_id:
            errors.append(
                ValidationError(
                    _("The %(profile)s profile is not a profile of this application."),
                    code="application",
                    params={"profile": profile.name},
                )
            )
        elif profile.pk in holdings.held_here:
            errors.append(
                ValidationError(
                    _("You already hold the %(profile)s profile at this organisation."),
                    code="held",
                    params={"profile": profile.name},
                )
            )
        elif profile.pk in holdings.pending_here:
            errors.append(
                ValidationError(
                    _(
                        "You already have a pending request for the %(profile)s profile "
                        "at this organisation."
                    ),
                    code="pending",
                    params={"profile": profile.name},
                )
            )
        prerequisite = profile.prerequisite
        if (
            prerequisite is not None
            and prerequisite.pk not in chosen_ids
            and prerequisite.pk not in holdings.held_or_pending_in_network
        ):
            errors.append(
                ValidationError(
                    _(
                        "The %(profile)s profile needs the %(prerequisite)s profile in the "
                        "same network: select %(prerequisite)s too, or request it first."
                    ),
                    code="prerequisite",
                    params={"profile": profile.name, "prerequisite": prerequisite.name},
                )
            )
    return errors


def transition(
    *,
    access_request: AccessRequest,
    to: str,
    actor: User | None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> AccessRequest:
    """Move a request to ``to`` under a row lock, if the map allows it, and audit it."""
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
        if to not in ALLOWED_TRANSITIONS[locked.status]:
            raise TransitionNotAllowed(
                _("This request is already %(status)s and cannot be changed.")
                % {"status": locked.get_status_display().lower()}
            )
        previous = locked.status
        locked.status = to
        locked.decided_at = timezone.now()
        locked.decided_by = actor if actor is not None and actor.is_authenticated else None
        locked.decision_reason = reason
        locked.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        if to not in AccessRequest.OPEN_STATUSES:
            RequestedProfile.objects.filter(request=locked).update(is_open=False)
        record_event(
            action=_AUDIT_ACTION[to],
            actor=actor,
            target=locked,
            data={"from": previous, "to": to, "reason": reason},
            request=request,
        )
    access_request.refresh_from_db()
    return locked


def submit_request(
    *,
    user: User,
    institution: Organisation,
    profiles: Iterable[AccessProfile],
    comment: str = "",
    request: HttpRequest | None = None,
) -> AccessRequest:
    """Create one submitted request; the database refuses a second open one for a profile."""
    profiles = list(profiles)
    if not profiles:
        raise RequestError(_("Select at least one access profile."))
    if institution.kind != Organisation.Kind.INSTITUTION:
        raise RequestError(_("Select an institution."))
    errors = profile_choice_errors(
        institution=institution,
        profiles=profiles,
        holdings=selectors.profile_holdings(user=user, institution=institution),
    )
    if errors and all(e.code == "pending" for e in errors):
        raise DuplicateRequest(
            _("You already have a pending request for this profile at this organisation.")
        )
    if errors:
        raise InvalidProfileChoice(errors)
    try:
        with transaction.atomic():
            access_request = AccessRequest.objects.create(
                user=user,
                institution=institution,
                network_id=institution.network_id,
                comment=comment.strip(),
            )
            RequestedProfile.objects.bulk_create(
                RequestedProfile(
                    request=access_request, profile=p, user=user, institution=institution
                )
                for p in profiles
            )
            record_event(
                action=AuditEvent.Action.REQUEST_SUBMITTED,
                actor=user,
                target=access_request,
                data={
                    "institution": institution.label,
                    "profiles": [p.code for p in profiles],
                },
                request=request,
            )
            _queue_submission_mails(
                access_request=access_request,
                institution=institution,
                profiles=profiles,
            )
    except IntegrityError as exc:
        raise DuplicateRequest(
            _("You already have a pending request for this profile at this organisation.")
        ) from exc
    return access_request


def _queue_submission_mails(
    *, access_request: AccessRequest, institution: Organisation, profiles: list[AccessProfile]
) -> None:
    """The applicant's receipt and the notice to the network's administrators (every
    superuser when it has none), each in its reader's language."""
    context = {
        **_request_mail_context(access_request),
        "application": institution.application,
        "organisation_path": institution.path_label,
        "profiles": ", ".join(p.name for p in profiles),
        "is_guest": institution.is_guest,
        "guest_days": app_settings.GUEST_ACCESS_DAYS,
        "requests_url": _portal_url(reverse("access_requests:home")),
        "review_url": _admin_url(access_request),
    }
    queue_mail_to_user(
        user=access_request.user,
        template_prefix="access_requests/email/request_submitted",
        context=context,
    )
    for administrator in selectors.network_recipients(access_request.network_id):
        queue_mail_to_user(
            user=administrator,
            template_prefix="access_requests/email/request_submitted_admin",
            context=context,
        )


def withdraw_request(
    *, access_request: AccessRequest, user: User, request: HttpRequest | None = None
) -> AccessRequest:
    """The owner withdraws a pending request."""
    if access_request.user_id != user.pk:
        raise TransitionNotAllowed(_("Only the applicant can withdraw a request."))
    return transition(
        access_request=access_request, to=Status.WITHDRAWN, actor=user, request=request
    )


def approve_request(
    *, access_request: AccessRequest, actor: User, request: HttpRequest | None = None
) -> AccessRequest:
    """Approve and grant one membership per requested profile (guests get an expiry).

    A profile whose prerequisite (HP for Coordinator and Dispatcher) the applicant
    neither holds in the network nor gets with this request is refused: approve the
    prerequisite's request first."""
    try:
        return _approve(access_request=access_request, actor=actor, request=request)
    except RequestError:
        access_request.refresh_from_db()  # the transition was rolled back
        raise


def _check_prerequisites(approved: AccessRequest, profiles: list[AccessProfile]) -> None:
    granted = {p.pk for p in profiles}
    needed = {p.prerequisite_id for p in profiles if p.prerequisite_id} - granted
    if not needed:
        return
    # Locked: a revocation of the prerequisite waits for this approval, or the reverse.
    held = set(
        Membership.objects.active(at=approved.decided_at)
        .select_for_update()
        .filter(user_id=approved.user_id, network_id=approved.network_id, profile_id__in=needed)
        .values_list("profile_id", flat=True)
    )
    for profile in profiles:
        if profile.prerequisite_id in needed - held:
            raise RequestError(
                _(
                    "The %(profile)s profile needs the %(prerequisite)s profile in the same "
                    "network, which the applicant does not hold: approve a request for "
                    "%(prerequisite)s first."
                )
                % {"profile": profile.name, "prerequisite": profile.prerequisite.name}
            )


def _approve(
    *, access_request: AccessRequest, actor: User, request: HttpRequest | None
) -> AccessRequest:
    with transaction.atomic():
        approved = transition(
            access_request=access_request, to=Status.APPROVED, actor=actor, request=request
        )
        profiles = list(approved.profiles.select_related("prerequisite"))
        _check_prerequisites(approved, profiles)
        institution = approved.institution
        expires_at = (
            approved.decided_at + timedelta(days=app_settings.GUEST_ACCESS_DAYS)
            if institution.is_guest
            else None
        )
        # A guest membership past its date that cron has not ended yet would pass for
        # the one being granted: end it first (audited), under the row lock.
        stale = Membership.objects.select_for_update().filter(
            user_id=approved.user_id,
            institution=institution,
            profile__in=profiles,
            status=Membership.Status.ACTIVE,
            expires_at__lte=approved.decided_at,
        )
        for membership in stale:
            _mark_expired(membership)
        for profile in profiles:
            # A membership the user already holds stays as it is.
            Membership.objects.get_or_create(
                user_id=approved.user_id,
                institution=institution,
                profile=profile,
                status=Membership.Status.ACTIVE,
                defaults={
                    "network_id": approved.network_id,
                    "granted_by_request": approved,
                    "granted_at": approved.decided_at,
                    "expires_at": expires_at,
                },
            )
        queue_mail_to_user(
            user=approved.user,
            template_prefix="access_requests/email/request_approved",
            context={**_request_mail_context(approved), "expires_at": expires_at},
        )
    return approved


def reject_request(
    *, access_request: AccessRequest, actor: User, reason: str, request: HttpRequest | None = None
) -> AccessRequest:
    """Reject with a reason, which is required."""
    reason = (reason or "").strip()
    if not reason:
        raise RequestError(_("A reason is required to reject a request."))
    with transaction.atomic():
        rejected = transition(
            access_request=access_request,
            to=Status.REJECTED,
            actor=actor,
            reason=reason,
            request=request,
        )
        queue_mail_to_user(
            user=rejected.user,
            template_prefix="access_requests/email/request_rejected",
            context=_request_mail_context(rejected),
        )
    return rejected


def revoke_membership(
    *, membership: Membership, actor: User, reason: str, request: HttpRequest | None = None
) -> Membership:
    """End an active membership now, with a reason; it is kept as history."""
    reason = (reason or "").strip()
    if not reason:
        raise RequestError(_("A reason is required to revoke a membership."))
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status != Membership.Status.ACTIVE:
            raise TransitionNotAllowed(_("This membership has already ended."))
        locked.status = Membership.Status.REVOKED
        locked.ended_at = timezone.now()
        locked.ended_by = actor
        locked.end_reason = reason
        locked.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
        # The member's open sessions were granted with this membership: they all end.
        end_all_sessions(user=locked.user)
        record_event(
            action=AuditEvent.Action.MEMBERSHIP_REVOKED,
            actor=actor,
            target=locked,
            data={"reason": reason},
            request=request,
        )
        queue_mail_to_user(
            user=locked.user,
            template_prefix="access_requests/email/membership_revoked",
            context=_membership_mail_context(locked),
        )
    return locked


def extend_membership(
    *, membership: Membership, actor: User, days: int, request: HttpRequest | None = None
) -> Membership:
    """Push an active guest membership's expiry ``days`` further (from today if it has
    passed); the member gets a new reminder before the new date."""
    if days < 1:
        raise RequestError(_("Extend by at least one day."))
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status != Membership.Status.ACTIVE:
            raise TransitionNotAllowed(_("This membership has already ended."))
        if locked.expires_at is None:
            raise RequestError(_("This membership does not expire."))
        previous = locked.expires_at
        locked.expires_at = max(previous, timezone.now()) + timedelta(days=days)
        locked.expiry_reminder_sent_at = None
        locked.save(update_fields=["expires_at", "expiry_reminder_sent_at"])
        record_event(
            action=AuditEvent.Action.MEMBERSHIP_EXTENDED,
            actor=actor,
            target=locked,
            data={"from": previous.isoformat(), "to": locked.expires_at.isoformat()},
            request=request,
        )
        queue_mail_to_user(
            user=locked.user,
            template_prefix="access_requests/email/membership_extended",
            context=_membership_mail_context(locked),
        )
    return locked


def expire_memberships(*, now: datetime | None = None) -> int:
    """End every active membership past its expiry date (status expired, audited, the
    member told). Returns how many expired."""
    now = now or timezone.now()
    due = Membership.objects.filter(
        status=Membership.Status.ACTIVE, expires_at__lte=now
    ).values_list("pk", flat=True)
    expired = 0
    for pk in list(due):
        with transaction.atomic():
            locked = (
                Membership.objects.select_for_update(of=("self",))
                .select_related("user", "institution", "profile")
                .get(pk=pk)
            )
            if locked.status != Membership.Status.ACTIVE or locked.expires_at > now:
                continue  # changed since the list was read
            _mark_expired(locked)
            queue_mail_to_user(
                user=locked.user,
                template_prefix="access_requests/email/membership_expired",
                context=_membership_mail_context(locked),
            )
        expired += 1
    return expired


def _mark_expired(locked: Membership) -> None:
    """End a locked active membership at its expiry date, audited (no e-mail)."""
    locked.status = Membership.Status.EXPIRED
    locked.ended_at = locked.expires_at
    locked.save(update_fields=["status", "ended_at"])
    record_event(
        action=AuditEvent.Action.MEMBERSHIP_EXPIRED,
        actor=None,
        target=locked,
        data={"expires_at": locked.expires_at.isoformat()},
    )


def send_expiry_reminders(*, now: datetime | None = None) -> int:
    """Mail each member whose guest membership expires within
    ``GUEST_EXPIRY_REMINDER_DAYS``, once per expiry date. Returns how many were mailed."""
    now = now or timezone.now()
    horizon = now + timedelta(days=app_settings.GUEST_EXPIRY_REMINDER_DAYS)
    due = Membership.objects.filter(
        status=Membership.Status.ACTIVE,
        expires_at__gt=now,
        expires_at__lte=horizon,
        expiry_reminder_sent_at__isnull=True,
    ).values_list("pk", flat=True)
    reminded = 0
    for pk in list(due):
        with transaction.atomic():
            updated = Membership.objects.filter(
                pk=pk, status=Membership.Status.ACTIVE, expiry_reminder_sent_at__isnull=True
            ).update(expiry_reminder_sent_at=now)
            if not updated:
                continue  # another run got there first
            membership = Membership.objects.select_related("user", "institution", "profile").get(
                pk=pk
            )
            queue_mail_to_user(
                user=membership.user,
                template_prefix="access_requests/email/membership_expiry_reminder",
                context=_membership_mail_context(membership),
            )
        reminded += 1
    return reminded


def send_digests(*, now: datetime | None = None) -> int:
    """Mail each network's recipients (administrators, or superusers when it has none),
    at most once a day, the list of their pending requests older than
    ``DIGEST_AFTER_WORKING_DAYS`` working days. Returns the count."""
    now = now or timezone.now()
    today: date = timezone.localdate(now)
    older_than = selectors.working_days_before(now, app_settings.DIGEST_AFTER_WORKING_DAYS)
    sent = 0
    for administrator, waiting in selectors.stale_requests_by_recipient(
        older_than=older_than
    ).items():
        with transaction.atomic():
            # The once-a-day lock: a second run the same day finds the row.
            _delivery, created = DigestDelivery.objects.get_or_create(
                user=administrator, sent_on=today
            )
            if not created:
                continue
            queue_mail_to_user(
                user=administrator,
                template_prefix="access_requests/email/admin_digest",
                context={
                    "requests": [
                        {
                            "access_request": r,
                            "days": (now - r.submitted_at).days,
                            "url": _admin_url(r),
                        }
                        for r in waiting
                    ],
                    "queue_url": _queue_url(),
                    "working_days": app_settings.DIGEST_AFTER_WORKING_DAYS,
                },
            )
        sent += 1
    return sent


def can_send_reminder(access_request: AccessRequest, *, now: datetime | None = None) -> bool:
    """True while the request is pending, has waited ``REMINDER_AFTER_DAYS`` days and no
    reminder was sent for it yet (what the applicant's page shows the button for)."""
    now = now or timezone.now()
    return (
        access_request.status == Status.SUBMITTED
        and access_request.reminder_sent_at is None
        and access_request.submitted_at <= now - timedelta(days=app_settings.REMINDER_AFTER_DAYS)
    )


def send_reminder(
    *, access_request: AccessRequest, user: User, request: HttpRequest | None = None
) -> AccessRequest:
    """The applicant reminds the network's administrators of a pending request, once,
    after ``REMINDER_AFTER_DAYS`` days."""
    if access_request.user_id != user.pk:
        raise TransitionNotAllowed(_("Only the applicant can send a reminder."))
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
        if locked.status != Status.SUBMITTED:
            raise TransitionNotAllowed(
                _("This request is already %(status)s and cannot be changed.")
                % {"status": locked.get_status_display().lower()}
            )
        if locked.reminder_sent_at is not None:
            raise RequestError(_("A reminder has already been sent for this request."))
        if not can_send_reminder(locked):
            raise RequestError(
                _("You can send a reminder once your request has waited %(days)d days.")
                % {"days": app_settings.REMINDER_AFTER_DAYS}
            )
        locked.reminder_sent_at = timezone.now()
        locked.save(update_fields=["reminder_sent_at"])
        record_event(
            action=AuditEvent.Action.REQUEST_REMINDED,
            actor=user,
            target=locked,
            data={"network": locked.network_id},
            request=request,
        )
        recipients = selectors.network_recipients(locked.network_id)
        context = {
            **_request_mail_context(locked),
            "days": (locked.reminder_sent_at - locked.submitted_at).days,
            "url": _admin_url(locked),
        }
        for administrator in recipients:
            queue_mail(
                to=administrator.email,
                template_prefix="access_requests/email/request_reminder",
                context=context,
                user=administrator,
            )
    access_request.refresh_from_db()
    return locked


def _portal_url(path: str) -> str:
    return accounts_settings.SITE_URL + path


def _queue_url() -> str:
    return _portal_url(reverse("admin:access_requests_accessrequest_changelist"))


def _admin_url(access_request: AccessRequest) -> str:
    return _portal_url(
        reverse("admin:access_requests_accessrequest_change", args=[access_request.pk])
    )


def _request_mail_context(access_request: AccessRequest) -> dict:
    return {
        "access_request": access_request,
        "applicant": access_request.user,
        "institution": access_request.institution.label,
        "network": access_request.network.label,
        "profiles": selectors.requested_profile_names(access_request),
        "reason": access_request.decision_reason,
        "cpms_url": _portal_url(reverse("cpms-home")),
    }


def _membership_mail_context(membership: Membership) -> dict:
    return {
        "membership": membership,
        "institution": membership.institution.label,
        "profile": membership.profile.name,
        "expires_at": membership.expires_at,
        "reason": membership.end_reason,
        "cpms_url": _portal_url(reverse("cpms-home")),
    }


# --- Network administrators ------------------------------------------------------------


@transaction.atomic
def grant_network_admin(
    *, user: User, network: Organisation, actor: User, request: HttpRequest | None = None
) -> NetworkAdministrator:
    """Scope a staff user to a network's requests and members, audited."""
    scope = NetworkAdministrator.objects.create(user=user, network=network)
    record_event(
        action=AuditEvent.Action.NETWORK_ADMIN_GRANTED,
        actor=actor,
        target=user,
        data={"network": network.code},
        request=request,
    )
    return scope


@transaction.atomic
def revoke_network_admin(
    *, scope: NetworkAdministrator, actor: User, request: HttpRequest | None = None
) -> None:
    """Withdraw a staff user's scope over a network, audited."""
    record_event(
        action=AuditEvent.Action.NETWORK_ADMIN_REVOKED,
        actor=actor,
        target=scope.user,
        data={"network": scope.network.code},
        request=request,
    )
    scope.delete()
