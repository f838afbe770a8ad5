"""The clinician's whole journey in the browser, as a person goes through it.

Each step finds the page's controls by their visible labels and roles, and
every page on the way passes check_page (axe, the Nu Html Checker, layout at
desktop and phone size); the screenshots of the README come from here.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.checks import check_page

pytestmark = pytest.mark.e2e

PASSWORD = "Hepatology-Board-2026!"
EMAIL = "anna.weber@uke.example.de"


def sign_up(page, portal, *, email: str = EMAIL, check=lambda page, name: None) -> None:
    """Create an account, open the verification e-mail and choose the password."""
    page.goto("/")
    check(page, "01-landing")
    page.get_by_role("link", name="click here").first.click()

    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("First name").fill("Anna")
    page.get_by_label("Last name").fill("Weber")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Confirm e-mail").fill(email)
    page.get_by_label("E-mail language").select_option(label="English (en)")
    # A person ticks the box by its label (ALTCHA draws its tick over the input).
    page.get_by_text("I'm not a robot").click()
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    page.get_by_label("By checking this box").check()
    check(page, "02-signup")
    page.get_by_role("button", name="Create an account").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("e-mail")
    check(page, "03-verification-sent")

    mail = portal.wait_for_mail(to=email)
    link = next(url for url in mail.links() if "/confirm-email/" in url)
    page.goto(link)
    check(page, "04-verify-email")
    page.get_by_role("button", name="Verify my e-mail address").click()

    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    check(page, "05-choose-password")
    page.get_by_label("New Password", exact=True).fill(PASSWORD)
    page.get_by_label("New Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def log_in_with_password(page, *, email: str = EMAIL, check=lambda page, name: None) -> None:
    page.goto("/accounts/login/")
    check(page, "06-login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_clinician_creates_an_account_and_logs_in(page, portal):
    sign_up(page, portal, check=check_page)
    user = User.objects.get(email=EMAIL)
    assert user.has_usable_password()

    log_in_with_password(page, check=check_page)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    check_page(page, "07-after-login")
