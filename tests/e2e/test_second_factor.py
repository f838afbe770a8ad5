"""The second factor in the browser: the SMS challenge by keyboard alone, and an
authenticator app enrolled and then used to log in."""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e import steps
from tests.e2e.checks import check_page, tab_to

pytestmark = pytest.mark.e2e

EMAIL = "jonas.becker@uke.example.de"
PHONE = "+4915123456700"


@pytest.fixture
def member(portal, reference_data):
    return steps.cpms_member(email=EMAIL, phone=PHONE)


def authenticator_code(secret: str, *, later: int = 0) -> str:
    """What an authenticator app shows for the secret, ``later`` seconds from now."""
    secret = secret.replace(" ", "").upper()
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time() + later
    return f"{totp.token():06d}"


def test_the_sms_challenge_can_be_passed_with_the_keyboard_alone(page, portal, member):
    page.goto("/accounts/login/")
    tab_to(page, page.get_by_label("E-mail"))
    page.keyboard.type(EMAIL)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(steps.PASSWORD)
    page.keyboard.press("Enter")

    send = page.get_by_role("button", name="Send code")
    expect(send).to_be_enabled()
    tab_to(page, send)
    page.keyboard.press("Enter")
    code_field = page.get_by_role("textbox", name="SMS text challenge")
    tab_to(page, code_field)
    page.keyboard.type(portal.wait_for_sms_code(to=PHONE))
    tab_to(page, page.get_by_role("button", name="Sign in"))
    page.keyboard.press("Space")

    expect(page).to_have_url(re.compile(r"/cpms/$"))


def test_a_member_enrols_an_authenticator_app_and_logs_in_with_it(new_page, portal, member):
    page = new_page()
    steps.log_in_with_password(page, email=EMAIL, check=steps.no_check)
    steps.pass_the_sms_challenge(page, portal, number=PHONE, check=steps.no_check)

    page.get_by_role("link", name=re.compile("^Verification methods")).click()
    expect(page.get_by_role("heading", name="Verification methods")).to_be_visible()
    check_page(page, "60-verification-methods")
    page.get_by_role("link", name="Set up an authenticator app").click()
    # Changing the second factors asks for the password again.
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    check_page(page, "61-confirm-access")
    page.get_by_label("Password").fill(steps.PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    check_page(page, "62-authenticator-app")
    secret = page.locator("code.secret").inner_text()
    page.get_by_role("textbox", name="Code from your authenticator app").fill(
        authenticator_code(secret)
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Your authenticator app is set up.")).to_be_visible()
    assert User.objects.get(email=EMAIL).totpdevice_set.filter(confirmed=True).exists()

    again = new_page()  # the next day: the app is now the default second factor
    steps.log_in_with_password(again, email=EMAIL, check=steps.no_check)
    code_field = again.get_by_role("textbox", name="Code from your authenticator app")
    expect(code_field).to_be_visible()
    check_page(again, "63-challenge-authenticator-app")
    # The code of the next 30 seconds: the one used to enrol cannot be used twice.
    code_field.fill(authenticator_code(secret, later=30))
    again.get_by_role("button", name="Sign in").click()

    expect(again).to_have_url(re.compile(r"/cpms/$"))
