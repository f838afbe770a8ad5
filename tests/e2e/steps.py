"""The steps of the journey, as a person takes them, shared by the browser tests.

Each step finds the controls by their visible labels and roles, in the language of
the page's browser: ``Texts`` reads the words from the portal's own translation
catalogues, so the same step goes through the English and the German pages. ``check``
is called on every page the step shows (``checks.check_page`` in the journey,
nothing where a test has already checked those pages).
"""

import base64
import re
import time
from collections.abc import Callable

from django.core.management import call_command
from django.utils import translation
from django.utils.text import capfirst
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from access_requests.models import NetworkAdministrator, Organisation
from tests.e2e import checks

PASSWORD = "Hepatology-Board-2026!"
INSTITUTION = "DE40 - Universitätsklinikum Hamburg-Eppendorf"

Check = Callable[[Page, str], None]


def no_check(page: Page, name: str) -> None:
    """For steps whose pages another test checks already."""


class Texts:
    """The portal's words as the page shows them: ``t("Sign in")`` is "Sign in" on an
    English page and "Anmelden" on a German one. They come from the portal's catalogues
    (compiled by ``bin/setup``), so the tests hold no translation of their own and a
    word left untranslated is found in English, as a person would see it."""

    def __init__(self, page: Page) -> None:
        self.language = checks.language(page)

    def _translated(self, message: str, plural: str | None, count: int) -> str:
        with translation.override(self.language):
            if plural is None:
                return translation.gettext(message)
            return translation.ngettext(message, plural, count)

    def __call__(self, message: str, *, plural: str | None = None, count: int = 1, **values):
        """The text a person reads: placeholders filled, markup of the message left out."""
        text = self._translated(message, plural, count)
        if plural is not None:
            values.setdefault("count", count)
        if values:
            text = text % values
        return re.sub(r"<[^>]+>", "", text)

    def link(self, message: str) -> str:
        """The name of the link in a message such as 'To create an account,
        <a href="%(signup_url)s">click here<span class="visually-hidden"> to create an
        account</span></a>.': its text, a visually hidden part included, which Chromium
        reads as a word of its own (a space before it: "kliknąć tutaj , aby …")."""
        text = re.search(r"<a\b[^>]*>(.*?)</a>", self._translated(message, None, 1)).group(1)
        text = re.sub(r"<[^>]+>", " ", text)
        return " ".join(text.split())


def sign_up(
    page: Page,
    portal,
    *,
    email: str,
    first_name: str,
    last_name: str,
    check: Check,
    email_language: str = "English (en)",
):
    """Create an account, open the verification e-mail and choose the password."""
    t = Texts(page)
    page.goto("/")
    check(page, "01-landing")
    signup_link = t.link(
        "To access the CPMS, you need to have an account. To create an account, "
        '<a href="%(signup_url)s">click here<span class="visually-hidden"> to create an '
        "account</span></a>."
    )
    page.get_by_role("link", name=signup_link).first.click()

    expect(page.get_by_role("heading", name=t("Create an account"))).to_be_visible()
    page.get_by_label(t("First name")).fill(first_name)
    page.get_by_label(t("Last name")).fill(last_name)
    page.get_by_label(t("E-mail"), exact=True).fill(email)
    page.get_by_label(t("Confirm e-mail")).fill(email)
    page.get_by_label(t("E-mail language")).select_option(label=email_language)
    # A person ticks the box by its label (or in its middle: tests/e2e/test_robot_check.py).
    page.get_by_text(t("I'm not a robot")).click()
    expect(page.get_by_text(t("Verified"), exact=True)).to_be_visible()
    privacy = t(
        "By checking this box, you acknowledge that you have read and understood the "
        '<a href="%(privacy_url)s" target="_blank" rel="noopener">privacy statement</a> '
        "(opens in a new tab)"
    )
    page.get_by_role("checkbox", name=privacy).check()
    check(page, "02-signup")
    page.get_by_role("button", name=t("Create an account"), exact=True).click()

    expect(page.get_by_role("heading", name=t("Verify your e-mail address"))).to_be_visible()
    check(page, "03-verification-sent")

    mail = portal.wait_for_mail(to=email)
    link = next(url for url in mail.links() if "/confirm-email/" in url)
    page.goto(link)
    check(page, "04-verify-email")
    page.get_by_role("button", name=t("Verify my e-mail address"), exact=True).click()

    expect(page.get_by_role("heading", name=t("Choose your password"))).to_be_visible()
    check(page, "05-choose-password")
    page.get_by_label(t("New password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("New password (again)")).fill(PASSWORD)
    page.get_by_role("button", name=t("Save the password"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Your password is saved"))).to_be_visible()
    check(page, "05-password-saved")


def log_in_with_password(
    page: Page, *, email: str, check: Check, name: str = "06-login", password: str = PASSWORD
):
    t = Texts(page)
    page.goto("/accounts/login/")
    check(page, name)
    page.get_by_label(t("E-mail")).fill(email)
    page.get_by_label(t("Password")).fill(password)
    page.get_by_role("button", name=t("Sign in"), exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def request_access(page: Page, *, check: Check, comment: str = "") -> None:
    """The guide's four steps: RARE-LIVER / Germany / DE40 / HP."""
    t = Texts(page)
    page.goto("/requests/")
    check(page, "20-requests-home")
    page.get_by_role("link", name=t("please click here to request an access")).click()

    expect(page.get_by_role("heading", name=t("New application access"))).to_be_visible()
    check(page, "21-wizard-step1-application")
    page.get_by_label(t("Select an application")).select_option(label="CPMS")
    page.get_by_role("button", name=t("Step 2 : select an organisation →"), exact=True).click()

    expect(page.get_by_role("heading", name=t("Select your network"))).to_be_visible()
    check(page, "22-wizard-step2-network")
    page.get_by_role("link", name=f"{t('Open')} RARE-LIVER").click()
    page.get_by_role("link", name=f"{t('Open')} Germany").click()
    page.get_by_label(t("Search:")).fill("DE40")
    page.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Select your institution"))).to_be_visible()
    showing = t("Showing %(start)s to %(end)s of %(total)s entries", start=1, end=1, total=1)
    expect(page.get_by_text(showing)).to_be_visible()
    check(page, "23-wizard-step2-institution")
    page.get_by_label(INSTITUTION).check()
    page.get_by_role("button", name=t("Step 3 : select an access profile →"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/requests/new/profile/"))
    check(page, "24-wizard-step3-profile")
    page.get_by_label("HP", exact=True).check()
    page.get_by_role("button", name=t("Step 4 : type a comment →"), exact=True).click()

    expect(page.get_by_role("heading", name=t("Summary"))).to_be_visible()
    check(page, "25-wizard-step4-recap")
    page.get_by_label(t("Comments")).fill(comment)
    page.get_by_role("button", name=t("Submit request access"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/requests/\d+/submitted/$"))
    check(page, "26-request-submitted")


def add_mobile_phone(page: Page, portal, *, number: str, check: Check) -> None:
    """From the request's confirmation, add the mobile phone and verify it with the SMS code."""
    t = Texts(page)
    page.get_by_role("link", name=t("Add your mobile phone number now")).click()
    expect(page.get_by_role("heading", name=t("Add your mobile phone number"))).to_be_visible()
    check(page, "27-phone")
    page.get_by_role("textbox", name=t("Mobile phone")).fill(number)
    page.get_by_role("button", name=t("Send code"), exact=True).click()

    expect(page.get_by_role("heading", name=t("Verify your mobile phone"))).to_be_visible()
    check(page, "28-phone-verify")
    code = portal.wait_for_sms_code(to=number)
    page.get_by_role("textbox", name=t("Verification code")).fill(code)
    page.get_by_role("button", name=t("Verify"), exact=True).click()
    expect(page.get_by_text(t("Verified"), exact=True)).to_be_visible()
    check(page, "29-phone-verified")


def pass_the_sms_challenge(
    page: Page,
    portal,
    *,
    number: str,
    check: Check,
    names: tuple[str, str] = ("41-sms-challenge", "42-sms-challenge-code"),
) -> None:
    """The CPMS asks for the code it sends by SMS to the verified mobile phone. ``names``:
    of its two pages, before and after "Send code"."""
    t = Texts(page)
    expect(page.get_by_role("heading", name=t("Sign in to continue"))).to_be_visible()
    check(page, names[0])
    page.get_by_role("button", name=t("Send code"), exact=True).click()
    code_field = page.get_by_role("textbox", name=t("SMS text challenge"))
    expect(code_field).to_be_visible()
    check(page, names[1])
    code_field.fill(portal.wait_for_sms_code(to=number))
    page.get_by_role("button", name=t("Sign in"), exact=True).click()
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
    t = Texts(page)
    expect(page.get_by_role("heading", name=t("Update ERN Preferences"))).to_be_visible()
    check(page, "43-preferences")
    network = page.get_by_role("group", name=re.compile("^RARE-LIVER"))
    first_area = network.get_by_role("checkbox").nth(1)  # the first after "None"
    first_area.check()
    expect(network.get_by_role("checkbox", name=t("None"))).not_to_be_checked()
    page.get_by_role("button", name=t("Save"), exact=True).click()


def authenticator_code(secret: str, *, later: int = 0) -> str:
    """What an authenticator app shows for the secret, ``later`` seconds from now."""
    secret = secret.replace(" ", "").upper()
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time() + later
    return f"{totp.token():06d}"


def set_up_authenticator_app(page: Page, *, check: Check) -> str:
    """From the CPMS home, past the second factor: enrol an authenticator app (the password
    again, the key read from the page, one code). Returns the key, as the app keeps it."""
    t = Texts(page)
    methods = t("Verification methods")
    page.get_by_role("link", name=re.compile("^" + re.escape(methods))).click()
    expect(page.get_by_role("heading", name=methods)).to_be_visible()
    check(page, "60-verification-methods")
    page.get_by_role("link", name=t("Set up an authenticator app")).click()
    # Changing the second factors asks for the password again.
    expect(page.get_by_role("heading", name=t("Confirm Access"))).to_be_visible()
    check(page, "61-confirm-access")
    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Confirm"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Set up an authenticator app"))).to_be_visible()
    check(page, "62-authenticator-app")
    secret = page.locator("code.secret").inner_text()
    page.get_by_role("textbox", name=t("Code from your authenticator app")).fill(
        authenticator_code(secret)
    )
    page.get_by_role("button", name=t("Confirm"), exact=True).click()
    expect(page.get_by_text(t("Your authenticator app is set up."))).to_be_visible()
    return secret


def log_in_with_authenticator_app(page: Page, *, email: str, secret: str, check: Check) -> None:
    """The next day: the app is now the default second factor, asked after the password."""
    t = Texts(page)
    log_in_with_password(page, email=email, check=no_check)
    code_field = page.get_by_role("textbox", name=t("Code from your authenticator app"))
    expect(code_field).to_be_visible()
    check(page, "63-challenge-authenticator-app")
    # The code of the next 30 seconds: the one used to enrol cannot be used twice.
    code_field.fill(authenticator_code(secret, later=30))
    page.get_by_role("button", name=t("Sign in"), exact=True).click()


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
    t = Texts(page)
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/admin/"))
    check(page, "30-admin-login")
    page.get_by_label(t("E-mail")).fill(admin_email)
    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Sign in"), exact=True).click()
    pass_the_sms_challenge(
        page,
        portal,
        number=ADMIN_PHONE,
        check=check,
        names=("30-admin-sms-challenge", "30-admin-sms-challenge-code"),
    )

    requests = t("access requests")  # the model's name, as the admin shows it
    model_link = page.get_by_role("link", name=capfirst(requests), exact=True)
    page.get_by_role("row").filter(has=model_link).first.get_by_role("link").first.click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(re.escape(requests), re.I))
    row = page.get_by_role("row").filter(has_text=applicant)
    expect(row).to_have_count(1)
    check(page, "31-admin-queue")
    row.get_by_role("checkbox").check()
    action = t("Approve the selected requests" if approve else "Reject the selected requests…")
    page.get_by_role("combobox", name=t("Action:")).first.select_option(label=action)
    page.get_by_role("button", name=t("Run"), exact=True).first.click()

    check(page, "32-admin-confirm-approval" if approve else "32-admin-confirm-rejection")
    if not approve:
        page.get_by_label(t("Reason")).fill(reason)
    page.get_by_role(
        "button", name=t("Yes, approve" if approve else "Yes, reject"), exact=True
    ).click()
    if approve:
        done = t("%(count)d request approved.", plural="%(count)d requests approved.", count=1)
    else:
        done = t("%(count)d request rejected.", plural="%(count)d requests rejected.", count=1)
    expect(page.get_by_text(done)).to_be_visible()
    check(page, "34-admin-approved" if approve else "34-admin-rejected")
