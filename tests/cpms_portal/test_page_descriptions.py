"""What search engines and screen readers are told about the public pages: the landing
page's "click here" links say where they go, and every page describes itself."""

import pytest
from django.urls import reverse

from access_requests.models import Application
from tests import page_html

pytestmark = pytest.mark.django_db


def test_the_landing_pages_click_here_links_have_distinct_names_saying_where_they_go(
    client, reference_data
):
    body = client.get(reverse("home")).content.decode()

    click_here = [link for link in page_html.links(body) if link.visible_text == "click here"]
    ecp = Application.objects.get(name="European Reference Networks")
    # The guide's wording stays what a person sees; the name adds the destination.
    assert [(link.href, link.name) for link in click_here] == [
        (reverse("account_signup"), "click here to create an account"),
        (reverse("access_requests:home"), "click here to request authorisation to use the CPMS"),
        (
            f"{reverse('access_requests:wizard-application')}?application={ecp.pk}",
            "click here to request access to the ERN Collaborative Platform",
        ),
    ]
    # Heard in a list of links, one name means one destination.
    destinations: dict[str, set[str]] = {}
    for link in page_html.links(body):
        destinations.setdefault(link.name, set()).add(link.href)
    assert {name: hrefs for name, hrefs in destinations.items() if len(hrefs) > 1} == {}


@pytest.mark.parametrize("url_name", ["home", "account_login", "account_signup"])
def test_every_page_has_one_meta_description(client, url_name):
    body = client.get(reverse(url_name)).content.decode()

    descriptions = page_html.meta_contents(body, "description")
    assert len(descriptions) == 1, descriptions
    assert len(descriptions[0]) >= 50, descriptions  # a sentence, not a word
    assert "CPMS" in descriptions[0]


def test_the_landing_page_has_a_description_of_its_own(client):
    landing = page_html.meta_contents(client.get(reverse("home")).content.decode(), "description")
    login = page_html.meta_contents(
        client.get(reverse("account_login")).content.decode(), "description"
    )
    assert landing and login
    assert landing != login
