"""Fixtures shared by the whole suite."""

import pytest
from django.core.management import call_command

from accounts import sms


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Tests use the in-memory SMS outbox and fast password hashing (Django's test
    runner already puts every mailer on the locmem outbox)."""
    settings.ACCOUNTS_SMS_BACKEND = "accounts.sms.LocmemSMSBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and throttles live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sms_outbox():
    return sms.outbox


@pytest.fixture
def reference_data(db):
    """The real reference data of the guide (applications, networks, profiles, areas)."""
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def is_postgresql():
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def admin_client(db, admin_user, client):
    """pytest-django's admin_client, with the second factor the admin requires."""
    from tests.factories import force_login_verified

    force_login_verified(client, admin_user)
    return client
