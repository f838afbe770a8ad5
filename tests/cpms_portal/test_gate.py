"""The CPMS gate, walked in order: each missing requirement sends the user to the page
that fulfils it, and each such page sends the user back to the page asked for."""

from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.urls import reverse

from access_requests.services import revoke_membership
from cpms_portal import gate
from tests.accounts.two_factor_support import last_sms_code, pass_sms_challenge
from tests.factories import (
    AccessRequestFactory,
    ApplicationFactory,
    MembershipFactory,
    SMSDeviceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ASKED = "/cpms/?tab=panels"
NEXT = quote(ASKED, safe="")


def make_verified_member(client):
    """A member past every step: membership, verified phone, SMS code entered."""
    device = SMSDeviceFactory()
    membership = MembershipFactory(user=device.user, answered=True)
    client.force_login(device.user)
    pass_sms_challenge(client)
    return membership


@pytest.fixture
def verified_member(client):
    return make_verified_member(client)


@pytest.fixture
def clock(time_machine):
    """Time stopped at a fixed instant, before anything of the test happens."""
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    return time_machine


def test_the_requirements_are_in_the_designs_order():
    assert [r.name for r in gate.REQUIREMENTS] == [
        "login",
        "membership",
        "phone",
        "second_factor",
        "preferences",
    ]


def test_a_new_user_walks_every_step_in_order_and_lands_on_the_page_asked_for(client, clock):
    ApplicationFactory()  # the CPMS, open for requests
    user = UserFactory()

    # 1. Not logged in: the login page, with the way back.
    response = client.get(ASKED)
    assert response["Location"] == f"{reverse('account_login')}?next={quote(ASKED, safe='/')}"
    # (The login page itself, and its return to ``next``, are allauth's and the accounts
    # issue's; here the user simply logs in.)
    client.force_login(user)

    # 2. No membership: the request-access page, with the guide's message.
    response = client.get(ASKED)
    assert response["Location"] == f"{reverse('access_requests:home')}?next={NEXT}"
    page = client.get(response["Location"]).content.decode()
    assert "You don't have any User Profile for this Application," in page
    MembershipFactory(user=user)

    # 3. No verified phone: the phone page, then back once verified. The code entered
    # proves the phone is at hand, so this session needs no second SMS.
    response = client.get(ASKED)
    assert response["Location"] == f"{reverse('two_factor:phone')}?next={NEXT}"
    client.post(response["Location"], {"number": "+32470123456", "next": ASKED})
    response = client.post(
        reverse("two_factor:phone-verify"), {"code": last_sms_code(), "next": ASKED}
    )
    assert response["Location"] == ASKED
    # (Only the preferences, step 5, are left.)
    assert client.get(ASKED)["Location"].startswith(reverse("preferences:update"))

    # 4. At the next login: no second factor in this session, the challenge page, then back.
    client.logout()
    client.force_login(user)
    clock.shift(61)  # past the resend cooldown of the phone's verification code
    response = client.get(ASKED)
    assert response["Location"] == f"{reverse('two_factor:challenge')}?next={NEXT}"
    response = pass_sms_challenge(client, ASKED)
    assert response["Location"] == ASKED

    # 5. Preferences, the first time only: the thematic areas, then the page asked for.
    response = client.get(ASKED)
    assert response["Location"] == f"{reverse('preferences:update')}?next={NEXT}"
    page = client.get(response["Location"]).content.decode()
    assert "please choose the thematic areas of your expertise" in page
    network = user.memberships.get().network
    response = client.post(response["Location"], {f"ern{network.pk}-none": "on", "next": ASKED})
    assert response["Location"] == ASKED
    response = client.get(ASKED)
    assert response.status_code == HTTPStatus.OK
    assert "Start working with the CPMS!" in response.content.decode()


def test_a_pending_request_says_it_is_being_validated(client):
    request = AccessRequestFactory()
    client.force_login(request.user)

    response = client.get("/cpms/", follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("access_requests:home"))
    assert "Your request is being validated by the administrators" in response.content.decode()


APPROVAL_FIRST = "You can open CPMS once an administrator has approved your access request."


def test_without_a_membership_the_home_says_why_cpms_did_not_open(client):
    client.force_login(UserFactory())

    response = client.get("/cpms/", follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("access_requests:home"))
    assert APPROVAL_FIRST in response.content.decode()
    # Said once: the next page no longer carries it.
    assert APPROVAL_FIRST not in client.get(reverse("access_requests:home")).content.decode()


def test_the_other_requirements_send_on_without_a_message(client):
    membership = MembershipFactory()
    client.force_login(membership.user)

    response = client.get("/cpms/", follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("two_factor:phone"))
    assert APPROVAL_FIRST not in response.content.decode()
    assert not list(response.context["messages"])


def test_a_member_without_phone_is_not_asked_for_a_code(client):
    membership = MembershipFactory()
    client.force_login(membership.user)

    response = client.get("/cpms/")

    assert response["Location"].startswith(reverse("two_factor:phone"))


def test_a_phone_without_membership_is_not_enough(client):
    client.force_login(SMSDeviceFactory().user)

    response = client.get("/cpms/")

    assert response["Location"].startswith(reverse("access_requests:home"))


def test_an_unverified_phone_does_not_count(client):
    device = SMSDeviceFactory(confirmed=False)
    MembershipFactory(user=device.user)
    client.force_login(device.user)

    response = client.get("/cpms/")

    assert response["Location"].startswith(reverse("two_factor:phone"))


def test_a_member_with_everything_reaches_the_home_with_their_memberships(client, verified_member):
    response = client.get("/cpms/")

    assert response.status_code == HTTPStatus.OK
    assert verified_member.institution.name in response.content.decode()


def test_revoking_a_membership_blocks_the_very_next_request(client, verified_member):
    assert client.get("/cpms/").status_code == HTTPStatus.OK

    revoke_membership(
        membership=verified_member, actor=UserFactory(is_staff=True), reason="Left the hospital"
    )

    # Revocation ends every session of the member (tests/security/test_sessions.py).
    response = client.get("/cpms/")
    assert response["Location"].startswith(reverse("account_login"))


def test_an_expired_membership_blocks_the_next_request(client, clock):
    from django.utils import timezone

    verified_member = make_verified_member(client)
    verified_member.expires_at = timezone.now() + timezone.timedelta(minutes=10)
    verified_member.save()
    assert client.get("/cpms/").status_code == HTTPStatus.OK

    clock.shift(11 * 60)

    response = client.get("/cpms/")
    assert response["Location"].startswith(reverse("access_requests:home"))


def test_a_membership_of_another_application_does_not_open_the_cpms(client):
    from tests.factories import InstitutionFactory, NetworkFactory

    other = ApplicationFactory(code="ecp", name="ECP")
    institution = InstitutionFactory(
        parent__parent=NetworkFactory(application=other), application=other
    )
    device = SMSDeviceFactory()
    MembershipFactory(user=device.user, institution=institution)
    client.force_login(device.user)

    response = client.get("/cpms/")

    assert response["Location"].startswith(reverse("access_requests:home"))


def test_removing_the_device_that_verified_the_session_ends_the_verification(
    client, verified_member
):
    verified_member.user.smsdevice_set.all().delete()

    response = client.get("/cpms/")

    assert response["Location"].startswith(reverse("two_factor:phone"))


def test_pages_outside_the_cpms_are_not_gated(client):
    client.force_login(UserFactory())

    assert client.get(reverse("home")).status_code == HTTPStatus.OK
    assert client.get(reverse("two_factor:phone")).status_code == HTTPStatus.OK


def test_the_list_is_easy_to_extend(client, verified_member, monkeypatch):
    extra = gate.Requirement("extra", lambda r: False, lambda r: "/elsewhere/")
    monkeypatch.setattr(gate, "REQUIREMENTS", [*gate.REQUIREMENTS, extra])

    response = client.get("/cpms/")

    assert response["Location"] == "/elsewhere/?next=%2Fcpms%2F"


def test_a_requirements_own_page_under_the_cpms_prefix_stays_open(client, verified_member):
    own = gate.Requirement("own", lambda r: False, lambda r: "/cpms/")
    original = gate.REQUIREMENTS
    gate.REQUIREMENTS = [*original, own]
    try:
        response = client.get("/cpms/")
    finally:
        gate.REQUIREMENTS = original

    assert response.status_code == HTTPStatus.OK


# --- sessions ------------------------------------------------------------------------------


def test_an_idle_session_ends_after_thirty_minutes(client, clock):
    make_verified_member(client)
    assert client.get("/cpms/").status_code == HTTPStatus.OK

    clock.shift(31 * 60)
    response = client.get("/cpms/")

    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_session_alive(client, clock):
    make_verified_member(client)
    for _i in range(4):
        clock.shift(20 * 60)
        assert client.get("/cpms/").status_code == HTTPStatus.OK


def test_the_session_ends_after_twelve_hours_even_when_active(client, clock):
    make_verified_member(client)
    client.get("/cpms/")
    for _i in range(12 * 60 // 25):  # a request every 25 minutes for almost 12 hours
        clock.shift(25 * 60)
        assert client.get("/cpms/").status_code == HTTPStatus.OK

    clock.shift(25 * 60)
    response = client.get("/cpms/")

    assert response["Location"].startswith(reverse("account_login"))


def test_the_timeouts_are_configurable(client, clock, settings):
    settings.PORTAL_SESSION_IDLE_TIMEOUT = 5 * 60
    make_verified_member(client)
    client.get("/cpms/")

    clock.shift(6 * 60)

    assert client.get("/cpms/")["Location"].startswith(reverse("account_login"))


def test_logout_ends_the_session(client, verified_member):
    session_key = client.session.session_key

    client.post(reverse("account_logout"))

    from django.conf import settings
    from django.utils.module_loading import import_string

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    assert store.exists(session_key) is False  # gone from Redis or the database
    assert client.get("/cpms/")["Location"].startswith(reverse("account_login"))


def test_the_query_compiled_once_answers_as_the_query_built_each_time():
    """The gate compiles its query once per process with stand-ins for the user and the
    time; with each user's id and time put back it answers what the ORM would build."""
    from datetime import timedelta

    from django.utils import timezone

    from preferences.models import Expertise

    now = timezone.now()
    nothing = UserFactory()
    phone_only = SMSDeviceFactory().user
    unanswered = MembershipFactory().user
    SMSDeviceFactory(user=unanswered)
    complete = MembershipFactory(answered=True).user
    expiring = MembershipFactory(expires_at=now + timedelta(days=1)).user
    Expertise.objects.create(user=expiring, network=expiring.memberships.get().network)
    for user in [nothing, phone_only, unanswered, complete, expiring]:
        for at in [now, now + timedelta(days=2)]:
            built = tuple(bool(v) for v in gate._facts_query(user.pk, at).get())
            assert gate._run_facts_query(user.pk, at) == built, (user, at)
    assert gate._run_facts_query(complete.pk, now) == (True, False, True)
    assert gate._run_facts_query(expiring.pk, now + timedelta(days=2))[0] is False
    assert gate._run_facts_query(-1, now) == (False, False, False)
