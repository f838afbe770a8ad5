import html
from http import HTTPStatus

import pytest
from django.urls import reverse

from access_requests.models import Application
from tests.factories import UserFactory

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


def test_landing_ecp_link_opens_step_1_on_the_european_reference_networks_application(
    client, reference_data
):
    client.force_login(UserFactory())
    ecp = Application.objects.get(name="European Reference Networks")
    body = html.unescape(client.get(reverse("home")).content.decode())
    ecp_url = f"{reverse('access_requests:wizard-application')}?application={ecp.pk}"
    assert f'href="{ecp_url}">click here<span class="visually-hidden">' in body
    response = client.get(ecp_url)
    assert response.status_code == HTTPStatus.OK
    body = html.unescape(response.content.decode())
    # Closed: the application is shown chosen, and the page says it takes no requests.
    assert f'<option value="{ecp.pk}" selected disabled>' in body
    assert "The application European Reference Networks is closed: it accepts no requests." in body


def test_landing_lists_the_set_up_video_only_where_the_ern_publishes_one(client, settings):
    settings.PORTAL_SETUP_VIDEO_URL = ""
    assert "Getting Set-Up" not in client.get(reverse("home")).content.decode()

    settings.PORTAL_SETUP_VIDEO_URL = "https://video.example.eu/cpms-set-up"
    body = client.get(reverse("home")).content.decode()
    assert (
        'Video: <a href="https://video.example.eu/cpms-set-up">'
        "Getting Set-Up and Logged In to CPMS</a>" in body
    )
