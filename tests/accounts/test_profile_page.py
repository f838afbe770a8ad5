"""User Data details is a page of the authorisation system: its navigation, and the way
from it to the mobile phone page."""

import pytest
from django.urls import reverse

from tests import page_html
from tests.factories import SMSDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"


def profile_page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    return response.content.decode()


def test_user_data_details_has_the_authorisation_navigation_with_itself_current(client):
    body = profile_page(client, UserFactory())

    nav = page_html.links(body, nav="Main")
    assert [(link.name, link.href) for link in nav] == [
        ("Home", reverse("access_requests:home")),
        ("Request access", reverse("access_requests:wizard-application")),
        ("User Data details", reverse("accounts:profile")),
        ("CPMS", reverse("cpms-home")),
    ]
    assert {link.name: link.current for link in nav} == {
        "Home": None,
        "Request access": None,
        "User Data details": "page",
        "CPMS": None,
    }


def test_without_a_phone_user_data_details_links_to_adding_one(client):
    body = profile_page(client, UserFactory())

    assert "No mobile phone number yet." in body
    phone_links = [
        link for link in page_html.links(body) if link.href.startswith(reverse("two_factor:phone"))
    ]
    assert [link.name for link in phone_links] == ["Add a mobile phone number"]
    # It comes back here once the number is verified.
    assert phone_links[0].href == reverse("two_factor:phone") + "?next=" + reverse(
        "accounts:profile"
    )


def test_with_a_phone_user_data_details_shows_it_and_links_to_changing_it(client):
    user = UserFactory(mobile_phone=PHONE)
    SMSDeviceFactory(user=user, number=PHONE)

    body = profile_page(client, user)

    assert user.mobile_phone.as_international in body  # +49 1511 2345678
    assert "No mobile phone number yet." not in body
    phone_links = [
        link for link in page_html.links(body) if link.href.startswith(reverse("two_factor:phone"))
    ]
    # Seen as "Change", heard as what it changes.
    assert [link.name for link in phone_links] == ["Change mobile phone number"]
    assert phone_links[0].visible_text == "Change"
