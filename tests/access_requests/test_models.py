import pytest
from django.db import IntegrityError, transaction

from access_requests.models import AccessRequest, Membership, RequestedProfile
from tests.factories import (
    AccessProfileFactory,
    AccessRequestFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_one_open_request_per_user_institution_and_profile():
    first = AccessRequestFactory()
    hp = first.profiles.get()
    second = AccessRequest.objects.create(
        user=first.user, institution=first.institution, network=first.network
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestedProfile.objects.create(
            request=second, profile=hp, user=first.user, institution=first.institution
        )
    # A closed request does not block a new one.
    RequestedProfile.objects.filter(request=first).update(is_open=False)
    RequestedProfile.objects.create(
        request=second, profile=hp, user=first.user, institution=first.institution
    )


def test_one_active_membership_per_user_institution_and_profile():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=membership.user,
            institution=membership.institution,
            network=membership.network,
            profile=membership.profile,
        )


def test_a_decided_request_needs_a_time_and_a_rejection_a_reason():
    req = AccessRequestFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessRequest.objects.filter(pk=req.pk).update(status="approved")
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        AccessRequest.objects.filter(pk=req.pk).update(
            status="rejected", decided_at=timezone.now()
        )


def test_an_ended_membership_needs_an_end_time():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(status="revoked")


def test_active_memberships_exclude_expired_ones(time_machine):
    from datetime import timedelta

    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    m = MembershipFactory(expires_at=timezone.now() + timedelta(days=1))
    assert Membership.objects.active().filter(pk=m.pk).exists()
    time_machine.shift(timedelta(days=2))
    assert not Membership.objects.active().filter(pk=m.pk).exists()


def test_institution_factory_builds_a_tree():
    inst = InstitutionFactory()
    assert inst.parent.parent == inst.network
    assert inst.network.network == inst.network
    assert AccessProfileFactory().code == "HP"
    assert UserFactory().emailaddress_set.get().verified
