"""Second factors beyond SMS: authenticator app (TOTP), recovery codes, passkeys; the
methods page; changes need the password again."""

import re
import time
from binascii import unhexlify
from http import HTTPStatus

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, EncryptedTOTPDevice, RecoveryCodeDevice
from accounts.selectors import personal_data
from accounts.two_factor.views import TOTP_KEY_SESSION_KEY
from tests.accounts.two_factor_support import pass_sms_challenge, reauthenticate
from tests.factories import MembershipFactory, SMSDeviceFactory

pytestmark = pytest.mark.django_db

METHODS = "/security/"
TOTP_SETUP = "/security/authenticator-app/"
RECOVERY = "/security/recovery-codes/"
CHALLENGE = "/security/challenge/"


@pytest.fixture
def member(client):
    """A CPMS member whose session passed the SMS challenge."""
    device = SMSDeviceFactory()
    MembershipFactory(user=device.user, answered=True)
    client.force_login(device.user)
    pass_sms_challenge(client)
    return device.user


def shown_codes(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


def totp_code(key_hex: str) -> str:
    return f"{totp(unhexlify(key_hex)):06d}"


def enrol_totp(client) -> str:
    """Confirm the password, scan (read the key), prove a code; returns the key."""
    response = client.get(TOTP_SETUP)
    if response.status_code == HTTPStatus.FOUND:
        reauthenticate(client, response["Location"])
        response = client.get(TOTP_SETUP)
    key = client.session[TOTP_KEY_SESSION_KEY]
    client.post(TOTP_SETUP, {"code": totp_code(key)})
    return key


def test_the_methods_page_lists_sms_as_restricted_and_recommends_stronger_ones(client, member):
    body = client.get(METHODS).content.decode()

    assert "Mobile Phone + SMS" in body
    assert "restricted" in body
    assert "We recommend a security key, a passkey or an authenticator app" in body


def test_the_methods_page_needs_a_verified_session(client):
    device = SMSDeviceFactory()
    client.force_login(device.user)

    response = client.get(METHODS)

    assert response["Location"] == f"{CHALLENGE}?next=%2Fsecurity%2F"


def test_setting_up_an_app_needs_the_password_again(client, member):
    response = client.get(TOTP_SETUP)

    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert TOTP_KEY_SESSION_KEY not in client.session


def test_totp_enrolment_shows_a_server_side_qr_code_and_needs_a_right_code(client, member):
    response = client.get(TOTP_SETUP)
    reauthenticate(client, response["Location"])

    page = client.get(TOTP_SETUP).content.decode()
    assert "<svg" in page
    assert "otpauth" not in page  # the secret is in the QR code and as text, not as a link
    key = client.session[TOTP_KEY_SESSION_KEY]

    wrong = client.post(TOTP_SETUP, {"code": "000000" if totp_code(key) != "000000" else "1"})
    assert wrong.status_code == HTTPStatus.OK
    assert not TOTPDevice.objects.filter(user=member).exists()

    response = client.post(TOTP_SETUP, {"code": totp_code(key)})

    assert response["Location"] == METHODS
    device = EncryptedTOTPDevice.objects.get(user=member)
    assert device.confirmed and device.bin_key == unhexlify(key)
    assert key not in device.key  # encrypted at rest (tests/accounts/test_totp_encryption.py)
    assert TOTP_KEY_SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(actor=member, action="mfa_enrolled").exists()


def test_login_with_the_authenticator_app(client, member, time_machine):
    key = enrol_totp(client)
    client.logout()
    client.force_login(member)
    time_machine.move_to(time.time() + 30)  # the enrolment used this step's code

    page = client.get(f"{CHALLENGE}?next=/cpms/").content.decode()
    assert "Code from your authenticator app" in page  # the stronger method is the default
    assert "Mobile Phone + SMS" in page  # SMS stays on offer

    response = client.post(CHALLENGE, {"method": "totp", "code": totp_code(key), "next": "/cpms/"})

    assert response["Location"] == "/cpms/"
    assert client.get("/cpms/").status_code == HTTPStatus.OK
    event = AuditEvent.objects.filter(actor=member, action="otp_verified").first()
    assert event.data == {"method": "totp"}


def test_a_totp_code_is_not_accepted_twice(client, member, time_machine):
    time_machine.move_to("2026-03-02 10:00:05+00:00", tick=False)
    key = enrol_totp(client)  # uses the code of this 30-second step
    client.logout()
    client.force_login(member)

    response = client.post(CHALLENGE, {"method": "totp", "code": totp_code(key)})

    assert response.status_code == HTTPStatus.OK
    assert "The code is not valid" in response.content.decode()

    time_machine.shift(30)
    response = client.post(CHALLENGE, {"method": "totp", "code": totp_code(key)})
    assert response.status_code == HTTPStatus.FOUND


def test_the_sms_stays_usable_when_an_app_is_enrolled(client, member, time_machine):
    enrol_totp(client)
    client.logout()
    client.force_login(member)
    time_machine.move_to(time.time() + 61)  # past the resend cooldown of the first code

    response = pass_sms_challenge(client, "/cpms/")

    assert response["Location"] == "/cpms/"


def test_recovery_codes_are_shown_once_and_each_works_once(client, member):
    response = client.post(RECOVERY)
    reauthenticate(client, response["Location"])  # replays the POST: codes are made
    assert RecoveryCodeDevice.objects.filter(user=member).count() == 1
    response = client.post(RECOVERY)
    codes = shown_codes(response)
    assert len(codes) == 10
    assert "shown only this once" in response.content.decode()
    assert "<code>" not in client.get(RECOVERY).content.decode()

    client.logout()
    client.force_login(member)
    page = client.get(CHALLENGE + "?method=recovery").content.decode()
    assert "Recovery code" in page
    response = client.post(CHALLENGE, {"method": "recovery", "code": codes[0].upper()})
    assert response.status_code == HTTPStatus.FOUND
    assert "9 codes left" in client.get(METHODS).content.decode()

    client.logout()
    client.force_login(member)
    response = client.post(CHALLENGE, {"method": "recovery", "code": codes[0]})
    assert response.status_code == HTTPStatus.OK
    assert RecoveryCodeDevice.objects.get(user=member).token_set.count() == 9


def test_new_recovery_codes_replace_the_old_ones(client, member):
    response = client.post(RECOVERY)
    reauthenticate(client, response["Location"])
    old = shown_codes(client.post(RECOVERY))

    new = shown_codes(client.post(RECOVERY))

    assert set(new).isdisjoint(old)
    device = RecoveryCodeDevice.objects.get(user=member)  # one device, ten new codes
    assert device.token_set.count() == 10
    assert device.verify_token(new[0])
    assert not device.verify_token(old[0])


def test_recovery_codes_are_one_row_under_django_otps_model(client, member):
    """The codes' proxy is no second model: one row in the download of "my data", and
    audited under django-otp's model, as before the codes were hashed."""
    response = client.post(RECOVERY)
    reauthenticate(client, response["Location"])
    device = RecoveryCodeDevice.objects.get(user=member)

    records = personal_data(user=member)["records"]

    assert [row["id"] for row in records["otp_static.staticdevice"]] == [device.pk]
    assert "accounts.recoverycodedevice" not in records
    event = AuditEvent.objects.get(actor=member, action="mfa_enrolled")
    assert (event.target_type, event.target_id) == ("otp_static.staticdevice", str(device.pk))


def test_recovery_codes_can_be_removed_on_the_methods_page(client, member):
    response = client.post(RECOVERY)
    reauthenticate(client, response["Location"])
    device = RecoveryCodeDevice.objects.get(user=member)
    assert "Recovery code" in client.get(METHODS).content.decode()

    client.post(reverse("two_factor:remove"), {"method": "recovery", "device": device.pk})

    assert not RecoveryCodeDevice.objects.filter(user=member).exists()
    assert device.token_set.count() == 0
    event = AuditEvent.objects.get(actor=member, action="mfa_removed")
    assert event.data == {"method": "recovery"}


def test_removing_a_method_needs_the_password_and_is_audited(client, member, time_machine):
    enrol_totp(client)
    device = TOTPDevice.objects.get(user=member)
    time_machine.move_to(time.time() + 6 * 60)  # the password entered to enrol is now old

    response = client.post(reverse("two_factor:remove"), {"method": "totp", "device": device.pk})
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    reauthenticate(client, response["Location"])

    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(actor=member, action="mfa_removed").exists()


def test_the_phone_cannot_be_removed_on_the_methods_page(client, member):
    response = client.post(reverse("two_factor:remove"), {"method": "totp", "device": "1"})
    reauthenticate(client, response["Location"])
    phone = member.smsdevice_set.get()

    client.post(reverse("two_factor:remove"), {"method": "sms", "device": phone.pk})

    assert member.has_verified_phone()


def test_passkey_registration_needs_the_password_again(client, member):
    url = reverse("otp_webauthn:credential-registration-begin")

    refused = client.post(url, content_type="application/json")
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json()["code"] == "reauthentication_required"

    reauthenticate(client)
    allowed = client.post(url, content_type="application/json")

    assert allowed.status_code == HTTPStatus.OK
    assert allowed.json()["rp"]["name"] == "ERN CPMS"


def test_passkey_registration_refuses_an_unverified_session(client):
    device = SMSDeviceFactory()
    client.force_login(device.user)
    reauthenticate(client)

    response = client.post(
        reverse("otp_webauthn:credential-registration-begin"), content_type="application/json"
    )

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_passkeys_are_not_a_way_around_the_password(client):
    response = client.post(
        reverse("otp_webauthn:credential-authentication-begin"), content_type="application/json"
    )

    assert response.status_code != HTTPStatus.OK


def test_the_methods_page_offers_passkey_registration_after_the_password(client, member):
    before = client.get(METHODS).content.decode()
    assert "Confirm your password to add a security key or passkey" in before
    assert "passkey-register-button" not in before

    reauthenticate(client)
    after = client.get(METHODS).content.decode()

    assert "passkey-register-button" in after
    assert "django_otp_webauthn/otp_webauthn_register.js" in after
