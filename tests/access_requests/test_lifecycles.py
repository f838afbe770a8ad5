"""The two state machines, stated literally: what each status may become, and what each
service does from each status. The maps in the code must equal these tables."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access_requests import services
from access_requests.audit_actions import Action
from access_requests.models import AccessRequest, Membership
from accounts.models import AuditEvent, OutboundEmail
from tests.factories import (
    AccessRequestFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# --- Access requests ---------------------------------------------------------------------

REQUEST_MOVES = {
    ("submitted", "approved"),
    ("submitted", "rejected"),
    ("submitted", "withdrawn"),
}
REQUEST_STATUSES = ["submitted", "approved", "rejected", "withdrawn"]


def test_the_request_map_is_the_table():
    assert {
        (start, to) for start, targets in services.ALLOWED_TRANSITIONS.items() for to in targets
    } == REQUEST_MOVES
    assert sorted(services.ALLOWED_TRANSITIONS) == sorted(REQUEST_STATUSES)


def _request_in(status: str) -> AccessRequest:
    request = AccessRequestFactory()
    if status != "submitted":
        services.transition(access_request=request, to=status, actor=None, reason="set up")
    return request


@pytest.mark.parametrize("start", REQUEST_STATUSES)
@pytest.mark.parametrize("to", REQUEST_STATUSES)
def test_transition_follows_the_table(start, to):
    request = _request_in(start)
    if (start, to) in REQUEST_MOVES:
        services.transition(access_request=request, to=to, actor=None, reason="r")
        request.refresh_from_db()
        assert request.status == to
    else:
        with pytest.raises(services.TransitionNotAllowed):
            services.transition(access_request=request, to=to, actor=None, reason="r")
        request.refresh_from_db()
        assert request.status == start


@pytest.mark.parametrize(("start", "allowed"), [("submitted", True), ("approved", False)])
def test_a_reminder_is_sent_only_while_the_request_is_open(start, allowed):
    request = _request_in(start)
    AccessRequest.objects.filter(pk=request.pk).update(
        submitted_at=timezone.now() - timedelta(days=60)
    )
    request.refresh_from_db()
    if allowed:
        services.send_reminder(access_request=request, user=request.user)
        request.refresh_from_db()
        assert request.reminder_sent_at is not None
    else:
        with pytest.raises(services.TransitionNotAllowed, match="already approved"):
            services.send_reminder(access_request=request, user=request.user)


# --- Memberships -------------------------------------------------------------------------

MEMBERSHIP_MOVES = {
    ("active", "revoke", "revoked"),
    ("active", "extend", "active"),
    ("active", "expire", "expired"),
    ("revoked", "reinstate", "active"),
}

# What each service leaves from each status: the new status, or None when it refuses.
SERVICE_TABLE = [
    ("active", "revoke", "revoked"),
    ("active", "extend", "active"),
    ("active", "reinstate", None),
    ("active", "expire", "expired"),
    ("revoked", "revoke", None),
    ("revoked", "extend", None),
    ("revoked", "reinstate", "active"),
    ("revoked", "expire", "revoked"),
    ("expired", "revoke", None),
    ("expired", "extend", None),
    ("expired", "reinstate", None),
    ("expired", "expire", "expired"),
]


def test_the_membership_map_is_the_table():
    assert {
        (start, move, to)
        for start, moves in services.MEMBERSHIP_TRANSITIONS.items()
        for move, to in moves.items()
    } == MEMBERSHIP_MOVES
    assert sorted(services.MEMBERSHIP_TRANSITIONS) == ["active", "expired", "revoked"]


def _guest_membership(status: str) -> Membership:
    """A guest membership (it expires in two days) in ``status``."""
    guest = InstitutionFactory(code="0000", name="Guest Access")
    ended = timezone.now() if status != "active" else None
    return MembershipFactory(
        institution=guest,
        status=status,
        ended_at=ended,
        expires_at=timezone.now() + timedelta(days=2),
    )


def _run(move: str, membership: Membership, admin) -> None:
    match move:
        case "revoke":
            services.revoke_membership(membership=membership, actor=admin, reason="r")
        case "extend":
            services.extend_membership(membership=membership, actor=admin, days=10)
        case "reinstate":
            services.reinstate_membership(membership=membership, actor=admin, reason="r")
        case "expire":
            services.expire_memberships(now=timezone.now() + timedelta(days=3))


@pytest.mark.parametrize(("start", "move", "result"), SERVICE_TABLE)
def test_membership_services_follow_the_table(start, move, result):
    admin = UserFactory(is_staff=True, is_superuser=True)
    membership = _guest_membership(start)
    if result is None:
        with pytest.raises(services.RequestError):
            _run(move, membership, admin)
        membership.refresh_from_db()
        assert membership.status == start
    else:
        _run(move, membership, admin)
        membership.refresh_from_db()
        assert membership.status == result


def test_reinstating_restores_access_with_a_reason_audited_and_mailed():
    admin = UserFactory(is_staff=True, is_superuser=True)
    membership = MembershipFactory()
    services.revoke_membership(membership=membership, actor=admin, reason="wrong person")
    with pytest.raises(services.RequestError, match="reason is required"):
        services.reinstate_membership(membership=membership, actor=admin, reason="  ")

    services.reinstate_membership(membership=membership, actor=admin, reason="revoked in error")

    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert (membership.ended_at, membership.ended_by, membership.end_reason) == (None, None, "")
    event = AuditEvent.objects.get(action=Action.MEMBERSHIP_REINSTATED)
    assert event.actor == admin and event.data["reason"] == "revoked in error"
    assert event.data["ended_at"]
    mail = OutboundEmail.objects.filter(to=membership.user.email).order_by("-pk").first()
    assert mail is not None and "reinstated" in mail.subject.lower()


def test_reinstating_is_refused_when_the_profile_is_held_again():
    admin = UserFactory(is_staff=True, is_superuser=True)
    membership = MembershipFactory()
    services.revoke_membership(membership=membership, actor=admin, reason="left")
    MembershipFactory(
        user=membership.user, institution=membership.institution, profile=membership.profile
    )
    with pytest.raises(services.RequestError, match="holds this profile"):
        services.reinstate_membership(membership=membership, actor=admin, reason="back")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REVOKED
    assert not AuditEvent.objects.filter(action=Action.MEMBERSHIP_REINSTATED).exists()


def test_reinstating_a_guest_past_its_date_is_refused():
    admin = UserFactory(is_staff=True, is_superuser=True)
    membership = MembershipFactory(
        status=Membership.Status.REVOKED,
        ended_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(services.RequestError, match="expiry date has passed"):
        services.reinstate_membership(membership=membership, actor=admin, reason="back")
