"""Keyboard only: every control is reached with Tab, shows where the focus is, and works."""

import re
from http import HTTPStatus

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import assert_focus_visible, focused_element, tab_to
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def tab_through(page, *, limit: int = 40) -> list[str]:
    """Press Tab until the focus leaves the page or comes round again; every
    focused element must show its focus. Returns them in order."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_element(page) is None:
            break
        element = assert_focus_visible(page)
        if seen and element == seen[0]:
            break
        seen.append(element)
    return seen


def test_landing_page_can_be_walked_with_tab_and_every_focus_is_visible(page):
    page.goto("/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.goto("/")
    order = tab_through(page)

    assert order[0].startswith('a "Skip to main content')
    assert any(element.startswith('a "Login') for element in order)
    assert any(element.startswith('a "click here') for element in order)
    assert any(element.startswith("select") for element in order)


def test_login_form_is_filled_with_the_keyboard_and_sent_with_enter(page, portal):
    user = UserFactory(email="keyboard.user@hospital.example.eu")
    page.goto("/accounts/login/")

    tab_to(page, page.get_by_label("E-mail"))
    page.keyboard.type(user.email)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/accounts/login/" in r.url
    ) as sent:
        page.keyboard.press("Enter")

    assert sent.value.status == HTTPStatus.FOUND  # accepted: on to the next step
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
