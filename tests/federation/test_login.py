"""A first login through the identity provider, and the ones after it (a real provider)."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.app_settings import app_settings as accounts_settings
from accounts.models import AuditEvent, User
from federation.audit_actions import Action
from tests.factories import MembershipFactory, SMSDeviceFactory


def test_off_unless_configured(client, db):
    assert "Login via EU Login" not in client.get(reverse("home")).content.decode()
    assert "Login via EU Login" not in client.get(reverse("account_login")).content.decode()


def test_the_landing_page_offers_eu_login_first_and_keeps_local_accounts(federated):
    page = federated.client.get(reverse("home")).content.decode()
    assert page.index("Login via EU Login") < page.index("To use non-eulogin users")
    assert "You can Login to the CPMS ERN through the EU Login Authentication Service." in page
    assert f'href="{reverse("account_login")}"' in page
    login_page = federated.client.get(reverse("account_login")).content.decode()
    assert "Login via EU Login" in login_page and 'name="password"' in login_page


def test_first_login_creates_the_account_from_the_claims_and_asks_the_privacy_statement(
    federated,
):
    response = federated.login("new.clinician")
    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_signup")
    assert not User.objects.exists()  # nothing before the person acknowledged

    form = federated.client.get(reverse("socialaccount_signup")).content.decode()
    assert 'value="Anna"' in form and "disabled" in form  # from EU Login, read-only
    refused = federated.client.post(reverse("socialaccount_signup"), {})
    assert "Please acknowledge the privacy statement" in refused.content.decode()
    assert not User.objects.exists()

    # A disabled field ignores what is posted: the claims stand.
    done = federated.client.post(
        reverse("socialaccount_signup"), {"privacy": "on", "first_name": "Mallory"}
    )
    assert done.status_code == 302, done.content.decode()
    user = User.objects.get()
    assert (user.first_name, user.last_name, user.email) == (
        "Anna",
        "Nowak",
        "anna.nowak@szpital.example.pl",
    )
    assert user.email_language == "pl"
    assert user.privacy_version == accounts_settings.PRIVACY_STATEMENT_VERSION
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    assert SocialAccount.objects.get(user=user).provider == "eulogin"
    actions = set(
        AuditEvent.objects.filter(target_id=str(user.pk)).values_list("action", flat=True)
    )
    assert {"signup", Action.SIGNUP, Action.LOGIN} <= actions

    # Then the same gate as everyone: request access first.
    gate = federated.client.get(reverse("cpms-home"))
    assert gate.status_code == 302 and gate["Location"].startswith(reverse("access_requests:home"))


def test_signup_asks_what_the_claims_do_not_give(federated):
    federated.login("nameless")
    form = federated.client.get(reverse("socialaccount_signup")).content.decode()
    refused = federated.client.post(reverse("socialaccount_signup"), {"privacy": "on"})
    assert refused.status_code == 200
    assert User.objects.count() == 0
    assert 'name="first_name"' in form and 'name="email_language"' in form
    done = federated.client.post(
        reverse("socialaccount_signup"),
        {"privacy": "on", "first_name": "No", "last_name": "Name", "email_language": "de"},
    )
    assert done.status_code == 302, done.content.decode()
    user = User.objects.get()
    assert (user.first_name, user.email_language) == ("No", "de")


def _member_of_cpms(federated, login: str) -> User:
    federated.login(login)
    federated.client.post(reverse("socialaccount_signup"), {"privacy": "on"})
    user = User.objects.get(email=federated.idp_email(login))
    MembershipFactory(user=user, answered=True)
    SMSDeviceFactory(user=user)
    federated.client.logout()
    return user


def test_a_linked_account_logs_in_and_the_portal_second_factor_is_still_asked(federated):
    user = _member_of_cpms(federated, "with.mfa")
    response = federated.login("with.mfa")
    assert response.status_code == 302
    assert federated.client.session["_auth_user_id"] == str(user.pk)
    gate = federated.client.get(reverse("cpms-home"))
    assert gate["Location"].startswith(reverse("two_factor:challenge"))
    event = AuditEvent.objects.filter(action=Action.LOGIN).latest("pk")
    assert event.data["second_factor_trusted"] is False and "mfa" in event.data["amr"]


def test_the_providers_second_factor_is_trusted_when_the_setting_says_so(federated, settings):
    _member_of_cpms(federated, "with.mfa")
    settings.FEDERATION_TRUST_PROVIDER_MFA = True
    federated.login("with.mfa")
    gate = federated.client.get(reverse("cpms-home"))
    assert gate.status_code == 200, gate.get("Location")
    assert AuditEvent.objects.filter(action=Action.MFA_TRUSTED).count() == 1


def test_no_second_factor_asserted_none_trusted(federated, settings):
    settings.FEDERATION_TRUST_PROVIDER_MFA = True
    _member_of_cpms(federated, "new.clinician")  # amr without a second factor
    federated.login("new.clinician")
    gate = federated.client.get(reverse("cpms-home"))
    assert gate["Location"].startswith(reverse("two_factor:challenge"))
