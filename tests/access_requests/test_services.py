import pytest

from access_requests import services
from access_requests.models import AccessRequest, Membership
from accounts.models import AuditEvent
from tests.factories import (
    AccessProfileFactory,
    AccessRequestFactory,
    ApplicationFactory,
    InstitutionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
S = AccessRequest.Status


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


def _hp_and_coordinator(institution):
    hp = AccessProfileFactory(application=institution.application, code="HP", name="HP")
    coordinator = AccessProfileFactory(
        application=institution.application,
        code="COORDINATOR",
        name="Coordinator",
        prerequisite=hp,
    )
    return hp, coordinator


def test_approval_refuses_a_coordinator_whose_hp_request_was_rejected():
    inst = InstitutionFactory()
    hp, coordinator = _hp_and_coordinator(inst)
    user, admin = UserFactory(), UserFactory(is_staff=True)
    hp_request = services.submit_request(user=user, institution=inst, profiles=[hp])
    # Allowed while HP is pending…
    coordinator_request = services.submit_request(
        user=user, institution=inst, profiles=[coordinator]
    )
    services.reject_request(access_request=hp_request, actor=admin, reason="Not known here")

    with pytest.raises(services.RequestError, match="needs the HP profile"):
        services.approve_request(access_request=coordinator_request, actor=admin)
    assert coordinator_request.status == S.SUBMITTED  # the caller's copy too
    coordinator_request.refresh_from_db()
    assert coordinator_request.status == S.SUBMITTED
    assert not Membership.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="request_approved").exists()


def test_approval_grants_a_coordinator_with_hp_held_or_requested_together():
    inst = InstitutionFactory()
    hp, coordinator = _hp_and_coordinator(inst)
    admin = UserFactory(is_staff=True)
    together = AccessRequestFactory(institution=inst, with_profiles=[coordinator, hp])
    services.approve_request(access_request=together, actor=admin)
    later = AccessRequestFactory(
        user=together.user,
        institution=InstitutionFactory(parent=inst.parent),
        with_profiles=[coordinator],
    )
    services.approve_request(access_request=later, actor=admin)
    assert Membership.objects.active().filter(user=together.user).count() == 3


def test_submit_applies_the_rules_of_step_3():
    inst = InstitutionFactory()
    hp, coordinator = _hp_and_coordinator(inst)
    user = UserFactory()
    with pytest.raises(services.InvalidProfileChoice, match="needs the HP profile"):
        services.submit_request(user=user, institution=inst, profiles=[coordinator])
    foreign = AccessProfileFactory(
        application=ApplicationFactory(code="other", name="Other"), code="OTHER"
    )
    with pytest.raises(services.InvalidProfileChoice, match="not a profile of this application"):
        services.submit_request(user=user, institution=inst, profiles=[foreign])
    Membership.objects.create(user=user, institution=inst, network=inst.network, profile=hp)
    with pytest.raises(services.InvalidProfileChoice, match="already hold the HP profile"):
        services.submit_request(user=user, institution=inst, profiles=[hp])
    assert not AccessRequest.objects.exists()
