"""The Django admin: the portal's login (with its rate limits) and a second factor, no way
around them.

ASVS 5.0 V6.3.4 (every authentication pathway has the same strength), V6.3.3 (MFA),
V8.2.1 (function-level access control); NIST SP 800-63B AAL2 for administrators.
"""

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests.accounts.two_factor_support import pass_sms_challenge
from tests.factories import PASSWORD, SMSDeviceFactory, UserFactory, force_login_verified

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"


def _location(response) -> tuple[str, dict]:
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query)


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


def test_admin_login_page_sends_to_the_portal_login(client):
    response = client.get(reverse("admin:login") + "?next=/admin/accounts/user/")
    assert response.status_code == HTTPStatus.FOUND
    path, query = _location(response)
    assert path == reverse("account_login")
    assert query["next"] == ["/admin/accounts/user/"]

    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert response.status_code == HTTPStatus.OK


def test_admin_login_form_does_not_log_anyone_in(client, staff):
    # Django's own admin form (no allauth rate limit, no second factor) is gone.
    response = client.post(
        reverse("admin:login"), {"username": staff.email, "password": PASSWORD, "next": ADMIN}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert _location(response)[0] == reverse("account_login")
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == HTTPStatus.FOUND


def test_admin_needs_a_second_factor_after_the_password(client, staff):
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert "_auth_user_id" in client.session  # password accepted

    response = client.get(ADMIN)
    assert response.status_code == HTTPStatus.FOUND
    assert _location(response)[0] == reverse("admin:login")
    response = client.get(response["Location"])
    path, query = _location(response)
    assert path == reverse("two_factor:challenge")
    assert query["next"] == [ADMIN]
    for url in [
        reverse("admin:accounts_user_changelist"),
        reverse("admin:access_requests_accessrequest_changelist"),
    ]:
        assert client.get(url).status_code == HTTPStatus.FOUND


def test_admin_opens_to_staff_with_a_verified_second_factor(client, staff):
    force_login_verified(client, staff)
    assert client.get(ADMIN).status_code == HTTPStatus.OK
    response = client.get(reverse("admin:login") + "?next=/admin/accounts/user/")
    assert _location(response)[0] == "/admin/accounts/user/"
    # An off-site next is not followed.
    response = client.get(reverse("admin:login") + "?next=https://evil.example/")
    assert _location(response)[0] == ADMIN


def test_admin_refuses_non_staff_even_with_a_second_factor(client):
    member = UserFactory()
    force_login_verified(client, member)
    assert client.get(reverse("admin:login")).status_code == HTTPStatus.FORBIDDEN
    response = client.get(ADMIN, follow=True)
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_admin_through_password_then_sms_code(client, staff):
    SMSDeviceFactory(user=staff)
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert client.get(ADMIN).status_code == HTTPStatus.FOUND

    response = pass_sms_challenge(client, next_url=ADMIN)

    assert response.status_code == HTTPStatus.FOUND and response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == HTTPStatus.OK


def test_admin_password_change_is_the_portals_own(client, staff):
    # Django's admin form took any number of guesses of the current password (no allauth
    # rate limit) and changed it without an audit event.
    force_login_verified(client, staff)
    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase 2026",
            "new_password2": "a brand new passphrase 2026",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert _location(response)[0] == reverse("account_change_password")
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    assert client.get(reverse("admin:password_change")).status_code == HTTPStatus.FOUND
