"""Passwords: length, no composition rules, common ones refused, Argon2id, upgrade at login.

ASVS 5.0 V6.2.1/V6.2.9 (8..64+ characters, we take 12..128), V6.2.5 (no composition
rules), V6.2.4/V6.2.12 (common and breached passwords), V6.2.11 (context-specific
words), V11.4.2 (password hashing); NIST SP 800-63B 5.1.1.2.
"""

import pytest
from argon2 import Type as Argon2Type
from argon2 import extract_parameters
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# tests/conftest.py switches every test to MD5 for speed; these tests need the real list.
REAL_PASSWORD_HASHERS = list(django_settings.PASSWORD_HASHERS)


@pytest.fixture
def real_hashers(settings):
    settings.PASSWORD_HASHERS = REAL_PASSWORD_HASHERS


def _errors(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


def test_password_length_is_12_to_128_characters():
    user = User(email="anna.schmidt@uke.example.de", first_name="Anna", last_name="Schmidt")
    assert "password_too_short" in _errors("kq3vz8wm1pr", user)  # 11
    assert _errors("kq3vz8wm1prx", user) == []  # 12
    long_passphrase = ("violet meadow quietly under copper lanterns " * 3)[:128]
    assert _errors(long_passphrase, user) == []  # 128, spaces allowed
    assert "password_too_long" in _errors(long_passphrase + "x", user)  # 129


def test_password_has_no_composition_rules():
    # Lower-case only, digits only, unicode and spaces are all fine when long enough.
    for password in ["gentle rain over lisbon", "804719263518", "Ärztin über Brücken ✓"]:
        assert _errors(password) == [], password


def test_common_and_similar_passwords_are_refused():
    assert "password_too_common" in _errors("password1234")
    assert "password_sequential" in _errors("123456789012")
    assert "password_sequential" in _errors("aaaaaaaaaaaaaa")
    user = User(email="margarethe.vandenberg@uke.example.de", first_name="Margarethe")
    assert "password_too_similar" in _errors("margarethe.vandenberg", user)


def test_argon2id_hash_meets_owasp_minimum(real_hashers):
    encoded = make_password("violet meadow quietly")
    assert encoded.startswith("argon2$argon2id$")
    params = extract_parameters(encoded.removeprefix("argon2"))
    assert params.type is Argon2Type.ID
    assert params.memory_cost >= 19 * 1024  # KiB
    assert params.time_cost >= 2
    assert params.parallelism >= 1


def test_pbkdf2_hash_is_upgraded_to_argon2id_at_next_login(client, real_hashers):
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    params = extract_parameters(user.password.removeprefix("argon2"))
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19 * 1024, 2, 1)
