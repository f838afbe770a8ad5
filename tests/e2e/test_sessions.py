"""'Your sessions' in the browser: a member logged in in two browsers sees both in User Data
details, ends the other one, and that browser is logged out; the second browser's login
was mailed."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import steps
from tests.e2e.checks import check_page

pytestmark = pytest.mark.e2e

EMAIL = "ines.moreau@aphp.example.fr"
PHONE = "+33612345678"


@pytest.fixture
def member(portal, reference_data):
    return steps.cpms_member(email=EMAIL, phone=PHONE)


def log_in(page, portal) -> None:
    steps.log_in_with_password(page, email=EMAIL, check=steps.no_check)
    steps.pass_the_sms_challenge(page, portal, number=PHONE, check=steps.no_check)


def test_a_member_ends_their_session_in_another_browser(new_page, portal, member):
    laptop, other = new_page(), new_page()
    log_in(laptop, portal)
    log_in(other, portal)
    mail = portal.wait_for_mail(to=EMAIL)
    assert "new browser" in mail.subject
    assert any(link.endswith("/account/") for link in mail.links())

    laptop.goto("/account/")
    sessions = laptop.get_by_role("table", name="Your sessions")
    expect(sessions.get_by_role("row")).to_have_count(3)  # the header and two sessions
    expect(sessions.get_by_role("rowheader").filter(has_text="This session")).to_have_count(1)
    expect(sessions.get_by_role("button", name=re.compile(r"^End the session of"))).to_have_count(
        1
    )
    check_page(laptop, "user-sessions")

    sessions.get_by_role("button", name=re.compile(r"^End the session of")).click()

    expect(laptop.get_by_text("The session has been ended.")).to_be_visible()
    expect(laptop.get_by_role("table", name="Your sessions").get_by_role("row")).to_have_count(2)
    other.goto("/account/")
    expect(other).to_have_url(re.compile(r"/accounts/login/"))
    laptop.goto("/account/")
    expect(laptop).to_have_url(re.compile(r"/account/$"))
