"""User Data details, e-mail change, privacy re-acknowledgement, own data, deletion."""

import json
import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from access_requests.audit_actions import Action as RequestAction
from accounts.audit import mask_email
from accounts.models import AuditEvent, User
from tests.factories import PASSWORD, AccessRequestFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = UserFactory(first_name="Anna", last_name="Schmidt", privacy_version="2025-01")
    client.force_login(user)
    return user


def test_profile_shows_and_edits_names_and_email_language(client, member):
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "User Data details" in page and member.email in page

    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "Anne", "last_name": "Schmidt-Weber", "email_language": "fr"},
    )
    assert response.status_code == HTTPStatus.FOUND
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.email_language) == (
        "Anne",
        "Schmidt-Weber",
        "fr",
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.PROFILE_CHANGED)
    assert event.data == {"fields": ["first_name", "last_name", "email_language"]}


def test_profile_errors_keep_the_input(client, member):
    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "", "last_name": "Neu", "email_language": "xx"},
    )
    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'id="id_first_name_error"' in body and 'id="id_email_language_error"' in body
    assert 'value="Neu"' in body
    member.refresh_from_db()
    assert member.last_name == "Schmidt"


def test_the_email_changes_only_once_the_new_address_is_verified(client, member, outbox):
    old = member.email
    # The password again first (ACCOUNT_REAUTHENTICATION_REQUIRED, tests/security).
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "anna@new.example.de"}
    )
    assert response.status_code == HTTPStatus.FOUND
    member.refresh_from_db()
    assert member.email == old  # not yet
    # The page says the new address "is waiting for verification", once.
    page = client.get(response["Location"])
    assert "this address is waiting for verification" in page.content.decode()
    assert [str(m) for m in page.context["messages"]] == []
    link = re.search(r"http://testserver(/\S+)", outbox(to="anna@new.example.de")[-1].body)[1]
    confirmed = client.post(link, follow=True)
    # Here nothing else says it: allauth's message does.
    assert [str(m) for m in confirmed.context["messages"]] == [
        "You have confirmed anna@new.example.de."
    ]
    member.refresh_from_db()
    assert member.email == "anna@new.example.de"
    assert list(EmailAddress.objects.filter(user=member).values_list("email", flat=True)) == [
        "anna@new.example.de"
    ]
    event = AuditEvent.objects.get(action=AuditEvent.Action.PROFILE_CHANGED)
    # Both addresses, masked: the trail cannot be edited when the account is deleted.
    assert event.data == {
        "fields": ["email"],
        "from_email": mask_email(old),
        "to_email": "a•••@new.example.de",
    }


def test_a_new_privacy_statement_must_be_acknowledged_before_going_on(client, member, settings):
    settings.ACCOUNTS_PRIVACY_STATEMENT_VERSION = "2026-06"
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == HTTPStatus.FOUND
    ack_url = reverse("accounts:privacy_acknowledge")
    assert response["Location"] == f"{ack_url}?next=%2Faccount%2F"
    # Nothing else is reachable, POSTs included; the statement and logout are.
    assert client.post(reverse("accounts:data_export"))["Location"] == ack_url
    assert client.get(reverse("accounts:privacy_statement")).status_code == HTTPStatus.OK

    page = client.get(response["Location"]).content.decode()
    assert "2025-01" in page and "2026-06" in page
    refused = client.post(ack_url, {"next": "/account/"})
    assert "Please check the box" in refused.content.decode()

    done = client.post(ack_url, {"acknowledge": "on", "next": "/account/"})
    assert done["Location"] == "/account/"
    member.refresh_from_db()
    assert member.privacy_version == "2026-06"
    assert client.get(reverse("accounts:profile")).status_code == HTTPStatus.OK
    event = AuditEvent.objects.get(action=AuditEvent.Action.PRIVACY_ACKNOWLEDGED)
    assert event.actor == member and event.data == {"version": "2026-06"}


def test_acknowledgement_ignores_an_external_next(client, member, settings):
    settings.ACCOUNTS_PRIVACY_STATEMENT_VERSION = "2026-06"
    response = client.post(
        reverse("accounts:privacy_acknowledge"),
        {"acknowledge": "on", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("cpms-home")


def test_accounts_made_by_operators_are_not_asked(client, settings):
    settings.ACCOUNTS_PRIVACY_STATEMENT_VERSION = "2026-06"
    client.force_login(UserFactory(privacy_version=""))
    assert client.get(reverse("accounts:profile")).status_code == HTTPStatus.OK


def test_the_privacy_statement_cites_the_regulation(client):
    body = client.get(reverse("accounts:privacy_statement")).content.decode()
    assert "Regulation (EU) 2018/1725" in body and "45/2001" in body


def test_data_export_holds_everything_about_the_user(client, member):
    request = AccessRequestFactory(user=member)
    MembershipFactory(user=member, institution=request.institution, granted_by_request=request)
    other = UserFactory()
    response = client.post(reverse("accounts:data_export"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"].startswith('attachment; filename="cpms-my-data-')
    data = json.loads(response.content)
    assert data["user"]["email"] == member.email
    assert data["email_addresses"] == [{"email": member.email, "verified": True, "primary": True}]
    assert len(data["records"]["access_requests.accessrequest"]) == 1
    assert len(data["records"]["access_requests.membership"]) == 1
    assert "password" not in json.dumps(data["user"])
    assert other.email not in response.content.decode()
    assert data["audit_events"][-1]["action"] == "data_exported"


def test_data_export_leaves_out_secrets(client, member):
    from tests.accounts.two_factor_support import pass_sms_challenge
    from tests.factories import SMSDeviceFactory

    device = SMSDeviceFactory(user=member)
    pass_sms_challenge(client)
    device.refresh_from_db()
    device.issue_token()
    data = json.loads(client.post(reverse("accounts:data_export")).content)
    (phone,) = data["records"]["accounts.smsdevice"]
    assert phone["number"] == "+49 1511 2345678"
    assert "token_hash" not in phone


def test_deletion_needs_the_password(client, member):
    response = client.post(
        reverse("accounts:account_delete"), {"password": "wrong", "confirm": "on"}
    )
    assert "The password is not correct." in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_deletion_removes_the_account_and_logs_out(client, member):
    request = AccessRequestFactory(user=member)
    MembershipFactory(user=member, institution=request.institution, granted_by_request=request)
    response = client.post(
        reverse("accounts:account_delete"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(pk=member.pk).exists()
    assert client.get(reverse("accounts:profile")).status_code == HTTPStatus.FOUND
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_DELETED).exists()


def test_landing_page_has_the_guides_sections_and_working_links(client):
    body = client.get(reverse("home")).content.decode()
    for text in ("Supported Browsers", "Secure Login", "Help & Support"):
        assert text in body
    assert "Sante-ERN-CPMS-itsupport@ec.europa.eu" in body
    for href in re.findall(r'href="(/[^"]*)"', body):
        if href.startswith("/static/"):
            continue
        assert client.get(href).status_code in (HTTPStatus.OK, HTTPStatus.FOUND), href


def test_data_export_and_deletion_need_the_second_factor_when_one_is_enrolled(client, member):
    from tests.accounts.two_factor_support import pass_sms_challenge
    from tests.factories import SMSDeviceFactory

    SMSDeviceFactory(user=member)
    challenge = reverse("two_factor:challenge")

    export = client.post(reverse("accounts:data_export"))
    assert export.status_code == HTTPStatus.FOUND
    # The download is a POST: the user comes back to the page that offers it.
    assert export["Location"] == f"{challenge}?next=%2Faccount%2F"
    deletion = client.post(
        reverse("accounts:account_delete"), {"password": PASSWORD, "confirm": "on"}
    )
    assert deletion["Location"] == f"{challenge}?next=%2Faccount%2Fdelete%2F"
    assert User.objects.filter(pk=member.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DATA_EXPORTED).exists()

    pass_sms_challenge(client)
    assert client.post(reverse("accounts:data_export")).status_code == HTTPStatus.OK


def test_a_failed_deletion_keeps_the_user_logged_in_with_a_message(client, member, monkeypatch):
    from django.db.models import ProtectedError

    def refuse(user):
        raise ProtectedError("protected", set())

    # A row that no app's deletion hook removes: the cascade refuses.
    monkeypatch.setattr("accounts.services._account_deletion_hooks", [refuse])
    response = client.post(
        reverse("accounts:account_delete"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == HTTPStatus.OK
    assert "Your account could not be deleted" in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()
    assert client.get(reverse("accounts:profile")).status_code == HTTPStatus.OK
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_DELETED).exists()


def test_an_administrators_data_export_holds_no_applicant(client, member):
    from accounts.audit import record_event

    applicant = UserFactory(first_name="Zofia", email="zofia@uke.example.de")
    decided = AccessRequestFactory(
        user=applicant, decided_by=member, comment="Dr Zofia Nowak, rare livers"
    )
    record_event(action=RequestAction.REQUEST_APPROVED, actor=member, target=decided)

    response = client.post(reverse("accounts:data_export"))

    body = response.content.decode()
    assert "zofia" not in body.lower()
    data = json.loads(body)
    assert "access_requests.accessrequest" not in data["records"]
    assert data["mentioned_in"] == {"access_requests.accessrequest.decided_by": 1}
    (approval,) = [e for e in data["audit_events"] if e["action"] == "request_approved"]
    assert approval["by_me"] and approval["target"] == ""
    assert approval["target_type"] == "access_requests.accessrequest"
