import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db.models import Count

from access_requests.models import (
    AccessRequest,
    Membership,
    NetworkAdministrator,
    Organisation,
    RequestedProfile,
)
from accounts.models import SMSDevice, User
from cpms_portal.management.commands.generate_volume import DEFAULT_PASSWORD, EMAIL_DOMAIN
from preferences.models import Expertise

pytestmark = pytest.mark.django_db

SIZES = {"institutions": 30, "users": 60, "requests": 150, "memberships": 120}


def generate(seed: int = 7, **sizes) -> None:
    call_command("generate_volume", seed=seed, verbosity=0, **(SIZES | sizes))


def synthetic_institutions():
    return Organisation.objects.filter(kind="institution", code__regex=r"^[A-Z]{2}\d{3,}$")


def snapshot() -> dict[str, list]:
    """Everything the generator decides, keyed so two runs can be compared."""
    return {
        "institutions": list(
            synthetic_institutions()
            .order_by("pk")
            .values_list("pk", "parent_id", "network_id", "code", "name")
        ),
        "users": list(
            User.objects.filter(email__endswith=EMAIL_DOMAIN)
            .order_by("pk")
            .values_list("pk", "email", "first_name", "last_name", "password", "is_staff")
        ),
        "requests": list(
            AccessRequest.objects.order_by("pk").values_list(
                "pk", "user_id", "institution_id", "status", "submitted_at", "decided_at"
            )
        ),
        "items": list(
            RequestedProfile.objects.order_by("pk").values_list(
                "request_id", "profile_id", "is_open"
            )
        ),
        "memberships": list(
            Membership.objects.order_by("pk").values_list(
                "user_id", "institution_id", "profile_id", "status", "granted_by_request_id"
            )
        ),
    }


def delete_synthetic_volume() -> None:
    Expertise.objects.all().delete()
    Membership.objects.all().delete()
    AccessRequest.objects.all().delete()
    User.objects.filter(email__endswith=EMAIL_DOMAIN).delete()
    synthetic_institutions().delete()


def test_creates_the_requested_counts_on_top_of_reference_data(reference_data):
    institutions_before = Organisation.objects.filter(kind="institution").count()

    generate()

    assert Organisation.objects.filter(kind="institution").count() == institutions_before + 30
    assert User.objects.count() == 60
    assert AccessRequest.objects.count() == 150
    assert Membership.objects.count() == 120
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 60
    assert SMSDevice.objects.filter(confirmed=True).count() == 60
    assert NetworkAdministrator.objects.count() == 25
    assert set(AccessRequest.objects.values_list("status", flat=True)) == set(
        AccessRequest.Status.values
    )


def test_every_user_can_log_in_with_the_one_password(reference_data, client):
    generate(users=5, requests=0, memberships=0)

    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1
    user = User.objects.order_by("pk").last()
    assert user.check_password(DEFAULT_PASSWORD)
    assert client.login(email=user.email, password=DEFAULT_PASSWORD)


def test_requests_respect_the_constraints(reference_data):
    generate()

    open_items = RequestedProfile.objects.filter(is_open=True)
    assert (
        open_items.values("user", "institution", "profile")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
        == 0
    )
    assert not open_items.exclude(request__status="submitted").exists()
    assert not RequestedProfile.objects.filter(is_open=False, request__status="submitted").exists()
    for item in RequestedProfile.objects.select_related("request"):
        assert (item.user_id, item.institution_id) == (
            item.request.user_id,
            item.request.institution_id,
        )
    assert not AccessRequest.objects.exclude(status="submitted").filter(decided_at=None).exists()
    assert not AccessRequest.objects.filter(status="rejected", decision_reason="").exists()
    approved_grants = Membership.objects.exclude(granted_by_request=None)
    assert not approved_grants.exclude(granted_by_request__status="approved").exists()


def test_same_seed_same_data_other_seed_other_data(reference_data):
    generate(seed=42)
    first = snapshot()
    delete_synthetic_volume()

    generate(seed=42)
    assert snapshot() == first

    delete_synthetic_volume()
    generate(seed=43)
    assert snapshot()["users"] != first["users"]


def test_refuses_to_run_twice_on_the_same_database(reference_data):
    generate(users=2, requests=0, memberships=0, institutions=0)

    with pytest.raises(CommandError, match="already holds synthetic volume"):
        generate(users=2, requests=0, memberships=0, institutions=0)
