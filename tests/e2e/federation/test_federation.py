""" "Login via EU Login" in Chromium, with a real OpenID Connect provider: the landing page's
button, the provider's login page, back to the portal, then the journey everyone takes."""

import re

import pytest
from playwright.sync_api import Page, expect

from access_requests.models import Membership
from accounts.models import User
from tests.e2e import checks, steps
from tests.e2e.checks import check_page
from tests.e2e.federation.conftest import EMAIL, LOGIN, PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

ADMIN = "admin@rare-liver.eu"
PHONE = "+48 512 345 678"


def _provider_login(page: Page) -> None:
    """The provider's own page (the test identity provider's, as EU Login's would be)."""
    expect(page.get_by_role("heading", name="EU Login")).to_be_visible()
    page.get_by_label("Username or e-mail address").fill(LOGIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/interaction/"))
    # What the provider's own page logged is the provider's (its interaction URL answers
    # 404 once used); the portal's pages are checked for their own errors.
    errors = checks._console_errors[page]
    errors[:] = [e for e in errors if "/interaction/" not in e]


def test_login_via_eu_login_then_request_approval_sms_and_preferences(
    new_page, portal, reference_data
):
    page = new_page()
    page.goto("/")
    check_page(page, "f1-landing-federated")
    expect(page.get_by_role("link", name=re.compile("log in without EU Login"))).to_be_visible()
    page.get_by_role("button", name="Login via EU Login").click()
    _provider_login(page)

    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    check_page(page, "f2-federated-signup")
    expect(page.get_by_label("First name")).to_have_value("Piotr")
    page.get_by_role("checkbox", name=re.compile("privacy statement")).check()
    page.get_by_role("button", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/requests/"))
    user = User.objects.get(email=EMAIL)
    assert (user.first_name, user.email_language) == ("Piotr", "pl")

    steps.request_access(page, comment="Hepatologist.", check=steps.no_check)
    steps.add_mobile_phone(page, portal, number=PHONE, check=steps.no_check)
    steps.network_administrator(email=ADMIN)
    steps.admin_decides(
        new_page(), portal, admin_email=ADMIN, applicant=EMAIL, approve=True, check=steps.no_check
    )
    assert Membership.objects.active().filter(user__email=EMAIL).exists()

    clinician = new_page()  # another day: the CPMS asks for a login
    clinician.goto("/cpms/")
    check_page(clinician, "f3-login-federated")
    clinician.get_by_role("button", name="Login via EU Login").click()
    _provider_login(clinician)
    steps.pass_the_sms_challenge(clinician, portal, number=PHONE, check=steps.no_check)
    steps.answer_the_preferences(clinician, check=steps.no_check)
    expect(clinician).to_have_url(re.compile(r"/cpms/$"))


def test_an_existing_account_is_not_taken_over_by_its_email(new_page, portal, reference_data):
    UserFactory(email=EMAIL)
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Login via EU Login").click()
    _provider_login(page)
    expect(
        page.get_by_role("heading", name="An account with this e-mail address exists")
    ).to_be_visible()
    check_page(page, "f4-federation-link-required")
    assert User.objects.count() == 1
