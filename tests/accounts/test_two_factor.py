"""The SMS challenge: codes single-use, valid five minutes, throttled; sends rate-limited;
the session key rotated on success; everything audited."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.sms import SMSDeliveryError
from tests.accounts.two_factor_support import (
    pass_sms_challenge,
    send_challenge_code,
)
from tests.factories import MembershipFactory, SMSDeviceFactory

pytestmark = pytest.mark.django_db

CHALLENGE = "/security/challenge/"


@pytest.fixture
def member(client):
    """A CPMS member with a verified phone, logged in with the password only."""
    device = SMSDeviceFactory(number="+32470123456")
    MembershipFactory(user=device.user, answered=True)
    client.force_login(device.user)
    return device.user


def verify(client, code, next_url="/cpms/"):
    return client.post(
        CHALLENGE, {"method": "sms", "action": "verify", "code": code, "next": next_url}
    )


def test_the_cpms_home_is_reached_only_after_a_correct_code(client, member):
    response = client.get("/cpms/")
    assert response["Location"] == f"{CHALLENGE}?next=%2Fcpms%2F"

    page = client.get(response["Location"]).content.decode()
    assert "Choose your verification method" in page
    assert "Mobile Phone + SMS" in page
    assert "+32 •••••••56" in page  # masked except the last digits
    assert "470123456" not in page
    assert "Send code" in page

    code = send_challenge_code(client, "/cpms/")
    page = client.get(f"{CHALLENGE}?next=/cpms/").content.decode()
    assert "Authentication by SMS text challenge" in page
    assert "It might take several minutes for the message to reach your mobile phone" in page
    assert "SMS text challenge" in page
    assert "Sign in" in page
    assert client.get("/cpms/").status_code == HTTPStatus.FOUND

    response = verify(client, code)

    assert response["Location"] == "/cpms/"
    home = client.get("/cpms/")
    assert home.status_code == HTTPStatus.OK
    assert "Start working with the CPMS!" in home.content.decode()
    assert AuditEvent.objects.filter(actor=member, action="otp_verified").count() == 1


def test_success_rotates_the_session_key(client, member):
    code = send_challenge_code(client)
    before = client.session.session_key

    verify(client, code)

    assert client.session.session_key != before
    assert client.get("/cpms/").status_code == HTTPStatus.OK


def test_a_wrong_code_is_refused_and_audited(client, member):
    code = send_challenge_code(client)
    wrong = "000000" if code != "000000" else "111111"

    response = verify(client, wrong)

    assert response.status_code == HTTPStatus.OK
    assert "The code is not valid" in response.content.decode()
    assert client.get("/cpms/").status_code == HTTPStatus.FOUND
    assert AuditEvent.objects.filter(actor=member, action="otp_failed").count() == 1


def test_wrong_codes_are_throttled_with_growing_delays(client, member, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    code = send_challenge_code(client)
    wrong = "000000" if code != "000000" else "111111"
    verify(client, wrong)
    verify(client, wrong)  # refused unchecked: still inside the 1-second delay
    time_machine.shift(1)
    verify(client, wrong)  # second failure: the next try needs 2 seconds
    time_machine.shift(1)

    response = verify(client, code)

    assert "Too many wrong codes. Please wait 1 seconds" in response.content.decode()
    assert client.get("/cpms/").status_code == HTTPStatus.FOUND

    time_machine.shift(1)
    assert verify(client, code)["Location"] == "/cpms/"


def test_a_code_is_single_use(client, member):
    code = send_challenge_code(client)
    verify(client, code)
    client.logout()
    client.force_login(member)

    response = verify(client, code)

    assert "The code is not valid" in response.content.decode()
    assert client.get("/cpms/").status_code == HTTPStatus.FOUND


def test_a_code_expires_after_five_minutes(client, member, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    code = send_challenge_code(client)
    time_machine.shift(5 * 60 + 1)

    response = verify(client, code)

    assert "The code is not valid" in response.content.decode()
    assert client.get("/cpms/").status_code == HTTPStatus.FOUND


def test_a_code_is_accepted_just_before_it_expires(client, member, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    code = send_challenge_code(client)
    time_machine.shift(5 * 60 - 1)

    assert verify(client, code)["Location"] == "/cpms/"


def test_a_resend_waits_for_the_cooldown_with_a_visible_countdown(
    client, member, time_machine, sms_outbox
):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    send_challenge_code(client)
    time_machine.shift(15)

    page = client.get(CHALLENGE).content.decode()
    assert 'data-countdown="45"' in page
    assert "You can ask for a new code in" in page
    assert "countdown.js" in page

    response = client.post(CHALLENGE, {"method": "sms", "action": "send"}, follow=True)
    assert len(sms_outbox) == 1
    assert "in 45 seconds" in response.content.decode()

    time_machine.shift(46)
    client.post(CHALLENGE, {"method": "sms", "action": "send"})
    assert len(sms_outbox) == 2
    assert 'data-countdown="' in client.get(CHALLENGE).content.decode()


def test_sends_are_limited_per_number_whatever_the_cooldown(
    client, member, time_machine, sms_outbox
):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    for _i in range(3):
        send_challenge_code(client)
        time_machine.shift(61)

    response = client.post(CHALLENGE, {"method": "sms", "action": "send"}, follow=True)

    assert len(sms_outbox) == 3
    assert "Too many codes were requested" in response.content.decode()
    time_machine.shift(5 * 60)
    send_challenge_code(client)
    assert len(sms_outbox) == 4


def test_sends_are_limited_per_ip_across_users(client, settings, sms_outbox):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "cpms_sms_send": "2/h/ip"}
    for number in ("+32470000001", "+32470000002", "+32470000003"):
        device = SMSDeviceFactory(number=number)
        client.force_login(device.user)
        client.post(CHALLENGE, {"method": "sms", "action": "send"})

    assert [m.to for m in sms_outbox] == ["+32470000001", "+32470000002"]


def test_a_provider_failure_shows_the_message(client, member, monkeypatch, sms_outbox):
    def fail(to, body):
        raise SMSDeliveryError()

    monkeypatch.setattr("accounts.two_factor.services.send_sms", fail)

    response = client.post(CHALLENGE, {"method": "sms", "action": "send"}, follow=True)

    body = response.content.decode()
    assert "We could not send the SMS, please try again." in body
    assert "Send code" in body  # back to the first step, nothing pending
    assert AuditEvent.objects.filter(actor=member, action="sms_failed").exists()


def test_a_verified_session_skips_the_challenge(client, member):
    pass_sms_challenge(client)

    response = client.get(CHALLENGE + "?next=/cpms/")

    assert response["Location"] == "/cpms/"


def test_the_challenge_refuses_a_foreign_next(client, member):
    code = send_challenge_code(client)

    response = verify(client, code, next_url="https://evil.example/")

    assert response["Location"] == reverse("cpms-home")


def test_a_user_without_a_phone_is_sent_to_add_one(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())

    response = client.get(CHALLENGE + "?next=/cpms/")

    assert response["Location"] == "/security/phone/?next=%2Fcpms%2F"


def test_the_challenge_label_has_no_colon_as_in_the_guide(client, member):
    send_challenge_code(client)
    body = client.get(CHALLENGE).content.decode()

    assert "SMS text challenge</label>" in body and "SMS text challenge:" not in body


def test_a_double_click_sends_one_sms(rf, member, sms_outbox):
    """Both requests read the phone before either sent: the second sees the cooldown
    on the locked row and sends nothing."""
    from accounts.models import SMSDevice
    from accounts.two_factor import services

    first_click = SMSDevice.objects.get(user=member)
    second_click = SMSDevice.objects.get(user=member)
    request = rf.post(CHALLENGE)
    request.user = member
    request.session = {}

    services.send_sms_code(device=first_click, request=request)
    with pytest.raises(services.SendNotAllowed):
        services.send_sms_code(device=second_click, request=request)

    assert len(sms_outbox) == 1


def test_the_challenge_does_not_say_signed_in_before_the_code(client, member):
    from tests.factories import PASSWORD

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0].startswith(CHALLENGE)
    assert "Successfully signed in" not in response.content.decode()
