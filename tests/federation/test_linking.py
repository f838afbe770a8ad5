"""No account takeover: a local account is linked only by its holder, proven once."""

from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import AuditEvent, User
from federation.audit_actions import Action
from tests.factories import PASSWORD, UserFactory, force_login_verified


def _refusals(reason: str) -> int:
    return AuditEvent.objects.filter(action=Action.LINK_REFUSED, data__reason=reason).count()


def test_an_email_match_alone_never_logs_in_nor_links(federated):
    local = UserFactory(email="twin@hospital.example.eu")
    response = federated.login("local.twin")
    assert response.status_code == 200
    page = response.content.decode()
    assert "An account with this e-mail address exists" in page
    assert "Link EU Login" in page
    assert "_auth_user_id" not in federated.client.session
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1
    assert _refusals("email_match") == 1
    assert AuditEvent.objects.get(action=Action.LINK_REFUSED).target_id == str(local.pk)


def test_an_unverified_email_is_refused_too(federated):
    UserFactory(email="twin@hospital.example.eu")
    response = federated.login("unverified.twin")
    assert response.status_code == 200
    assert "has not verified" in response.content.decode()
    assert not SocialAccount.objects.exists() and _refusals("email_unverified") == 1


def _link(federated, login: str):
    """ "Link EU Login" in User Data details, the password confirmed, the provider's login."""
    response = federated.login(login, process="connect", next_url=reverse("accounts:profile"))
    if response.status_code == 302 and response["Location"].startswith(
        reverse("account_reauthenticate")
    ):
        response = federated.client.post(response["Location"], {"password": PASSWORD})
    return response


def test_the_holder_links_after_proving_the_account_then_logs_in_and_unlinks(federated):
    local = UserFactory(email="twin@hospital.example.eu")
    force_login_verified(federated.client, local)
    profile = federated.client.get(reverse("accounts:profile")).content.decode()
    assert "Link EU Login" in profile

    response = _link(federated, "local.twin")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert SocialAccount.objects.get().user == local
    assert AuditEvent.objects.filter(action=Action.LINKED, target_id=str(local.pk)).exists()
    profile = federated.client.get(reverse("accounts:profile")).content.decode()
    assert "Unlink" in profile

    federated.client.logout()
    assert federated.login("local.twin").status_code == 302
    assert federated.client.session["_auth_user_id"] == str(local.pk)

    force_login_verified(federated.client, local)
    account = SocialAccount.objects.get()
    response = federated.client.post(reverse("federation:unlink"), {"account": account.pk})
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert SocialAccount.objects.exists()  # not before the password
    response = federated.client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(action=Action.UNLINKED, target_id=str(local.pk)).exists()


def test_linking_needs_the_second_factor_of_this_session(federated):
    local = UserFactory(email="twin@hospital.example.eu")
    federated.client.force_login(local)
    response = _link(federated, "local.twin")
    assert response.status_code == 403
    assert not SocialAccount.objects.exists() and _refusals("second_factor") == 1


def test_linking_refuses_a_provider_account_of_another_address(federated):
    local = UserFactory(email="twin@hospital.example.eu")
    force_login_verified(federated.client, local)
    response = _link(federated, "other.address")
    assert response.status_code == 403
    assert "someone.else@example.eu" in response.content.decode()
    assert not SocialAccount.objects.exists() and _refusals("email_differs") == 1


def test_linking_refuses_an_unverified_address(federated):
    local = UserFactory(email="twin@hospital.example.eu")
    force_login_verified(federated.client, local)
    assert _link(federated, "unverified.twin").status_code == 403
    assert not SocialAccount.objects.exists() and _refusals("email_unverified") == 1


def test_a_federated_only_account_cannot_unlink_its_only_way_in(federated):
    federated.login("new.clinician")
    federated.client.post(reverse("socialaccount_signup"), {"privacy": "on"})
    user = User.objects.get()
    force_login_verified(federated.client, user)
    assert (
        "first set a password"
        in federated.client.get(reverse("accounts:profile")).content.decode()
    )
    account = SocialAccount.objects.get()
    federated.client.post(reverse("federation:unlink"), {"account": account.pk})
    assert SocialAccount.objects.filter(pk=account.pk).exists()
    assert not AuditEvent.objects.filter(action=Action.UNLINKED).exists()
