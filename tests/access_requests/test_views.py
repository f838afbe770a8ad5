"""The applicant's pages: home, withdraw, confirmation, and who may see what."""

import html
from http import HTTPStatus

import pytest
from django.urls import reverse

from access_requests.models import AccessRequest, Application
from tests.factories import (
    AccessRequestFactory,
    ApplicationFactory,
    MembershipFactory,
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
