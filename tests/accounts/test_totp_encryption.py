"""Authenticator apps' secrets encrypted at rest (Fernet, MultiFernet): never in clear in
the database, still checked by django-otp's own logic, encrypted by accounts/0011, rotated
by ``manage.py rotate_totp_keys``, and required in production."""

import binascii
import importlib
import os
import secrets
import subprocess
import sys
import time
from base64 import b32encode
from binascii import unhexlify
from http import HTTPStatus
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.checks import check_totp_encryption_keys
from accounts.models import (
    TOTP_KEY_ENCRYPTED,
    AuditEvent,
    EncryptedTOTPDevice,
    EncryptedTOTPKey,
)
from accounts.services import reset_second_factor
from accounts.two_factor import encryption, selectors
from accounts.two_factor.services import enrol_totp, new_totp_key
from accounts.two_factor.views import TOTP_KEY_SESSION_KEY
from tests.accounts.two_factor_support import pass_sms_challenge, reauthenticate
from tests.factories import MembershipFactory, SMSDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
MIGRATION = importlib.import_module("accounts.migrations.0011_totp_keys_encrypted")
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def code_of(key_hex: str) -> str:
    return f"{totp(unhexlify(key_hex)):06d}"


def enrolled(user=None) -> tuple[EncryptedTOTPDevice, str]:
    """An authenticator app enrolled through the service; returns it and its hex secret."""
    key = new_totp_key()
    device = enrol_totp(user=user or UserFactory(), key=key, code=code_of(key))
    assert device is not None
    return device, key


def stored(device) -> tuple[str, str]:
    """What the database holds for ``device``: django-otp's ``key`` and the token."""
    key = TOTPDevice.objects.values_list("key", flat=True).get(pk=device.pk)
    ciphertext = EncryptedTOTPKey.objects.values_list("ciphertext", flat=True).get(pk=device.pk)
    return key, ciphertext


def reloaded(device) -> EncryptedTOTPDevice:
    return EncryptedTOTPDevice.objects.get(pk=device.pk)


def next_step(time_machine) -> None:
    """Move to the next 30-second step: a code is accepted once per step (``last_t``)."""
    time_machine.move_to(time.time() + 30)


# --- at rest --------------------------------------------------------------------------


def test_the_database_never_holds_the_secret_after_set_up():
    device, key = enrolled()

    column, ciphertext = stored(device)
    assert column == TOTP_KEY_ENCRYPTED
    secret = unhexlify(key)
    for representation in (key, key.upper(), b32encode(secret).decode()):
        assert representation not in column and representation not in ciphertext
    assert encryption.decrypt(ciphertext) == secret


def test_the_set_up_page_saves_the_secret_encrypted(client):
    phone = SMSDeviceFactory()
    MembershipFactory(user=phone.user, answered=True)
    client.force_login(phone.user)
    pass_sms_challenge(client)
    reauthenticate(client, client.get("/security/authenticator-app/")["Location"])
    assert client.get("/security/authenticator-app/").status_code == HTTPStatus.OK
    key = client.session[TOTP_KEY_SESSION_KEY]

    client.post("/security/authenticator-app/", {"code": code_of(key)})

    device = EncryptedTOTPDevice.objects.get(user=phone.user)
    assert key not in "".join(stored(device))
    assert reloaded(device).bin_key == unhexlify(key)


def test_a_code_from_the_secret_verifies_with_django_otps_own_checks(time_machine):
    time_machine.move_to("2026-03-02 10:00:05+00:00", tick=False)
    device, key = enrolled()  # with the code of this step
    next_step(time_machine)
    device = reloaded(device)

    assert device.verify_token(code_of(key))

    device = reloaded(device)
    assert device.last_t == int(time.time()) // 30
    assert not device.verify_token(code_of(key))  # the same step again: refused
    assert reloaded(device).throttling_failure_count == 1
    assert stored(device)[0] == TOTP_KEY_ENCRYPTED  # verifying saved the row, not the secret


def test_the_challenge_checks_the_encrypted_device_and_keeps_older_sessions(client, time_machine):
    phone = SMSDeviceFactory()
    MembershipFactory(user=phone.user, answered=True)
    device, key = enrolled(phone.user)
    assert [m.device for m in selectors.enrolled_methods(phone.user) if m.method == "totp"] == [
        device
    ]
    client.force_login(phone.user)
    next_step(time_machine)

    response = client.post("/security/challenge/", {"method": "totp", "code": code_of(key)})

    assert response.status_code == HTTPStatus.FOUND
    assert client.session[DEVICE_ID_SESSION_KEY] == f"accounts.encryptedtotpdevice/{device.pk}"
    # A session verified before the encryption names django-otp's model: the same row.
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = f"otp_totp.totpdevice/{device.pk}"
    session.save()
    assert client.get("/security/").status_code == HTTPStatus.OK


def test_django_otps_own_class_cannot_check_codes_of_an_encrypted_row():
    device, key = enrolled()

    with pytest.raises(binascii.Error):
        TOTPDevice.objects.get(pk=device.pk).verify_token(code_of(key))


def test_a_reset_removes_the_app_with_its_encrypted_key_counted_once():
    device, _key = enrolled()
    admin = UserFactory(is_staff=True, is_superuser=True)

    assert reset_second_factor(user=device.user, actor=admin) == 1

    assert not EncryptedTOTPKey.objects.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.MFA_RESET)
    assert event.data["removed"] == {"otp_totp.totpdevice": 1}


# --- the migration --------------------------------------------------------------------


def test_the_migration_encrypts_a_plain_device_and_leaves_an_encrypted_one_alone(
    time_machine,
):
    plain_key = new_totp_key()
    plain = TOTPDevice.objects.create(user=UserFactory(), name="App", key=plain_key)
    encrypted, _key = enrolled()
    before = stored(encrypted)

    MIGRATION.encrypt_plain_keys(apps, None)
    MIGRATION.encrypt_plain_keys(apps, None)  # idempotent

    column, ciphertext = stored(plain)
    assert column == TOTP_KEY_ENCRYPTED and plain_key not in ciphertext
    assert encryption.decrypt(ciphertext) == unhexlify(plain_key)
    assert stored(encrypted) == before
    next_step(time_machine)
    assert reloaded(plain).verify_token(code_of(plain_key))


def test_the_migration_undone_puts_the_secrets_back_in_clear():
    device, key = enrolled()

    MIGRATION.decrypt_keys(apps, None)

    assert TOTPDevice.objects.get(pk=device.pk).key == key
    assert not EncryptedTOTPKey.objects.exists()


# --- rotation -------------------------------------------------------------------------


def test_rotation_keeps_old_secrets_working_then_drops_the_old_key(settings, time_machine):
    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_A]
    device, key = enrolled()
    token_under_a = stored(device)[1]

    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_B, KEY_A]  # the new key in front
    next_step(time_machine)
    assert reloaded(device).verify_token(code_of(key))
    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(InvalidToken):
        _ = reloaded(device).bin_key  # not rotated yet: B alone cannot open it

    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_totp_keys", verbosity=0)

    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_B]  # the old key removed
    assert stored(device)[1] != token_under_a
    next_step(time_machine)
    assert reloaded(device).verify_token(code_of(key))
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOTP_KEYS_ROTATED)
    assert event.actor is None
    assert event.data == {"re_encrypted": 1, "encrypted_from_clear": 0}


def test_rotation_encrypts_a_secret_still_in_clear(settings):
    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_B]
    key = new_totp_key()
    plain = TOTPDevice.objects.create(user=UserFactory(), name="App", key=key)

    call_command("rotate_totp_keys", verbosity=0)

    column, ciphertext = stored(plain)
    assert column == TOTP_KEY_ENCRYPTED
    assert Fernet(KEY_B).decrypt(ciphertext.encode()) == unhexlify(key)


def test_rotation_without_the_old_key_fails_and_changes_nothing(settings):
    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_A]
    device, _key = enrolled()
    before = stored(device)
    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_B]

    with pytest.raises(CommandError, match="put back"):
        call_command("rotate_totp_keys", verbosity=0)

    assert stored(device) == before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TOTP_KEYS_ROTATED).exists()


# --- configuration --------------------------------------------------------------------


def test_without_keys_development_derives_them_from_secret_key(settings):
    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = []
    settings.SECRET_KEY_FALLBACKS = ["a-former-secret-key"]

    assert encryption.configured_keys() == [
        encryption.derived_key(settings.SECRET_KEY),
        encryption.derived_key("a-former-secret-key"),
    ]
    assert check_totp_encryption_keys(None) == []


def test_production_without_keys_fails_the_check_and_refuses_to_encrypt(settings):
    settings.PRODUCTION = True
    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = []

    assert [e.id for e in check_totp_encryption_keys(None)] == ["accounts.E004"]
    with pytest.raises(ImproperlyConfigured):
        encryption.encrypt(b"secret")

    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_A]
    assert check_totp_encryption_keys(None) == []


def test_a_malformed_key_fails_the_check(settings):
    settings.ACCOUNTS_TOTP_ENCRYPTION_KEYS = [KEY_A, "not-a-key"]

    [error] = check_totp_encryption_keys(None)

    assert error.id == "accounts.E005" and "Key 2 " in error.msg


def test_manage_py_check_in_production_needs_the_variable():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TOTP_ENCRYPTION_KEYS"}}
    env.update(PRODUCTION="true", SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="x.eu")

    def check(**extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=BASE_DIR,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
        )

    missing = check()
    assert missing.returncode != 0 and "accounts.E004" in missing.stderr, missing.stderr
    given = check(TOTP_ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}")
    assert given.returncode == 0, given.stderr
