"""Adding and verifying a mobile phone (issue 3's mobile-phone part)."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, SMSDevice
from accounts.sms import SMSDeliveryError
from tests.accounts.two_factor_support import last_sms_code, pass_sms_challenge, reauthenticate
from tests.factories import SMSDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE_URL = "/security/phone/"


@pytest.fixture
def user(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_the_page_shows_the_guides_placeholder_and_help_text(client, user):
    response = client.get(reverse("two_factor:phone"))

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'placeholder="+32 123 45 67 89"' in body
    help_text = "International format including country code, e.g. for Belgium: +32 123 45 67 89"
    assert help_text in body


def test_a_number_counts_only_once_its_sms_code_is_entered(client, user, sms_outbox):
    response = client.post(PHONE_URL, {"number": "+32 470 12 34 56"})

    assert response.status_code == HTTPStatus.FOUND
    device = SMSDevice.objects.get(user=user)
    assert device.confirmed is False
    assert not user.has_verified_phone()
    assert sms_outbox[-1].to == "+32470123456"
    assert not client.session.get("otp_device_id")
    page = client.get(PHONE_URL).content.decode()
    assert "Unverified" in page
    assert "+32 470 12 34 56" in page

    response = client.post(reverse("two_factor:phone-verify"), {"code": last_sms_code()})

    assert response.status_code == HTTPStatus.FOUND
    device.refresh_from_db()
    user.refresh_from_db()
    assert device.confirmed is True
    assert user.has_verified_phone()
    assert user.mobile_phone == "+32470123456"
    actions = set(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert {"phone_added", "sms_sent", "phone_verified", "otp_verified"} <= actions
    # The code entered proves possession, as the challenge would: the session is verified.
    assert client.session["otp_device_id"] == device.persistent_id


def test_after_verification_the_user_goes_on_to_next(client, user):
    client.post(PHONE_URL + "?next=/cpms/", {"number": "+4915112345678", "next": "/cpms/"})

    response = client.post(
        reverse("two_factor:phone-verify"), {"code": last_sms_code(), "next": "/cpms/"}
    )

    assert response["Location"] == "/cpms/"


def test_a_foreign_next_is_ignored(client, user):
    client.post(PHONE_URL, {"number": "+4915112345678"})

    response = client.post(
        reverse("two_factor:phone-verify"),
        {"code": last_sms_code(), "next": "https://evil.example/steal"},
    )

    assert response["Location"] == reverse("two_factor:phone")


def test_a_wrong_code_is_refused_and_then_throttled(client, user, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    client.post(PHONE_URL, {"number": "+4915112345678"})
    code = last_sms_code()
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(reverse("two_factor:phone-verify"), {"code": wrong})
    assert response.status_code == HTTPStatus.OK
    assert "The code is not valid" in response.content.decode()

    response = client.post(reverse("two_factor:phone-verify"), {"code": code})
    assert "Too many wrong codes" in response.content.decode()
    assert not user.has_verified_phone()
    # Both refusals are in the audit trail, the second one as throttled.
    refused = AuditEvent.objects.filter(actor=user, action="otp_failed").order_by("pk")
    assert [event.data for event in refused] == [
        {"method": "sms"},
        {"method": "sms", "throttled": True},
    ]

    time_machine.shift(2)
    client.post(reverse("two_factor:phone-verify"), {"code": code})
    assert user.has_verified_phone()


def test_a_number_outside_the_allow_list_is_refused_with_a_message(client, user, sms_outbox):
    response = client.post(PHONE_URL, {"number": "+1 202 555 0143"})

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Mobile numbers from this country are not accepted" in body
    assert 'value="+1 202 555 0143"' in body  # nothing typed is lost
    assert not SMSDevice.objects.filter(user=user).exists()
    assert sms_outbox == []


def test_the_allow_list_is_configurable(client, user, settings):
    settings.ACCOUNTS_PHONE_ALLOWED_REGIONS = ["CH"]

    refused = client.post(PHONE_URL, {"number": "+4915112345678"})
    accepted = client.post(PHONE_URL, {"number": "+41 79 123 45 67"})

    assert "not accepted" in refused.content.decode()
    assert accepted.status_code == HTTPStatus.FOUND


def test_an_invalid_number_is_refused_with_a_message(client, user):
    response = client.post(PHONE_URL, {"number": "12345"})

    assert "Enter a valid mobile phone number" in response.content.decode()


def test_a_provider_failure_shows_the_message_and_keeps_the_number(
    client, user, monkeypatch, sms_outbox
):
    def fail(to, body):
        raise SMSDeliveryError()

    monkeypatch.setattr("accounts.two_factor.services.send_sms", fail)

    response = client.post(PHONE_URL, {"number": "+4915112345678"})

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "We could not send the SMS, please try again." in body
    assert 'value="+4915112345678"' in body or 'value="+49 1511 2345678"' in body
    assert AuditEvent.objects.filter(actor=user, action="sms_failed").exists()
    # The failure lifted the cooldown: "try again" works at once.
    monkeypatch.undo()
    client.post(reverse("two_factor:phone-resend"))
    assert len(sms_outbox) == 1


def test_replacing_a_verified_number_needs_a_verified_session(client, sms_outbox):
    user = SMSDeviceFactory().user
    client.force_login(user)

    response = client.post(PHONE_URL, {"number": "+32470123456"})

    assert response["Location"] == f"{reverse('two_factor:challenge')}?next=%2Fsecurity%2Fphone%2F"
    assert SMSDevice.objects.filter(user=user).count() == 1
    assert sms_outbox == []


def test_replacing_a_verified_number_needs_the_password_again(client, sms_outbox):
    user = SMSDeviceFactory().user
    client.force_login(user)
    pass_sms_challenge(client)

    response = client.post(PHONE_URL, {"number": "+32470123456"})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert SMSDevice.objects.filter(user=user).count() == 1

    # After the password the suspended request goes on: the new number gets its code.
    reauthenticate(client, response["Location"])
    new = SMSDevice.objects.get(user=user, confirmed=False)
    assert new.number == "+32470123456"
    assert sms_outbox[-1].to == "+32470123456"
    # The old number keeps working until the new one is verified.
    assert SMSDevice.objects.get(user=user, confirmed=True).number == "+4915112345678"
    assert user.has_verified_phone()

    client.post(reverse("two_factor:phone-verify"), {"code": last_sms_code()})

    assert list(SMSDevice.objects.filter(user=user).values_list("number", "confirmed")) == [
        ("+32470123456", True)
    ]


def test_sends_are_limited_per_number(client, user, time_machine, sms_outbox):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    client.post(PHONE_URL, {"number": "+4915112345678"})
    for _i in range(2):
        time_machine.shift(61)  # past the resend cooldown
        client.post(reverse("two_factor:phone-resend"))
    assert len(sms_outbox) == 3

    time_machine.shift(61)
    response = client.post(reverse("two_factor:phone-resend"), follow=True)

    assert len(sms_outbox) == 3
    assert "Too many codes were requested" in response.content.decode()


def test_a_resend_within_the_cooldown_is_refused_with_the_seconds_left(
    client, user, time_machine, sms_outbox
):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    client.post(PHONE_URL, {"number": "+4915112345678"})
    time_machine.shift(20)

    response = client.post(reverse("two_factor:phone-resend"), follow=True)

    assert len(sms_outbox) == 1
    body = response.content.decode()
    assert "You can ask for a new one in 40 seconds" in body
    assert 'data-countdown="40"' in body


def test_adding_a_phone_is_audited_with_the_clients_address(client, user):
    client.post(PHONE_URL, {"number": "+32 470 12 34 56"}, REMOTE_ADDR="203.0.113.9")

    event = AuditEvent.objects.get(action=AuditEvent.Action.PHONE_ADDED)
    assert event.ip == "203.0.113.9"


def test_phone_and_code_labels_have_no_colon_as_in_the_guide(client, user):
    client.post(PHONE_URL, {"number": "+32 470 12 34 56"})
    body = client.get(PHONE_URL).content.decode()

    assert "Mobile phone</label>" in body and "Verification code</label>" in body
    assert "Mobile phone:" not in body and "code:" not in body
