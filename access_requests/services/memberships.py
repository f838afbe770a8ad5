"""The lifecycle of a membership: granted by an approval, then revoked, extended, expired
or reinstated. Status changes only here, through ``MEMBERSHIP_TRANSITIONS``.

    active ──revoke──▶ revoked ──reinstate──▶ active
    active ──expire──▶ expired   (final: a new request is the way back)
    active ──extend──▶ active    (a guest's expiry pushed further)
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests.app_settings import app_settings
from access_requests.audit_actions import Action
from access_requests.models import AccessProfile, AccessRequest, Membership
from access_requests.services import notifications
from access_requests.services.errors import RequestError, TransitionNotAllowed
from accounts.audit import record_event
from accounts.models import User
from accounts.services import end_all_sessions

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MembershipStatus = Membership.Status


class Move(StrEnum):
    REVOKE = "revoke"
    EXTEND = "extend"
    EXPIRE = "expire"
    REINSTATE = "reinstate"


# The one map of a membership's moves: from each status, the moves allowed and where
# each leads (an extension keeps it active; an expiry is final).
MEMBERSHIP_TRANSITIONS: dict[str, dict[Move, str]] = {
    MembershipStatus.ACTIVE: {
        Move.REVOKE: MembershipStatus.REVOKED,
        Move.EXTEND: MembershipStatus.ACTIVE,
        Move.EXPIRE: MembershipStatus.EXPIRED,
    },
    MembershipStatus.REVOKED: {Move.REINSTATE: MembershipStatus.ACTIVE},
    MembershipStatus.EXPIRED: {},
}

_REFUSED: dict[str, "StrOrPromise"] = {
    MembershipStatus.REVOKED: _("This membership has already ended."),
    MembershipStatus.EXPIRED: _("This membership has already ended."),
    MembershipStatus.ACTIVE: _("Only a revoked membership can be reinstated."),
}


def lock_for(membership: Membership | int, *, move: Move) -> Membership:
    """The membership under a row lock with its new status set, if the map allows
    ``move`` from its current status; else ``TransitionNotAllowed``. Call inside a
    transaction; the caller saves."""
    pk = membership if isinstance(membership, int) else membership.pk
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "institution", "profile")
        .get(pk=pk)
    )
    moves = MEMBERSHIP_TRANSITIONS[locked.status]
    if move not in moves:
        raise TransitionNotAllowed(_REFUSED[locked.status])
    locked.status = moves[move]
    return locked


def grant_memberships(
    *, approved: AccessRequest, profiles: list[AccessProfile]
) -> datetime | None:
    """One active membership per profile of an approved request (guests get an expiry,
    which is returned); one the user already holds stays as it is. Call in the
    approval's transaction."""
    _check_prerequisites(approved, profiles)
    assert approved.decided_at is not None
    institution = approved.institution
    expires_at = (
        approved.decided_at + timedelta(days=app_settings.GUEST_ACCESS_DAYS)
        if institution.is_guest
        else None
    )
    # A guest membership past its date that cron has not ended yet would pass for the
    # one being granted: end it first (audited), under the row lock.
    stale = Membership.objects.filter(
        user_id=approved.user_id,
        institution=institution,
        profile__in=profiles,
        status=MembershipStatus.ACTIVE,
        expires_at__lte=approved.decided_at,
    ).values_list("pk", flat=True)
    for pk in list(stale):
        _mark_expired(lock_for(pk, move=Move.EXPIRE))
    for profile in profiles:
        Membership.objects.get_or_create(
            user_id=approved.user_id,
            institution=institution,
            profile=profile,
            status=MembershipStatus.ACTIVE,
            defaults={
                "network_id": approved.network_id,
                "granted_by_request": approved,
                "granted_at": approved.decided_at,
                "expires_at": expires_at,
            },
        )
    return expires_at


def _check_prerequisites(approved: AccessRequest, profiles: Iterable[AccessProfile]) -> None:
    """A profile whose prerequisite (HP for Coordinator and Dispatcher) the applicant
    neither holds in the network nor gets with this request is refused."""
    profiles = list(profiles)
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
        if profile.prerequisite is not None and profile.prerequisite_id in needed - held:
            raise RequestError(
                _(
                    "The %(profile)s profile needs the %(prerequisite)s profile in the same "
                    "network, which the applicant does not hold: approve a request for "
                    "%(prerequisite)s first."
                )
                % {"profile": profile.name, "prerequisite": profile.prerequisite.name}
            )


def _required_reason(reason: str | None, message: "StrOrPromise") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RequestError(message)
    return reason


def revoke_membership(
    *, membership: Membership, actor: User, reason: str, request: HttpRequest | None = None
) -> Membership:
    """End an active membership now, with a reason; it is kept as history."""
    reason = _required_reason(reason, _("A reason is required to revoke a membership."))
    with transaction.atomic():
        locked = lock_for(membership, move=Move.REVOKE)
        locked.ended_at = timezone.now()
        locked.ended_by = actor
        locked.end_reason = reason
        locked.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
        # The member's open sessions were granted with this membership: they all end.
        end_all_sessions(user=locked.user)
        record_event(
            action=Action.MEMBERSHIP_REVOKED,
            actor=actor,
            target=locked,
            data={"reason": reason},
            request=request,
        )
        notifications.tell_member(locked, "membership_revoked")
    return locked


def reinstate_membership(
    *, membership: Membership, actor: User, reason: str, request: HttpRequest | None = None
) -> Membership:
    """Make a revoked membership active again (a revocation made in error), with a reason;
    refused when the member holds the same profile there again, or a guest's date passed."""
    reason = _required_reason(reason, _("A reason is required to reinstate a membership."))
    try:
        with transaction.atomic():
            locked = lock_for(membership, move=Move.REINSTATE)
            now = timezone.now()
            if locked.expires_at is not None and locked.expires_at <= now:
                raise RequestError(
                    _("This guest membership's expiry date has passed: it cannot be reinstated.")
                )
            revoked = {"ended_at": locked.ended_at.isoformat() if locked.ended_at else None}
            locked.ended_at = None
            locked.ended_by = None
            locked.end_reason = ""
            locked.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
            record_event(
                action=Action.MEMBERSHIP_REINSTATED,
                actor=actor,
                target=locked,
                data={**revoked, "reason": reason},
                request=request,
            )
            notifications.tell_member(locked, "membership_reinstated")
    except IntegrityError as exc:  # the partial unique constraint on active rows
        raise RequestError(
            _("The member holds this profile at this organisation again: nothing to reinstate.")
        ) from exc
    return locked


def extend_membership(
    *, membership: Membership, actor: User, days: int, request: HttpRequest | None = None
) -> Membership:
    """Push an active guest membership's expiry ``days`` further (from today if it has
    passed); the member gets a new reminder before the new date."""
    if days < 1:
        raise RequestError(_("Extend by at least one day."))
    with transaction.atomic():
        locked = lock_for(membership, move=Move.EXTEND)
        if locked.expires_at is None:
            raise RequestError(_("This membership does not expire."))
        previous = locked.expires_at
        locked.expires_at = max(previous, timezone.now()) + timedelta(days=days)
        locked.expiry_reminder_sent_at = None
        locked.save(update_fields=["expires_at", "expiry_reminder_sent_at"])
        record_event(
            action=Action.MEMBERSHIP_EXTENDED,
            actor=actor,
            target=locked,
            data={"from": previous.isoformat(), "to": locked.expires_at.isoformat()},
            request=request,
        )
        notifications.tell_member(locked, "membership_extended")
    return locked


def expire_memberships(*, now: datetime | None = None) -> int:
    """End every active membership past its expiry date (status expired, audited, the
    member told). Returns how many expired."""
    now = now or timezone.now()
    due = Membership.objects.filter(
        status=MembershipStatus.ACTIVE, expires_at__lte=now
    ).values_list("pk", flat=True)
    expired = 0
    for pk in list(due):
        with transaction.atomic():
            try:
                locked = lock_for(pk, move=Move.EXPIRE)
            except TransitionNotAllowed:
                continue  # ended since the list was read
            if locked.expires_at is None or locked.expires_at > now:
                continue  # extended since the list was read
            _mark_expired(locked)
            notifications.tell_member(locked, "membership_expired")
        expired += 1
    return expired


def _mark_expired(locked: Membership) -> None:
    """End a membership locked for its expiry at its expiry date, audited (no e-mail)."""
    assert locked.expires_at is not None and locked.status == MembershipStatus.EXPIRED
    locked.ended_at = locked.expires_at
    locked.save(update_fields=["status", "ended_at"])
    record_event(
        action=Action.MEMBERSHIP_EXPIRED,
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
        status=MembershipStatus.ACTIVE,
        expires_at__gt=now,
        expires_at__lte=horizon,
        expiry_reminder_sent_at__isnull=True,
    ).values_list("pk", flat=True)
    reminded = 0
    for pk in list(due):
        with transaction.atomic():
            updated = Membership.objects.filter(
                pk=pk, status=MembershipStatus.ACTIVE, expiry_reminder_sent_at__isnull=True
            ).update(expiry_reminder_sent_at=now)
            if not updated:
                continue  # another run got there first
            membership = Membership.objects.select_related("user", "institution", "profile").get(
                pk=pk
            )
            notifications.tell_member(membership, "membership_expiry_reminder")
        reminded += 1
    return reminded


def delete_user_memberships(*, user: User) -> None:
    """Account deletion: a user's memberships go with them (they PROTECT the requests
    that granted them, so they go first)."""
    Membership.objects.filter(user=user).delete()
