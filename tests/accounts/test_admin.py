"""The admin changes security-relevant data only through audited services."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.urls import reverse

from access_requests.audit_actions import Action as RequestAction
from accounts.models import AuditEvent, User
from tests.factories import NetworkFactory, UserFactory, force_login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    force_login_verified(client, user)
    return user


def user_form(user: User, **changes) -> dict:
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email_language": user.email_language,
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_address_phone_and_password_cannot_be_edited_in_the_admin(client, superuser):
    person = UserFactory(email="anna@uke.example.de", mobile_phone="+4915112345678")
    url = reverse("admin:accounts_user_change", args=[person.pk])

    response = client.post(
        url, user_form(person, email="thief@evil.example", mobile_phone="+4915199999999")
    )

    assert response.status_code == HTTPStatus.FOUND
    person.refresh_from_db()
    assert person.email == "anna@uke.example.de"
    assert person.mobile_phone == "+4915112345678"
    password_url = reverse("admin:auth_user_password_change", args=[person.pk])
    assert client.get(password_url).status_code == HTTPStatus.FORBIDDEN


def test_administrator_rights_change_through_an_audited_service(client, superuser):
    person = UserFactory()
    url = reverse("admin:accounts_user_change", args=[person.pk])

    client.post(url, user_form(person, is_staff="on"))

    person.refresh_from_db()
    assert person.is_staff and not person.is_superuser
    event = AuditEvent.objects.get(action=AuditEvent.Action.STAFF_STATUS_CHANGED)
    assert event.actor == superuser and event.target_id == str(person.pk)
    assert event.data["after"] == {"is_staff": True, "is_superuser": False}


def test_group_and_permission_changes_are_audited(client, superuser):
    from django.contrib.auth.models import Group

    admins = Group.objects.create(name="Network administrators")
    person = UserFactory()
    url = reverse("admin:accounts_user_change", args=[person.pk])

    client.post(url, user_form(person, groups=[admins.pk]))
    client.post(url, user_form(person, groups=[admins.pk]))  # no change, no event

    assert list(person.groups.all()) == [admins]
    event = AuditEvent.objects.get(action=AuditEvent.Action.STAFF_STATUS_CHANGED)
    assert event.actor == superuser and event.target_id == str(person.pk)
    assert event.data == {
        "before": {"groups": [], "permissions": []},
        "after": {"groups": ["Network administrators"], "permissions": []},
    }


def test_network_scopes_are_granted_and_withdrawn_audited(client, superuser):
    from access_requests.models import NetworkAdministrator

    staff = UserFactory(is_staff=True)
    network = NetworkFactory()
    client.post(
        reverse("admin:access_requests_networkadministrator_add"),
        {"user": staff.pk, "network": network.pk},
    )
    scope = NetworkAdministrator.objects.get(user=staff, network=network)
    granted = AuditEvent.objects.get(action=RequestAction.NETWORK_ADMIN_GRANTED)
    assert granted.actor == superuser and granted.data == {"network": network.code}

    client.post(
        reverse("admin:access_requests_networkadministrator_delete", args=[scope.pk]),
        {"post": "yes"},
    )
    assert not NetworkAdministrator.objects.exists()
    assert AuditEvent.objects.filter(action=RequestAction.NETWORK_ADMIN_REVOKED).exists()


def test_addresses_and_second_factors_have_no_admin_of_their_own():
    from allauth.account.models import EmailAddress
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (EmailAddress, TOTPDevice, StaticDevice):
        assert not admin.site.is_registered(model), model


def test_the_admin_index_has_one_section_per_app_each_with_a_clear_name(client, superuser):
    response = client.get(reverse("admin:index"))

    names = [app["name"] for app in response.context["app_list"]]
    assert len(names) == len(set(names)), names
    assert all("_" not in name and name[:1].isupper() for name in names), names
    assert "Accounts and audit trail" in names


def test_users_and_memberships_share_one_reset_second_factor_action(rf, superuser):
    from access_requests.models import Membership

    request = rf.get("/")
    request.user = superuser
    actions = [
        admin.site.get_model_admin(model).get_actions(request)["reset_second_factor_of_selected"]
        for model in (User, Membership)
    ]
    assert {action.func.__module__ for action in actions} == {"accounts.admin_mixins"}


def test_deleting_a_user_in_the_admin_is_the_audited_account_deletion(client, superuser):
    """The admin's delete, one user or many, goes through the account deletion: the trail
    stays without the person's identity and says which administrator deleted them."""
    anna, ben = UserFactory(email="anna@uke.example.de"), UserFactory(email="ben@uke.example.de")
    AuditEvent.objects.create(
        action="login",
        actor=anna,
        target_type="accounts.user",
        target_id=str(anna.pk),
        target_repr=str(anna),
    )

    url = reverse("admin:accounts_user_delete", args=[anna.pk])
    assert client.post(url, {"post": "yes"}).status_code == HTTPStatus.FOUND
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [ben.pk], "post": "yes"},
    )

    assert not User.objects.filter(email__in=["anna@uke.example.de", "ben@uke.example.de"])
    deleted = AuditEvent.objects.filter(action="account_deleted")
    assert sorted(deleted.values_list("target_id", flat=True)) == sorted(
        [str(anna.pk), str(ben.pk)]
    )
    assert {event.actor for event in deleted} == {superuser}
    about_anna = AuditEvent.objects.filter(target_id=str(anna.pk), target_type="accounts.user")
    assert set(about_anna.values_list("target_repr", flat=True)) == {""}


def _logged_in(browser) -> bool:
    return browser.get("/requests/").wsgi_request.user.is_authenticated


@pytest.mark.parametrize("password", [None, "Kx9-ternary-Quokka-42"])
def test_adding_a_user_in_the_admin_creates_the_account_as_sign_up_does(
    client, superuser, password
):
    """The address row allauth needs, unverified; the privacy statement left for the person;
    one audit event naming the administrator; the admin's own history as before."""
    from allauth.account.models import EmailAddress
    from django.contrib.admin.models import ADDITION, LogEntry

    data = {"email": "Anna.Schmidt@UKE.example.de", "first_name": "Anna", "last_name": "Schmidt"}
    if password is None:
        data["usable_password"] = "false"
    else:
        data.update(usable_password="true", password1=password, password2=password)

    response = client.post(reverse("admin:accounts_user_add"), data)

    assert response.status_code == HTTPStatus.FOUND
    person = User.objects.get(email__iexact="anna.schmidt@uke.example.de")
    assert person.email == "anna.schmidt@uke.example.de"  # lowercased, as by sign-up
    assert response["Location"] == reverse("admin:accounts_user_change", args=[person.pk])
    assert person.has_usable_password() is (password is not None)
    if password is not None:
        assert person.check_password(password)
    assert (person.privacy_version, person.privacy_acknowledged_at) == ("", None)
    address = EmailAddress.objects.get(user=person)
    assert (address.email, address.primary, address.verified) == (person.email, True, False)
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CREATED_BY_ADMIN)
    assert event.actor == superuser and event.target_id == str(person.pk)
    assert event.data == {"email_language": "en", "usable_password": password is not None}
    assert LogEntry.objects.filter(object_id=str(person.pk), action_flag=ADDITION).exists()


def test_changing_names_and_language_in_the_admin_is_audited_as_a_profile_change(
    client, superuser
):
    from django.contrib.admin.models import CHANGE, LogEntry

    person = UserFactory(first_name="Anna", last_name="Schmidt", email_language="en")
    url = reverse("admin:accounts_user_change", args=[person.pk])

    response = client.post(url, user_form(person, last_name="Schmidt-Weber", email_language="de"))

    assert response.status_code == HTTPStatus.FOUND
    person.refresh_from_db()
    assert (person.last_name, person.email_language) == ("Schmidt-Weber", "de")
    event = AuditEvent.objects.get(action=AuditEvent.Action.PROFILE_CHANGED)
    assert event.actor == superuser and event.target_id == str(person.pk)
    assert event.data == {"fields": ["last_name", "email_language"]}
    assert LogEntry.objects.filter(object_id=str(person.pk), action_flag=CHANGE).exists()


def test_a_save_that_changes_nothing_writes_nothing(client, superuser):
    """Neither the row (the form's instance is never saved as a whole) nor an event."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = UserFactory()
    url = reverse("admin:accounts_user_change", args=[person.pk])
    before = AuditEvent.objects.count()

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, user_form(person))

    assert response.status_code == HTTPStatus.FOUND
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "accounts_user"')]
    assert updates == []
    assert AuditEvent.objects.count() == before


def test_deactivating_a_user_in_the_admin_is_audited_and_ends_their_sessions(client, superuser):
    from django.test import Client

    person = UserFactory()
    browser = Client()
    browser.force_login(person)
    assert _logged_in(browser)
    epoch = person.session_epoch
    url = reverse("admin:accounts_user_change", args=[person.pk])

    client.post(url, user_form(person, is_active=None))

    person.refresh_from_db()
    assert not person.is_active and person.session_epoch == epoch + 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_DISABLED)
    assert event.actor == superuser and event.target_id == str(person.pk)
    assert event.data == {"reason": "administrator"}
    # Ended, not merely refused while inactive: enabling the account does not revive them.
    client.post(url, user_form(person))
    assert not _logged_in(browser)


def test_reactivating_a_user_in_the_admin_is_audited_and_restarts_the_inactivity_warning(
    client, superuser
):
    """Disabled for inactivity, enabled again: the next daily run warns the person anew
    instead of disabling the account again at once."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.services import disable_inactive_users

    now = timezone.now()
    person = UserFactory(
        is_active=False,
        last_login=now - timedelta(days=400),
        inactivity_warned_at=now - timedelta(days=40),
    )
    url = reverse("admin:accounts_user_change", args=[person.pk])

    client.post(url, user_form(person))

    person.refresh_from_db()
    assert person.is_active and person.inactivity_warned_at is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_ENABLED)
    assert event.actor == superuser and event.target_id == str(person.pk)
    assert event.data == {}
    assert disable_inactive_users(now=now + timedelta(days=1)) == 0
    client.post(url, user_form(person))  # enabled already: nothing more
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_ENABLED).count() == 1
