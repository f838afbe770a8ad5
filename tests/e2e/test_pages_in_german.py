"""The pages of the journey behind the login, in German: accessible, valid, and they fit.

The English journey (test_journey.py) checks them in English; here a member
goes through the same pages with a German browser. Controls are found by their
type or name, so that the test does not depend on the wording of a translation.
"""

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from access_requests.models import AccessProfile, Organisation
from tests.e2e import steps
from tests.e2e.checks import check_page

pytestmark = pytest.mark.e2e

EMAIL = "lena.schmidt@uke.example.de"
PHONE = "+4915123456711"
ADMIN = "admin@rare-liver.eu"


def goto_and_check(page, url: str, name: str) -> None:
    response = page.goto(url)
    assert response.ok, f"{url}: HTTP {response.status}"
    check_page(page, name)  # served in German (lang="de"), reported as de-<name>


def test_the_member_pages_in_german(new_page, portal, reference_data):
    steps.cpms_member(email=EMAIL, phone=PHONE)
    page = new_page(language="de")
    page.goto("/accounts/login/")
    page.locator("input[type=email]").fill(EMAIL)
    page.locator("input[type=password]").fill(steps.PASSWORD)
    page.locator("input[type=password]").press("Enter")
    expect(page.locator("#send-code")).to_be_enabled()
    check_page(page, "41-sms-challenge")
    page.locator("#send-code").click()
    code = page.locator("input[autocomplete=one-time-code]")
    code.fill(portal.wait_for_sms_code(to=PHONE))
    check_page(page, "42-sms-challenge-code")
    code.press("Enter")
    expect(page).to_have_url(f"{portal.url}/cpms/")
    check_page(page, "50-cpms-home")

    goto_and_check(page, "/cpms/preferences/", "43-preferences")
    goto_and_check(page, "/security/", "60-verification-methods")
    goto_and_check(page, "/security/phone/", "27-phone")
    goto_and_check(page, "/requests/", "20-requests-home")

    institution = Organisation.objects.get(code="DE40", network__code="RARE-LIVER")
    application = institution.application.pk
    researcher = AccessProfile.objects.get(application=application, code="RESEARCHER")
    wizard = [
        ("/requests/new/", {"application": application}, "21-wizard-step1-application"),
        ("/requests/new/organisation/", {"application": application}, "22-wizard-step2"),
        (
            "/requests/new/organisation/",
            {"application": application, "node": institution.parent_id, "q": "DE40"},
            "23-wizard-step2-institution",
        ),
        (
            "/requests/new/profile/",
            {"application": application, "organisation": institution.pk},
            "24-wizard-step3-profile",
        ),
        (
            "/requests/new/recap/",
            {"application": application, "organisation": institution.pk, "profile": researcher.pk},
            "25-wizard-step4-recap",
        ),
    ]
    for path, query, name in wizard:
        goto_and_check(page, f"{path}?{urlencode(query)}", name)


def test_the_administrator_pages_in_german(new_page, portal, reference_data, log_in):
    from tests.factories import UserFactory

    clinician = UserFactory(email="waiting@hospital.example.eu")
    applicant = new_page()  # the request itself, in English
    log_in(applicant, clinician)
    steps.request_access(applicant, check=steps.no_check)
    steps.network_administrator(email=ADMIN)

    page = new_page(language="de")
    page.goto("/admin/")
    page.locator("input[type=email]").fill(ADMIN)
    page.locator("input[type=password]").fill(steps.PASSWORD)
    page.locator("input[type=password]").press("Enter")
    page.locator("#send-code").click()
    code = page.locator("input[autocomplete=one-time-code]")
    code.fill(portal.wait_for_sms_code(to=steps.ADMIN_PHONE))
    code.press("Enter")
    expect(page.locator("#user-tools")).to_be_visible()
    goto_and_check(page, "/admin/access_requests/accessrequest/", "31-admin-queue")
    page.get_by_role("row").filter(has_text=clinician.email).get_by_role("checkbox").check()
    page.locator("select[name=action]").first.select_option("reject_selected")
    page.locator("button[name=index]").first.click()
    expect(page.locator("input[name=post]")).to_have_count(1)
    check_page(page, "32-admin-confirm-rejection")
