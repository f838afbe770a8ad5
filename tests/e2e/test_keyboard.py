"""Keyboard only: every control is reached with Tab, shows where the focus is, and works."""

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import assert_focus_visible, focused_element
from tests.factories import UserFactory

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

    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "email":
            break
    else:
        pytest.fail("the e-mail field cannot be reached with Tab")
    assert_focus_visible(page)
    page.keyboard.type(user.email)
    if page.locator("input[type=password]").count():
        for _ in range(5):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.type") == "password":
                break
        assert_focus_visible(page)
        page.keyboard.type("not-the-password-at-all")

    with page.expect_response(
        lambda r: r.request.method == "POST" and "/accounts/login/" in r.url
    ) as sent:
        page.keyboard.press("Enter")
    page.wait_for_load_state()

    assert sent.value.status < 500
    assert "/accounts/login/" in page.url  # a wrong password never gets past the login
