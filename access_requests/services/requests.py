"""The lifecycle of an access request: submitted, then approved, rejected or withdrawn.
Status changes only here, through ``transition`` and ``ALLOWED_TRANSITIONS``.

    submitted ──approve──▶ approved   (grants the memberships)
    submitted ──reject───▶ rejected   (with a reason)
    submitted ──withdraw─▶ withdrawn  (by the applicant)

A decision is final: a new request is the way back.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests import selectors
from access_requests.app_settings import app_settings
from access_requests.audit_actions import Action
from access_requests.models import AccessProfile, AccessRequest, Organisation, RequestedProfile
from access_requests.services import memberships, notifications
from access_requests.services.errors import (
    DuplicateRequest,
    InvalidProfileChoice,
    RequestError,
    TransitionNotAllowed,
)
from accounts.audit import record_event
from accounts.models import User

Status = AccessRequest.Status

# The one map of allowed moves; a decision is final (a new request is the way back).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset({Status.APPROVED, Status.REJECTED, Status.WITHDRAWN}),
    Status.APPROVED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

_AUDIT_ACTION: dict[str, Action] = {
    Status.APPROVED: Action.REQUEST_APPROVED,
    Status.REJECTED: Action.REQUEST_REJECTED,
    Status.WITHDRAWN: Action.REQUEST_WITHDRAWN,
}


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


def _lock(access_request: AccessRequest, *, to: str | None = None) -> AccessRequest:
    """The request under a row lock, if the map allows the move to ``to`` (or, with no
    ``to``, any move: it is still open); else ``TransitionNotAllowed``."""
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    allowed = ALLOWED_TRANSITIONS[locked.status]
    if (to is None and not allowed) or (to is not None and to not in allowed):
        raise TransitionNotAllowed(
            _("This request is already %(status)s and cannot be changed.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


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
        locked = _lock(access_request, to=to)
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
        raise DuplicateRequest()
    if errors:
        raise InvalidProfileChoice(errors)
    try:
        with transaction.atomic():
            access_request = AccessRequest.objects.create(
                user=user,
                institution=institution,
                network_id=institution.network_id,  # type: ignore[misc]  # an institution has one
                comment=comment.strip(),
            )
            RequestedProfile.objects.bulk_create(
                RequestedProfile(
                    request=access_request, profile=p, user=user, institution=institution
                )
                for p in profiles
            )
            record_event(
                action=Action.REQUEST_SUBMITTED,
                actor=user,
                target=access_request,
                data={
                    "institution": institution.label,
                    "profiles": [p.code for p in profiles],
                },
                request=request,
            )
            notifications.tell_submission(
                access_request=access_request, institution=institution, profiles=profiles
            )
    except IntegrityError as exc:  # the partial unique constraint on open profiles
        raise DuplicateRequest() from exc
    return access_request


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
        with transaction.atomic():
            approved = transition(
                access_request=access_request, to=Status.APPROVED, actor=actor, request=request
            )
            profiles = list(approved.profiles.select_related("prerequisite"))
            expires_at = memberships.grant_memberships(approved=approved, profiles=profiles)
            notifications.tell_applicant(approved, "request_approved", expires_at=expires_at)
    except RequestError:
        access_request.refresh_from_db()  # the transition was rolled back
        raise
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
        notifications.tell_applicant(rejected, "request_rejected")
    return rejected


def can_send_reminder(access_request: AccessRequest, *, now: datetime | None = None) -> bool:
    """True while the request is pending, has waited ``REMINDER_AFTER_DAYS`` days and no
    reminder was sent for it yet (what the applicant's page shows the button for)."""
    now = now or timezone.now()
    return (
        bool(ALLOWED_TRANSITIONS[access_request.status])
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
        locked = _lock(access_request)
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
            action=Action.REQUEST_REMINDED,
            actor=user,
            target=locked,
            data={"network": locked.network_id},
            request=request,
        )
        notifications.tell_reminder(locked)
    access_request.refresh_from_db()
    return locked


def delete_user_rows(user: User) -> None:
    """The account-deletion hook (``accounts.services.on_account_deletion``): the user's
    memberships, which PROTECT the requests that granted them, then the requests."""
    memberships.delete_user_memberships(user=user)
    AccessRequest.objects.filter(user=user).delete()
