import html
from http import HTTPStatus

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_landing_page_is_public_and_links_to_signup(client):
    response = client.get(reverse("home"))
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "Secure Login" in body
    assert "Help & Support" in html.unescape(body)
    assert reverse("account_signup") in body


def test_healthz_reports_database_and_cache(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_cpms_home_needs_login(client):
    response = client.get(reverse("cpms-home"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


def test_admin_lists_reference_data(admin_client, reference_data):
    response = admin_client.get(
        reverse("admin:access_requests_organisation_changelist") + "?q=DE40"
    )
    assert response.status_code == HTTPStatus.OK
    assert "Universitätsklinikum Hamburg-Eppendorf" in response.content.decode()
    response = admin_client.get(reverse("admin:accounts_user_changelist") + "?q=admin")
    assert response.status_code == HTTPStatus.OK
