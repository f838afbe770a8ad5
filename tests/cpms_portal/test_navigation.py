"""The navigation and the breadcrumb of a page agree: the breadcrumb's "Home" is the
navigation's "Home", and its last item is the page itself, said and not linked."""

import re

import pytest
from django.urls import reverse

from tests import page_html
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# (URL name, whether it needs a logged-in user, the page's own breadcrumb item)
PAGES = [
    ("access_requests:home", True, "Home"),
    ("access_requests:wizard-application", True, "Request access"),
    ("accounts:profile", True, "User Data details"),
    ("account_change_password", True, "Change your password"),
    ("two_factor:phone", True, "Mobile phone"),
    ("accounts:privacy_statement", False, "Privacy statement"),
    ("account_login", False, "Login"),
    ("account_email_verification_sent", False, "Verify your e-mail address"),
    ("account_reset_password", False, "Lost your password?"),
    ("account_reset_password_done", False, "Check your e-mail"),
    ("accounts:new_link", False, "Get a new link"),
    ("account_logout", True, "Log out"),
]


def breadcrumb_items(body: str) -> list[str]:
    crumbs = re.search(r'<nav class="breadcrumb"[^>]*>(.*?)</nav>', body, re.S).group(1)
    return re.findall(r"<li[^>]*>.*?</li>", crumbs, re.S)


@pytest.fixture
def page_body(client):
    def body(url_name: str, logged_in: bool) -> str:
        if logged_in:
            client.force_login(UserFactory())
        response = client.get(reverse(url_name))
        assert response.status_code == 200
        return response.content.decode()

    return body


@pytest.mark.parametrize(("url_name", "logged_in", "own_item"), PAGES)
def test_the_breadcrumbs_home_is_the_navigations_home(page_body, url_name, logged_in, own_item):
    body = page_body(url_name, logged_in)

    nav_home = [link.href for link in page_html.links(body, nav="Main") if link.name == "Home"]
    items = breadcrumb_items(body)
    first = items[0]
    assert len(nav_home) == 1
    if len(items) > 1:
        assert f'href="{nav_home[0]}"' in first and ">Home</a>" in first
    else:  # the page is Home itself
        assert first == '<li aria-current="page">Home</li>'
        assert nav_home[0] == reverse(url_name)


@pytest.mark.parametrize(("url_name", "logged_in", "own_item"), PAGES)
def test_the_breadcrumbs_last_item_is_the_page_itself_and_not_a_link(
    page_body, url_name, logged_in, own_item
):
    items = breadcrumb_items(page_body(url_name, logged_in))

    assert items[-1] == f'<li aria-current="page">{own_item}</li>'
    assert all("<a " in item for item in items[:-1])
