"""One-time SMS codes: six digits, ten minutes at most, single use, bound to the login in
progress, stored hashed, throttled with growing delays that a new code does not reset,
and sends limited per user, number and IP. SMS is a restricted authenticator. Recovery
codes: stored hashed too (keyed, surviving a key rotation through the fallbacks), single
use, throttled alike.

ASVS 5.0 V6.5.1 (single use), V6.5.2 (stored hashed), V6.5.3 (CSPRNG), V6.5.4 (20 bits:
six digits), V6.5.5 (at most 10 minutes), V6.6.1 (PSTN: verified number, restricted,
stronger methods offered), V6.6.2 (bound to the original authentication request), V6.6.3
(brute force: rate limited), V2.4.1 (anti-automation on sends); NIST SP 800-63B 5.1.3.2,
5.1.3.3, 5.2.2.
"""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.app_settings import app_settings
from accounts.models import RecoveryCodeDevice, SMSDevice
from accounts.two_factor.services import generate_recovery_codes
from tests.accounts.two_factor_support import send_challenge_code
from tests.factories import (
    ExpertiseFactory,
    MembershipFactory,
    SMSDeviceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHALLENGE = reverse("two_factor:challenge")
WRONG = "The code is not valid. Check it, or ask for a new one."


@pytest.fixture
def device():
    device = SMSDeviceFactory(number="+32470123456")
    membership = MembershipFactory(user=device.user)
    ExpertiseFactory(user=device.user, network=membership.network, is_none=True)
    return device


@pytest.fixture
def member(client, device):
    client.force_login(device.user)
    return device.user


def _verify(client, code):
    return client.post(CHALLENGE, {"method": "sms", "action": "verify", "code": code})


def _verified(client) -> bool:
    return client.get(reverse("cpms-home")).status_code == HTTPStatus.OK


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_code_is_six_random_digits_sent_by_sms(client, member):
    codes = set()
    for _i in range(5):
        SMSDevice.objects.filter(user=member).update(last_generated_timestamp=None)
        code = send_challenge_code(client)
        assert re.fullmatch(r"\d{6}", code)
        codes.add(code)
    assert len(codes) > 1


def test_code_expires_within_ten_minutes(client, member, time_machine):
    assert app_settings.SMS_CODE_VALIDITY_SECONDS <= 10 * 60
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    code = send_challenge_code(client)
    time_machine.shift(timedelta(seconds=app_settings.SMS_CODE_VALIDITY_SECONDS + 1))
    response = _verify(client, code)
    assert WRONG in response.content.decode()
    assert not _verified(client)


def test_code_is_single_use(client, member, device):
    code = send_challenge_code(client)
    assert _verify(client, code).status_code == HTTPStatus.FOUND
    assert _verified(client)

    # The same login, asked for its second factor again (the binding to this session
    # still holds), replays the used code: refused, because it was used.
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    assert not _verified(client)
    assert WRONG in _verify(client, code).content.decode()
    assert not _verified(client)

    # The wrong try above was throttled: wait out django-otp's delay.
    SMSDevice.objects.filter(user=member).update(throttling_failure_timestamp=None)
    second = Client()  # a second login of the same user replays the used code
    second.force_login(member)
    assert WRONG in _verify(second, code).content.decode()
    assert not _verified(second)


def test_code_is_bound_to_the_login_that_asked_for_it(client, member):
    attacker = Client()  # another session of the same account (e.g. a stolen password)
    attacker.force_login(member)
    code = send_challenge_code(client)  # the member's login asks for a code

    assert WRONG in _verify(attacker, code).content.decode()
    assert not _verified(attacker)
    # The member's own login still completes with it (the wrong try above was throttled,
    # so wait out django-otp's delay first).
    SMSDevice.objects.filter(user=member).update(throttling_failure_timestamp=None)
    assert _verify(client, code).status_code == HTTPStatus.FOUND
    assert _verified(client)


def test_code_is_stored_hashed_never_in_clear(client, member, device):
    code = send_challenge_code(client)
    row = SMSDevice.objects.filter(pk=device.pk).values().get()  # every column
    assert not any(code in str(value) for value in row.values())
    device.refresh_from_db()
    assert len(device.token_hash) == 64  # HMAC-SHA256, keyed with SECRET_KEY


def test_wrong_codes_meet_growing_delays_that_a_new_code_does_not_reset(
    client, member, device, time_machine
):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    code = send_challenge_code(client)
    delays = []
    for _i in range(4):
        response = _verify(client, _other(code))
        assert WRONG in response.content.decode()
        device.refresh_from_db()
        allowed, data = device.verify_is_allowed()
        assert not allowed
        delays.append((data["locked_until"] - device.throttling_failure_timestamp).seconds)
        # Even the right code is refused while the delay runs.
        assert "Too many wrong codes" in _verify(client, code).content.decode()
        time_machine.shift(timedelta(seconds=delays[-1] + 1))
    assert delays == sorted(delays) and delays[-1] > delays[0]  # 1, 2, 4, 8 seconds

    time_machine.shift(timedelta(seconds=app_settings.SMS_RESEND_COOLDOWN_SECONDS + 1))
    new_code = send_challenge_code(client)  # a new code …
    device.refresh_from_db()
    assert device.throttling_failure_count == 4  # … keeps the failure count
    _verify(client, _other(new_code))  # so the next wrong try waits longer still
    device.refresh_from_db()
    _allowed, data = device.verify_is_allowed()
    assert (data["locked_until"] - device.throttling_failure_timestamp).seconds > delays[-1]
    assert "Too many wrong codes" in _verify(client, new_code).content.decode()


def _send(client, device):
    SMSDevice.objects.filter(pk=device.pk).update(last_generated_timestamp=None)  # no cooldown
    return client.post(CHALLENGE, {"method": "sms", "action": "send"}, follow=True)


def test_sends_are_limited_per_number(client, member, device, sms_outbox):
    for _i in range(3):
        _send(client, device)
    response = _send(client, device)
    assert "Too many codes were requested" in response.content.decode()
    assert len(sms_outbox) == 3


def test_sends_are_limited_per_user(client, member, device, sms_outbox, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    for index in range(10):  # ten different numbers, each within its own limit
        SMSDevice.objects.filter(pk=device.pk).update(number=f"+3247012340{index}")
        _send(client, device)
        time_machine.shift(timedelta(minutes=1))
    SMSDevice.objects.filter(pk=device.pk).update(number="+32470999999")
    response = _send(client, device)
    assert "Too many codes were requested" in response.content.decode()
    assert len(sms_outbox) == 10


def test_sends_are_limited_per_ip(sms_outbox):
    for index in range(21):
        device = SMSDeviceFactory(number=f"+324701200{index:02d}")
        browser = Client(REMOTE_ADDR="198.51.100.20")
        browser.force_login(device.user)
        response = _send(browser, device)
    assert "Too many codes were requested" in response.content.decode()
    assert len(sms_outbox) == 20


def test_methods_page_says_sms_is_restricted_and_offers_stronger_methods(client, member):
    code = send_challenge_code(client)
    _verify(client, code)
    page = client.get(reverse("two_factor:methods")).content.decode()
    assert "SMS is a restricted authenticator" in page
    assert "restricted" in page
    assert "Set up an authenticator app" in page
    assert "Security key or passkey" in page
    assert "The strongest method: it cannot be phished." in page


def test_second_factor_rotates_the_session_key(client, member):
    code = send_challenge_code(client)
    before = client.session.session_key
    _verify(client, code)
    assert client.session.session_key != before
    assert _verified(client)


def test_sms_codes_come_only_to_a_verified_number(client, sms_outbox):
    user = UserFactory()
    SMSDeviceFactory(user=user, confirmed=False)
    MembershipFactory(user=user)
    client.force_login(user)
    response = client.get(reverse("cpms-home"))
    assert response["Location"].startswith(reverse("two_factor:phone"))
    assert client.post(CHALLENGE, {"method": "sms", "action": "send"}).status_code == 302
    assert sms_outbox == []


# --- recovery codes ------------------------------------------------------------------------


def _use_recovery_code(client, code):
    return client.post(CHALLENGE, {"method": "recovery", "code": code})


def _every_value_of_the_recovery_tables() -> list[str]:
    with connection.cursor() as cursor:
        values = []
        for table in ("otp_static_staticdevice", "otp_static_statictoken"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            values += [str(value) for row in cursor.fetchall() for value in row]
    return values


def test_recovery_codes_are_stored_hashed_never_in_clear(member):
    codes = generate_recovery_codes(user=member)

    stored = _every_value_of_the_recovery_tables()
    assert not any(code.lower() in value.lower() for code in codes for value in stored)
    tokens = RecoveryCodeDevice.objects.get(user=member).token_set.values_list("token", flat=True)
    assert len(tokens) == 10
    assert all(re.fullmatch(r"[A-Z2-7]{16}", token) for token in tokens)  # 80 bits of HMAC


def test_a_recovery_code_works_once(client, member):
    codes = generate_recovery_codes(user=member)

    assert _use_recovery_code(client, codes[0]).status_code == HTTPStatus.FOUND
    assert _verified(client)

    second = Client()  # another login of the same user replays the used code
    second.force_login(member)
    assert WRONG in _use_recovery_code(second, codes[0]).content.decode()
    assert not _verified(second)
    assert RecoveryCodeDevice.objects.get(user=member).token_set.count() == 9


def test_the_stored_form_of_a_recovery_code_is_no_code(client, member):
    generate_recovery_codes(user=member)
    stored = RecoveryCodeDevice.objects.get(user=member).token_set.first().token

    assert WRONG in _use_recovery_code(client, stored).content.decode()
    assert not _verified(client)


def test_wrong_recovery_codes_meet_growing_delays(member, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    codes = generate_recovery_codes(user=member)
    device = RecoveryCodeDevice.objects.get(user=member)

    assert not device.verify_token("aaaaaaaa" if "aaaaaaaa" not in codes else "bbbbbbbb")
    assert not device.verify_token(codes[0])  # refused while the delay runs …
    time_machine.shift(timedelta(seconds=2))
    assert device.verify_token(codes[0])  # … and it is still there afterwards
    assert device.throttling_failure_count == 0


def test_recovery_codes_survive_a_key_rotation_while_the_old_key_is_a_fallback(member, settings):
    codes = generate_recovery_codes(user=member)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-after-rotation-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    device = RecoveryCodeDevice.objects.get(user=member)

    assert device.verify_token(codes[0])

    settings.SECRET_KEY_FALLBACKS = []  # the old key dropped: its codes are worthless
    assert not device.verify_token(codes[1])
