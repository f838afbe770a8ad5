"""The applicant's pages: home, withdraw, confirmation, and who may see what."""

import html
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, Application
from accounts.models import AuditEvent
from tests.factories import (
    AccessRequestFactory,
    ApplicationFactory,
    MembershipFactory,
    SMSDeviceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_home_needs_login(client):
    response = client.get(reverse("access_requests:home"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


def test_home_without_profile_invites_to_request_access(client, user, reference_data):
    response = client.get(reverse("access_requests:home"))
    assert response.status_code == HTTPStatus.OK
    body = html.unescape(response.content.decode())
    cpms = Application.objects.get(code="cpms")
    assert "Request access to ERN CPMS application" in body
    assert "You don't have any User Profile for this Application" in body
    assert f"{reverse('access_requests:wizard-application')}?application={cpms.pk}" in body
    assert "User Data details" in body and "Request access" in body
    assert f'href="{reverse("accounts:profile")}">User Data details' in body
    # Only open applications are offered.
    assert "Request access to ERN AAC application" not in body


def test_home_lists_requests_and_memberships(client, user):
    pending = AccessRequestFactory(user=user, comment="please")
    rejected = AccessRequestFactory(user=user)
    AccessRequest.objects.filter(pk=rejected.pk).update(
        status=AccessRequest.Status.REJECTED,
        decided_at=pending.submitted_at,
        decision_reason="Not a member of this hospital",
    )
    membership = MembershipFactory(user=user)
    AccessRequestFactory()  # someone else's
    response = client.get(reverse("access_requests:home"))
    body = html.unescape(response.content.decode())
    assert pending.institution.label in body
    assert pending.institution.parent.name in body
    assert pending.network.label in body
    assert "Submitted" in body and "Rejected" in body
    assert "Not a member of this hospital" in body
    assert membership.profile.name in body
    assert membership.institution.label in body
    assert "Your request is being validated" in body
    assert reverse("access_requests:request-withdraw", args=[pending.pk]) in body
    assert reverse("access_requests:request-withdraw", args=[rejected.pk]) not in body
    # An active membership of the application: no invitation for it.
    assert "You don't have any User Profile for this Application" not in body


def test_home_shows_only_own_requests(client, user):
    other = AccessRequestFactory(comment="secret")
    body = client.get(reverse("access_requests:home")).content.decode()
    assert other.institution.label not in body


def test_step_1_lists_applications_closed_ones_disabled(client, user, reference_data):
    response = client.get(reverse("access_requests:wizard-application"))
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    cpms = Application.objects.get(code="cpms")
    aac = Application.objects.get(name="AAC")
    assert f'<option value="{cpms.pk}">CPMS</option>' in body
    assert f'<option value="{aac.pk}" disabled>AAC (closed)</option>' in body
    assert 'aria-current="step"' in body
    assert "Select application" in body and "Recap and Submission" in body


def test_step_1_goes_to_step_2(client, user, reference_data):
    cpms = Application.objects.get(code="cpms")
    response = client.get(
        reverse("access_requests:wizard-application"), {"application": cpms.pk, "go": "1"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == (
        f"{reverse('access_requests:wizard-organisation')}?application={cpms.pk}"
    )


@pytest.mark.parametrize("value", ["", "abc", "999999", "99999999999999999999999"])
def test_step_1_refuses_nothing_or_unknown(client, user, value):
    ApplicationFactory()
    response = client.get(
        reverse("access_requests:wizard-application"), {"application": value, "go": "1"}
    )
    assert response.status_code == HTTPStatus.OK
    assert 'class="errorlist"' in response.content.decode()


def test_step_1_refuses_a_closed_application(client, user):
    closed = ApplicationFactory(code="aac", name="AAC", is_open=False)
    response = client.get(
        reverse("access_requests:wizard-application"), {"application": closed.pk, "go": "1"}
    )
    assert response.status_code == HTTPStatus.OK
    assert "The application AAC is closed: it accepts no requests." in response.content.decode()


def test_step_1_preselects_the_application_of_the_url(client, user):
    cpms = ApplicationFactory()
    response = client.get(reverse("access_requests:wizard-application"), {"application": cpms.pk})
    assert f'<option value="{cpms.pk}" selected>CPMS</option>' in response.content.decode()


def test_withdraw_asks_for_confirmation_then_withdraws(client, user):
    pending = AccessRequestFactory(user=user)
    url = reverse("access_requests:request-withdraw", args=[pending.pk])
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert "Do you really want to withdraw this request?" in html.unescape(
        response.content.decode()
    )
    pending.refresh_from_db()
    assert pending.status == AccessRequest.Status.SUBMITTED  # a GET changes nothing

    response = client.post(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("access_requests:home")
    pending.refresh_from_db()
    assert pending.status == AccessRequest.Status.WITHDRAWN
    assert not pending.items.filter(is_open=True).exists()
    assert AuditEvent.objects.filter(
        action="request_withdrawn", target_id=str(pending.pk)
    ).exists()
    body = client.get(response["Location"]).content.decode()
    assert "Your request has been withdrawn." in body


def test_withdrawing_a_decided_request_is_refused_with_a_message(client, user):
    pending = AccessRequestFactory(user=user)
    services.withdraw_request(access_request=pending, user=user)
    url = reverse("access_requests:request-withdraw", args=[pending.pk])
    body = html.unescape(client.get(url).content.decode())
    assert "This request is already withdrawn and cannot be withdrawn." in body
    response = client.post(url, follow=True)
    assert "already withdrawn and cannot be changed" in html.unescape(response.content.decode())


@pytest.mark.parametrize("url_name", ["request-withdraw", "request-submitted"])
def test_another_users_request_is_not_found(client, user, url_name):
    other = AccessRequestFactory()
    url = reverse(f"access_requests:{url_name}", args=[other.pk])
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    if url_name == "request-withdraw":
        assert client.post(url).status_code == HTTPStatus.NOT_FOUND
        other.refresh_from_db()
        assert other.status == AccessRequest.Status.SUBMITTED


def test_unknown_request_is_not_found(client, user):
    url = reverse("access_requests:request-submitted", args=[999999])
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    huge = "/requests/99999999999999999999999/submitted/"
    assert client.get(huge).status_code == HTTPStatus.NOT_FOUND


def test_reminder_button_after_three_days_sends_one_reminder(
    client, user, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_superuser=True, is_staff=True)
    old = AccessRequestFactory(user=user, submitted_at=timezone.now() - timedelta(days=4))
    url = reverse("access_requests:request-remind", args=[old.pk])
    body = client.get(reverse("access_requests:home")).content.decode()
    assert f'action="{url}"' in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "A reminder has been sent to the administrators." in response.content.decode()
    old.refresh_from_db()
    assert old.reminder_sent_at is not None
    assert [m.to for m in mail.outbox] == [[admin.email]]
    body = html.unescape(response.content.decode())
    assert f'action="{url}"' not in body and "Reminder sent on" in body
    # A second one is refused with a message.
    response = client.post(url, follow=True)
    assert "A reminder has already been sent" in html.unescape(response.content.decode())


def test_no_reminder_before_three_days(client, user):
    recent = AccessRequestFactory(user=user, submitted_at=timezone.now() - timedelta(days=1))
    url = reverse("access_requests:request-remind", args=[recent.pk])
    assert f'action="{url}"' not in client.get(reverse("access_requests:home")).content.decode()
    response = client.post(url, follow=True)
    assert "You can send a reminder once your request has waited 3 days." in (
        html.unescape(response.content.decode())
    )
    recent.refresh_from_db()
    assert recent.reminder_sent_at is None


def test_reminder_for_another_users_request_is_not_found(client, user):
    other = AccessRequestFactory(submitted_at=timezone.now() - timedelta(days=10))
    url = reverse("access_requests:request-remind", args=[other.pk])
    assert client.post(url).status_code == HTTPStatus.NOT_FOUND
    assert client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    other.refresh_from_db()
    assert other.reminder_sent_at is None


def test_confirmation_asks_for_a_phone_only_when_none_is_verified(client, user):
    access_request = AccessRequestFactory(user=user)
    url = reverse("access_requests:request-submitted", args=[access_request.pk])
    body = html.unescape(client.get(url).content.decode())
    assert "Add your mobile phone number now" in body
    assert reverse("two_factor:phone") in body
    SMSDeviceFactory(user=user, confirmed=True)
    body = html.unescape(client.get(url).content.decode())
    assert "Add your mobile phone number now" not in body
    assert "Your mobile phone number is already verified." in body
