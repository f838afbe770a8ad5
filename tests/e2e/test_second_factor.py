"""The second factor in the browser: the SMS challenge by keyboard alone, and an
authenticator app enrolled and then used to log in."""

import re

import pytest
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


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_member_enrols_an_authenticator_app_and_logs_in_with_it(
    new_page, portal, member, language
):
    page = new_page(language=language)
    steps.log_in_with_password(page, email=EMAIL, check=steps.no_check)
    steps.pass_the_sms_challenge(page, portal, number=PHONE, check=steps.no_check)

    secret = steps.set_up_authenticator_app(page, check=check_page)
    assert User.objects.get(email=EMAIL).totpdevice_set.filter(confirmed=True).exists()

    again = new_page(language=language)  # the next day: the app is now the default
    steps.log_in_with_authenticator_app(again, email=EMAIL, secret=secret, check=check_page)

    expect(again).to_have_url(re.compile(r"/cpms/$"))
