"""Changing the password, the e-mail address, the phone or the second-factor methods asks
for the password again (allauth's recent authentication, 5 minutes).

ASVS 5.0 V6.2.3 (password change needs the current password), V7.5.1 (full
re-authentication before changing sensitive account attributes: e-mail, phone, MFA);
NIST SP 800-63B 6.1.2 (binding an authenticator needs authentication first).
"""

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SMSDevice
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    SMSDeviceFactory,
    force_login_verified,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a different long passphrase"


@pytest.fixture
def member(client):
    """A member whose session passed the second factor, but not recently the password."""
    device = SMSDeviceFactory(number="+32470123456")
    MembershipFactory(user=device.user)
    force_login_verified(client, device.user)
    return device.user


def _asks_for_password(response) -> bool:
    return response.status_code == HTTPStatus.FOUND and response["Location"].startswith(
        reverse("account_reauthenticate")
    )


def _reauthenticate(client, password=PASSWORD):
    return client.post(reverse("account_reauthenticate"), {"password": password})


def test_password_change_needs_the_current_password(client, member):
    url = reverse("account_change_password")
    for oldpassword in ["", "not my password at all"]:
        response = client.post(
            url, {"oldpassword": oldpassword, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        assert response.status_code == HTTPStatus.OK
        assert response.context["form"].errors["oldpassword"]
    member.refresh_from_db()
    assert member.check_password(PASSWORD)

    response = client.post(
        url, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_email_change_needs_the_password_again(client, member):
    data = {"action_add": "", "email": "anna@new.example.de"}
    assert _asks_for_password(client.post(reverse("account_email"), data))
    assert not EmailAddress.objects.filter(email="anna@new.example.de").exists()

    assert _reauthenticate(client, "a wrong password").status_code == HTTPStatus.OK
    assert _asks_for_password(client.post(reverse("account_email"), data))

    _reauthenticate(client)
    assert client.post(reverse("account_email"), data).status_code == HTTPStatus.FOUND
    assert EmailAddress.objects.filter(email="anna@new.example.de", verified=False).exists()


def test_phone_change_needs_the_password_again(client, member, sms_outbox):
    data = {"number": "+32470999888"}
    assert _asks_for_password(client.post(reverse("two_factor:phone"), data))
    assert not SMSDevice.objects.filter(number="+32470999888").exists()
    assert sms_outbox == []

    _reauthenticate(client)
    client.post(reverse("two_factor:phone"), data)
    assert SMSDevice.objects.filter(number="+32470999888", confirmed=False).exists()
    assert len(sms_outbox) == 1


def test_second_factor_methods_need_the_password_again(client, member):
    totp = TOTPDevice.objects.create(user=member, name="Authenticator app", confirmed=True)
    attempts = [
        client.get(reverse("two_factor:totp-setup")),
        client.post(reverse("two_factor:recovery-codes")),
        client.post(reverse("two_factor:remove"), {"method": "totp", "device": totp.pk}),
    ]
    assert all(_asks_for_password(response) for response in attempts)
    assert TOTPDevice.objects.filter(pk=totp.pk).exists()
    passkey = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert passkey.status_code == HTTPStatus.FORBIDDEN

    _reauthenticate(client)
    assert client.get(reverse("two_factor:totp-setup")).status_code == HTTPStatus.OK
    client.post(reverse("two_factor:remove"), {"method": "totp", "device": totp.pk})
    assert not TOTPDevice.objects.filter(pk=totp.pk).exists()
    passkey = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert passkey.status_code == HTTPStatus.OK


def test_recent_authentication_lasts_five_minutes(client, member, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    _reauthenticate(client)
    time_machine.shift(301)
    assert _asks_for_password(client.get(reverse("two_factor:totp-setup")))
