import pytest

from access_requests import services
from access_requests.models import AccessRequest, Membership
from accounts.models import AuditEvent
from tests.factories import (
    AccessProfileFactory,
    AccessRequestFactory,
    InstitutionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
S = AccessRequest.Status


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [(a, b, b in services.ALLOWED_TRANSITIONS[a]) for a in S.values for b in S.values],
)
def test_transition_table(start, target, allowed):
    admin = UserFactory(is_staff=True)
    req = AccessRequestFactory()
    if start != S.SUBMITTED:
        services.transition(access_request=req, to=start, actor=admin, reason="r")
    if allowed:
        services.transition(access_request=req, to=target, actor=admin, reason="r")
        req.refresh_from_db()
        assert req.status == target
    else:
        with pytest.raises(services.TransitionNotAllowed):
            services.transition(access_request=req, to=target, actor=admin, reason="r")


def test_submit_creates_one_request_and_audits():
    user = UserFactory()
    inst = InstitutionFactory()
    hp = AccessProfileFactory(application=inst.application)
    req = services.submit_request(user=user, institution=inst, profiles=[hp], comment=" hi ")
    assert req.status == S.SUBMITTED and req.comment == "hi" and req.network == inst.network
    assert AuditEvent.objects.filter(action="request_submitted", target_id=str(req.pk)).exists()
    with pytest.raises(services.DuplicateRequest):
        services.submit_request(user=user, institution=inst, profiles=[hp])
    assert AccessRequest.objects.count() == 1


def test_submit_refuses_a_country():
    inst = InstitutionFactory()
    with pytest.raises(services.RequestError):
        services.submit_request(
            user=UserFactory(), institution=inst.parent, profiles=[AccessProfileFactory()]
        )


def test_approve_grants_memberships_and_guest_expiry():
    admin = UserFactory(is_staff=True)
    guest = InstitutionFactory(code="0000", name="Guest Access")
    req = AccessRequestFactory(institution=guest)
    services.approve_request(access_request=req, actor=admin)
    membership = Membership.objects.get(user=req.user)
    assert membership.granted_by_request == req
    assert (membership.expires_at - req.decided_at).days == 90
    assert AuditEvent.objects.filter(action="request_approved").count() == 1


def test_reject_needs_a_reason_and_withdraw_only_by_owner():
    admin = UserFactory(is_staff=True)
    req = AccessRequestFactory()
    with pytest.raises(services.RequestError):
        services.reject_request(access_request=req, actor=admin, reason="  ")
    with pytest.raises(services.TransitionNotAllowed):
        services.withdraw_request(access_request=req, user=admin)
    services.withdraw_request(access_request=req, user=req.user)
    req.refresh_from_db()
    assert req.status == S.WITHDRAWN
    assert not req.items.filter(is_open=True).exists()


def test_revoke_keeps_history():
    admin = UserFactory(is_staff=True)
    req = AccessRequestFactory()
    services.approve_request(access_request=req, actor=admin)
    membership = Membership.objects.get()
    services.revoke_membership(membership=membership, actor=admin, reason="Left the hospital")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REVOKED and membership.ended_at
    with pytest.raises(services.TransitionNotAllowed):
        services.revoke_membership(membership=membership, actor=admin, reason="again")
