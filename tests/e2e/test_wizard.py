"""Request access through the four steps of the guide, with the mouse and with the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from access_requests.models import AccessRequest
from tests.e2e import steps
from tests.e2e.checks import check_new_page, tab_to
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def clinician(portal, reference_data):
    return UserFactory(email="anna.weber@uke.example.de", first_name="Anna", last_name="Weber")


def test_request_access_rare_liver_germany_de40_hp_through_the_four_steps(page, log_in, clinician):
    log_in(page, clinician)

    steps.request_access(page, comment="Member of the liver board.", check=check_new_page)

    request = AccessRequest.objects.get(user=clinician)
    assert request.status == AccessRequest.Status.SUBMITTED
    assert request.institution.code == "DE40"
    assert [p.code for p in request.profiles.all()] == ["HP"]
    assert request.comment == "Member of the liver board."


def test_the_wizard_can_be_completed_with_the_keyboard_alone(page, log_in, clinician):
    log_in(page, clinician)
    page.goto("/requests/")

    tab_to(page, page.get_by_role("link", name="please click here to request an access"))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Select an application")).to_have_value(re.compile(r"\d+"))
    tab_to(page, page.get_by_role("button", name="Step 2"))
    page.keyboard.press("Enter")

    tab_to(page, page.get_by_role("link", name="Open RARE-LIVER"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Open Germany"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Search:"))
    page.keyboard.type("DE40")
    page.keyboard.press("Enter")
    institution = page.get_by_label(steps.INSTITUTION)
    tab_to(page, institution)
    page.keyboard.press("Space")
    expect(institution).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Step 3"))
    page.keyboard.press("Enter")

    hp = page.get_by_label("HP", exact=True)
    tab_to(page, hp)
    page.keyboard.press("Space")
    expect(hp).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Step 4"))
    # Back with Shift+Tab to the profile and forth again: the choice stays.
    tab_to(page, hp, backwards=True)
    expect(hp).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Step 4"))
    page.keyboard.press("Enter")

    tab_to(page, page.get_by_label("Comments"))
    page.keyboard.type("Typed without a mouse.")
    tab_to(page, page.get_by_role("button", name="Submit request access"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/requests/\d+/submitted/$"))
    request = AccessRequest.objects.get(user=clinician)
    assert request.institution.code == "DE40"
    assert request.comment == "Typed without a mouse."
