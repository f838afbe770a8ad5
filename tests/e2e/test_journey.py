"""The clinician's whole journey in the browser, as a person goes through it, with an
English, a German, a Polish and a Greek browser (for the clinician and the administrator).

Every page on the way passes check_page (axe, the Nu Html Checker, layout at
desktop and phone size, served in the browser's language); the screenshots of the
README come from the English run.
"""

import re

import pytest
from playwright.sync_api import expect

from access_requests.models import AccessRequest, Membership
from accounts.models import User
from preferences.models import Expertise
from tests.e2e import steps
from tests.e2e.checks import check_new_page, check_page
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e
# English and German for every test; the whole journey in Polish and Greek too (four
# plural forms; another alphabet), each control found by its label in that language.
LANGUAGES = ["en", "de"]
JOURNEY_LANGUAGES = [*LANGUAGES, "pl", "el"]

EMAIL = "anna.weber@uke.example.de"
ADMIN = "admin@rare-liver.eu"
PHONE = "+49 1512 3456789"


@pytest.mark.parametrize("language", JOURNEY_LANGUAGES)
def test_the_whole_journey_from_sign_up_to_the_cpms(new_page, portal, reference_data, language):
    page = new_page(language=language)
    steps.sign_up(
        page, portal, email=EMAIL, first_name="Anna", last_name="Weber", check=check_page
    )
    assert User.objects.get(email=EMAIL).has_usable_password()
    steps.log_in_with_password(page, email=EMAIL, check=check_page)
    check_page(page, "07-after-login")

    steps.request_access(page, comment="Hepatologist at the UKE.", check=check_page)
    assert AccessRequest.objects.get(user__email=EMAIL).status == "submitted"
    steps.add_mobile_phone(page, portal, number=PHONE, check=check_page)
    assert User.objects.get(email=EMAIL).has_verified_phone()

    steps.network_administrator(email=ADMIN)
    steps.admin_decides(
        new_page(language=language),
        portal,
        admin_email=ADMIN,
        applicant=EMAIL,
        approve=True,
        check=check_page,
    )
    membership = Membership.objects.active().get(user__email=EMAIL)
    assert (membership.institution.code, membership.profile.code) == ("DE40", "HP")
    assert "approved" in portal.wait_for_mail(to=EMAIL).body.lower()  # she chose English

    clinician = new_page(language=language)  # another day, a new browser session
    steps.log_in_with_password(clinician, email=EMAIL, check=steps.no_check)
    steps.pass_the_sms_challenge(clinician, portal, number=PHONE, check=check_page)
    steps.answer_the_preferences(clinician, check=check_page)

    expect(clinician).to_have_url(re.compile(r"/cpms/$"))
    start = steps.Texts(clinician)("Start working with the CPMS!")
    expect(clinician.get_by_role("heading", name=start)).to_be_visible()
    expect(clinician.get_by_text("DE40")).to_be_visible()
    check_page(clinician, "50-cpms-home")
    expertise = Expertise.objects.get(user__email=EMAIL, network__code="RARE-LIVER")
    assert not expertise.is_none
    assert expertise.areas.count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rejected_request_shows_the_reason_to_the_clinician(
    new_page, portal, reference_data, log_in, language
):
    page = new_page(language=language)
    clinician = UserFactory(email="rejected@hospital.example.eu")
    log_in(page, clinician)
    steps.request_access(page, check=steps.no_check)
    steps.network_administrator(email=ADMIN)
    reason = "DE40 does not list you among its hepatologists."

    steps.admin_decides(
        new_page(language=language),
        portal,
        admin_email=ADMIN,
        applicant=clinician.email,
        approve=False,
        reason=reason,
        check=check_new_page,  # the login and the queue: the journey checks them
    )

    assert AccessRequest.objects.get(user=clinician).status == "rejected"
    assert not Membership.objects.filter(user=clinician).exists()
    assert reason in portal.wait_for_mail(to=clinician.email).body
    page.goto("/requests/")
    row = page.get_by_role("row").filter(has_text="DE40")
    expect(row).to_contain_text(steps.Texts(page)("Rejected"))
    expect(row).to_contain_text(reason)
    check_page(page, "33-request-rejected")
    expect(page).not_to_have_url(re.compile("login"))
