"""Sessions: a new key at login, and every session of a user ends at once when the account
is disabled, the password changes, a membership is revoked or the second factor is reset.

ASVS 5.0 V7.2.4 (new session token at authentication), V7.3.1 and V7.3.2 (30 minutes idle,
12 hours at most; NIST SP 800-63B 7.2 for AAL2), V7.4.2 (all sessions end when the
account is disabled), V7.4.3 (sessions end after a change of authentication factors),
V8.3.2 (a revoked right stops at the next request); NIST SP 800-63B 7.1.
"""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from access_requests.services import revoke_membership
from accounts.models import User
from accounts.services import disable_inactive_users, reset_second_factor
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/requests/"


def _logged_in(client) -> bool:
    return client.get(PAGE).wsgi_request.user.is_authenticated


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def two_browsers(user):
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(user)
        assert _logged_in(browser)
    return browsers


def test_session_key_changes_at_login(client, user):
    client.get(reverse("account_login"))
    anonymous = client.session
    anonymous["probe"] = "before login"
    anonymous.save()
    key_before = anonymous.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = key_before

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == HTTPStatus.FOUND
    key_after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert key_after != key_before
    assert not anonymous.exists(key_before)  # the old key is worth nothing now
    assert _logged_in(client)


def test_password_change_ends_the_other_sessions(two_browsers, user):
    changer, other = two_browsers
    response = changer.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a brand new passphrase 2026",
            "password2": "a brand new passphrase 2026",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert _logged_in(changer)  # the browser that changed it stays in
    assert not _logged_in(other)


def test_disabled_account_ends_every_session(two_browsers, user, time_machine):
    User.objects.filter(pk=user.pk).update(
        last_login="2024-01-01T00:00:00Z", inactivity_warned_at="2024-12-01T00:00:00Z"
    )
    time_machine.move_to("2025-03-01 09:00:00+00:00", tick=False)
    epoch = User.objects.get(pk=user.pk).session_epoch
    assert disable_inactive_users() == 1
    assert User.objects.get(pk=user.pk).session_epoch == epoch + 1
    assert not any(_logged_in(browser) for browser in two_browsers)


def test_account_made_inactive_by_an_administrator_ends_every_session(two_browsers, user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not any(_logged_in(browser) for browser in two_browsers)


def test_revoked_membership_ends_every_session(two_browsers, user):
    membership = MembershipFactory(user=user)
    admin = UserFactory(is_staff=True, is_superuser=True)
    revoke_membership(membership=membership, actor=admin, reason="Left the hospital")
    assert not any(_logged_in(browser) for browser in two_browsers)


def test_second_factor_reset_ends_every_session(two_browsers, user):
    admin = UserFactory(is_staff=True, is_superuser=True)
    reset_second_factor(user=user, actor=admin)
    assert not any(_logged_in(browser) for browser in two_browsers)


def _real_login(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND


def test_session_ends_after_30_idle_minutes(client, user, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    _real_login(client, user)
    time_machine.shift(29 * 60)
    assert _logged_in(client)  # activity: the idle clock starts again
    time_machine.shift(29 * 60)
    assert _logged_in(client)
    time_machine.shift(30 * 60 + 1)
    assert not _logged_in(client)


def test_session_ends_after_12_hours_even_when_active(client, user, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    _real_login(client, user)
    for _i in range(12 * 3 - 1):  # a click every 20 minutes for almost 12 hours
        time_machine.shift(20 * 60)
        assert _logged_in(client)
    time_machine.shift(20 * 60 + 1)
    assert not _logged_in(client)
