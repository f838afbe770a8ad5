"""After a failed submission the error summary has the focus: a screen reader reads it
at once and the page shows it, wherever the form's button was."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def test_a_wrong_password_moves_the_focus_to_what_went_wrong(page, portal):
    user = UserFactory()
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("password you specified are not correct")
    expect(summary).not_to_contain_text("fields marked below")
    expect(summary).to_be_focused()


def test_a_missing_field_moves_the_focus_to_the_summary_that_points_to_it(page, portal):
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Create an account", exact=True).click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please correct the fields marked below.")
    expect(summary).to_be_focused()
