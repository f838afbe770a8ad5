"""Every page that goes on to a ``next`` refuses one that leaves the site
(``accounts.urls_utils``), each falling back to its own default. ASVS 5.0 V3.7.2.

The preferences page is covered in tests/preferences/test_views.py
(``test_saving_never_leaves_the_site``)."""

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from accounts.middleware import PrivacyAcknowledgementMiddleware
from tests.factories import UserFactory, force_login_verified

pytestmark = pytest.mark.django_db

OFF_SITE = ["//evil.example", "https://evil.example/"]


@pytest.mark.parametrize("url", OFF_SITE)
def test_the_privacy_acknowledgement_goes_home_instead(client, settings, url):
    settings.ACCOUNTS_PRIVACY_STATEMENT_VERSION = "2026-06"
    client.force_login(UserFactory(privacy_version="2025-01"))
    ack_url = reverse("accounts:privacy_acknowledge")

    page = client.get(ack_url, {"next": url}).content.decode()
    response = client.post(ack_url, {"acknowledge": "on", "next": url})

    assert '<input type="hidden" name="next" value="">' in page
    assert response["Location"] == reverse("cpms-home")


@pytest.mark.parametrize("path", ["//evil.example/", "//evil.example/x?y=1"])
def test_the_privacy_middleware_keeps_no_off_site_path_as_next(rf, settings, path):
    """A request line such as ``GET //evil.example/`` is a path of this site, but sent
    back as ``next`` it would be a link to another."""
    settings.ACCOUNTS_PRIVACY_STATEMENT_VERSION = "2026-06"
    request = rf.get("/")
    request.path = request.path_info = path
    request.user = UserFactory(privacy_version="2025-01")

    response = PrivacyAcknowledgementMiddleware(lambda r: None)(request)

    assert response["Location"] == reverse("accounts:privacy_acknowledge")


@pytest.mark.parametrize("url", OFF_SITE)
def test_the_second_factor_challenge_goes_home_instead(client, url):
    force_login_verified(client, UserFactory())

    response = client.get(reverse("two_factor:challenge"), {"next": url})

    assert response["Location"] == reverse("cpms-home")


@pytest.mark.parametrize("url", OFF_SITE)
def test_the_admin_login_goes_to_the_admin_index_instead(client, url):
    visitor = client.get(reverse("admin:login"), {"next": url})
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    staff = client.get(reverse("admin:login"), {"next": url})

    assert visitor.status_code == HTTPStatus.FOUND
    assert parse_qs(urlsplit(visitor["Location"]).query)["next"] == [reverse("admin:index")]
    assert staff["Location"] == reverse("admin:index")
