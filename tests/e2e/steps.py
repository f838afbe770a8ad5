"""The steps of the journey, as a person takes them, shared by the browser tests.

Each step finds the controls by their visible labels and roles. ``check`` is
called on every page the step shows (``checks.check_page`` in the journey,
nothing where a test has already checked those pages).
"""

import re
from collections.abc import Callable

from django.core.management import call_command
from playwright.sync_api import Page, expect

from access_requests.models import NetworkAdministrator, Organisation

PASSWORD = "Hepatology-Board-2026!"
INSTITUTION = "DE40 - Universitätsklinikum Hamburg-Eppendorf"

Check = Callable[[Page, str], None]


def no_check(page: Page, name: str) -> None:
    """For steps whose pages another test checks already."""


def sign_up(page: Page, portal, *, email: str, first_name: str, last_name: str, check: Check):
    """Create an account, open the verification e-mail and choose the password."""
    page.goto("/")
    check(page, "01-landing")
    page.get_by_role("link", name="click here").first.click()

    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill(last_name)
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


def log_in_with_password(
    page: Page, *, email: str, check: Check, name: str = "06-login", password: str = PASSWORD
):
    page.goto("/accounts/login/")
    check(page, name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def request_access(page: Page, *, check: Check, comment: str = "") -> None:
    """The guide's four steps: RARE-LIVER / Germany / DE40 / HP."""
    page.goto("/requests/")
    check(page, "20-requests-home")
    page.get_by_role("link", name="please click here to request an access").click()

    expect(page.get_by_role("heading", name="New application access")).to_be_visible()
    check(page, "21-wizard-step1-application")
    page.get_by_label("Select an application").select_option(label="CPMS")
    page.get_by_role("button", name="Step 2").click()

    expect(page.get_by_role("heading", name="Select your network")).to_be_visible()
    check(page, "22-wizard-step2-network")
    page.get_by_role("link", name="Open RARE-LIVER").click()
    page.get_by_role("link", name="Open Germany").click()
    page.get_by_label("Search:").fill("DE40")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="Select your institution")).to_be_visible()
    expect(page.get_by_text("Showing 1 to 1 of 1 entries")).to_be_visible()
    check(page, "23-wizard-step2-institution")
    page.get_by_label(INSTITUTION).check()
    page.get_by_role("button", name="Step 3").click()

    expect(page).to_have_url(re.compile(r"/requests/new/profile/"))
    check(page, "24-wizard-step3-profile")
    page.get_by_label("HP", exact=True).check()
    page.get_by_role("button", name="Step 4").click()

    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    check(page, "25-wizard-step4-recap")
    page.get_by_label("Comments").fill(comment)
    page.get_by_role("button", name="Submit request access").click()

    expect(page).to_have_url(re.compile(r"/requests/\d+/submitted/$"))
    check(page, "26-request-submitted")


def add_mobile_phone(page: Page, portal, *, number: str, check: Check) -> None:
    """From the request's confirmation, add the mobile phone and verify it with the SMS code."""
    page.get_by_role("link", name="Add your mobile phone number now").click()
    expect(page.get_by_role("heading", name="Add your mobile phone number")).to_be_visible()
    check(page, "27-phone")
    page.get_by_role("textbox", name="Mobile phone").fill(number)
    page.get_by_role("button", name="Send code").click()

    expect(page.get_by_role("heading", name="Verify your mobile phone")).to_be_visible()
    check(page, "28-phone-verify")
    code = portal.wait_for_sms_code(to=number)
    page.get_by_role("textbox", name="Verification code").fill(code)
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()


def pass_the_sms_challenge(page: Page, portal, *, number: str, check: Check) -> None:
    """The CPMS asks for the code it sends by SMS to the verified mobile phone."""
    expect(page.get_by_role("heading", name="Sign in to continue")).to_be_visible()
    check(page, "41-sms-challenge")
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_role("textbox", name="SMS text challenge")).to_be_visible()
    check(page, "42-sms-challenge-code")
    code = portal.wait_for_sms_code(to=number)
    page.get_by_role("textbox", name="SMS text challenge").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/security/challenge/"))


def cpms_member(*, email: str, phone: str):
    """A clinician with a verified mobile phone, an HP membership at DE40 and the
    preferences answered: past the second factor, the CPMS home."""
    from access_requests.models import AccessProfile
    from tests.factories import (
        ExpertiseFactory,
        MembershipFactory,
        SMSDeviceFactory,
        UserFactory,
    )

    user = UserFactory(email=email, password=PASSWORD, mobile_phone=phone)
    SMSDeviceFactory(user=user, number=phone)
    institution = Organisation.objects.get(code="DE40", network__code="RARE-LIVER")
    MembershipFactory(
        user=user,
        institution=institution,
        profile=AccessProfile.objects.get(application=institution.application, code="HP"),
    )
    ExpertiseFactory(user=user, network=institution.network, is_none=True)
    return user


def answer_the_preferences(page: Page, *, check: Check) -> None:
    """At the first CPMS login: "I'm a specialist in:" for the network, then Save."""
    expect(page.get_by_role("heading", name="Update ERN Preferences")).to_be_visible()
    check(page, "43-preferences")
    network = page.get_by_role("group", name=re.compile("^RARE-LIVER"))
    first_area = network.get_by_role("checkbox").nth(1)  # the first after "None"
    first_area.check()
    expect(network.get_by_role("checkbox", name="None")).not_to_be_checked()
    page.get_by_role("button", name="Save").click()


ADMIN_PHONE = "+32460000001"


def network_administrator(*, network: str = "RARE-LIVER", email: str = "admin@rare-liver.eu"):
    """A staff user in the "Network administrators" group, scoped to one network, with a
    verified mobile phone (the admin asks for the second factor too)."""
    from django.contrib.auth.models import Group

    from access_requests.management.commands.create_admin_group import GROUP_NAME
    from tests.factories import SMSDeviceFactory, UserFactory

    call_command("create_admin_group", verbosity=0)
    admin = UserFactory(
        email=email, first_name="Jan", last_name="Administrator", is_staff=True, password=PASSWORD
    )
    SMSDeviceFactory(user=admin, number=ADMIN_PHONE)
    admin.groups.add(Group.objects.get(name=GROUP_NAME))
    NetworkAdministrator.objects.create(
        user=admin,
        network=Organisation.objects.get(kind=Organisation.Kind.NETWORK, code=network),
    )
    return admin


def admin_decides(
    page: Page,
    portal,
    *,
    admin_email: str,
    applicant: str,
    approve: bool,
    reason: str = "",
    check: Check,
):
    """The network administrator logs in (password and SMS code) to the administration
    and decides."""
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/admin/"))
    page.get_by_label("E-mail").fill(admin_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    pass_the_sms_challenge(page, portal, number=ADMIN_PHONE, check=no_check)

    model_link = page.get_by_role("link", name="Access requests", exact=True)
    page.get_by_role("row").filter(has=model_link).first.get_by_role("link").first.click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile("access requests", re.I))
    row = page.get_by_role("row").filter(has_text=applicant)
    expect(row).to_have_count(1)
    check(page, "31-admin-queue")
    row.get_by_role("checkbox").check()
    action = "Approve the selected requests" if approve else "Reject the selected requests…"
    page.get_by_role("combobox", name="Action").first.select_option(label=action)
    page.get_by_role("button", name="Run").first.click()

    check(page, "32-admin-confirm-approval" if approve else "32-admin-confirm-rejection")
    if not approve:
        page.get_by_label(re.compile("reason", re.I)).fill(reason)
    page.get_by_role("button", name="Yes, approve" if approve else "Yes, reject").click()
    done = "1 request approved." if approve else "1 request rejected."
    expect(page.get_by_text(done)).to_be_visible()
