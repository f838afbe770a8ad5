"""The queue's and the members list's rows, planned once per page
(access_requests.templatetags.cpms_admin_rows), are the HTML Django's own
``result_list`` renders: cell by cell, in every listing an administrator opens."""

from datetime import timedelta

import pytest
from django.contrib.admin.templatetags import admin_list
from django.utils import timezone

from access_requests.models import AccessRequest, Membership
from access_requests.templatetags import cpms_admin_rows
from tests.factories import (
    AccessRequestFactory,
    InstitutionFactory,
    MembershipFactory,
    SMSDeviceFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = "/admin/access_requests/accessrequest/"
MEMBERS = "/admin/access_requests/membership/"


@pytest.fixture
def rows():
    """Rows with and without what a cell may lack: a comment, a phone, an expiry, an end."""
    now = timezone.now()
    institution = InstitutionFactory()
    with_phone = AccessRequestFactory(
        institution=institution, comment="Urgent <panel> & co", submitted_at=now
    )
    SMSDeviceFactory(user=with_phone.user)
    AccessRequestFactory(institution=institution, comment="", submitted_at=now - timedelta(9))
    AccessRequestFactory(
        institution=institution,
        status=AccessRequest.Status.REJECTED,
        decided_at=now,
        decision_reason="Not a member of the network",
    )
    MembershipFactory(institution=institution)
    MembershipFactory(institution=institution, expires_at=now + timedelta(days=30))
    MembershipFactory(institution=institution, status=Membership.Status.REVOKED, ended_at=now)


def cells(results) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in results]


@pytest.mark.parametrize(
    "listing",
    [
        QUEUE,  # the pending ones, without the status column
        QUEUE + "?status=all",
        QUEUE + "?status=all&o=-2.7",
        QUEUE + "?status=rejected",
        MEMBERS,
        MEMBERS + "?o=3",
        MEMBERS + "?status=revoked",
        MEMBERS + "?_popup=1&_to_field=id",
    ],
)
def test_the_rows_are_djangos_html(admin_client, rows, listing):
    response = admin_client.get(listing)
    assert response.status_code == 200
    changelist = response.context["cl"]

    ours = cells(cpms_admin_rows.results(changelist))

    assert ours  # the listing has rows to compare
    assert ours == cells(admin_list.results(changelist))
    assert ours[0][0] in response.content.decode()  # and the page shows these rows


def test_a_column_of_a_kind_not_planned_falls_back_to_djangos_rows(admin_client, rows):
    changelist = admin_client.get(MEMBERS).context["cl"]
    changelist.list_display = ["action_checkbox", "__str__", "status"]

    assert cpms_admin_rows._plan(changelist) is None
    assert cells(cpms_admin_rows.results(changelist)) == cells(admin_list.results(changelist))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_written_out_checkbox_is_djangos(language):
    """The lists' action checkbox, written out, is the HTML of Django's own (its widget's
    template), the object's name escaped once, in the page's language."""
    from django.contrib import admin
    from django.contrib.admin import ModelAdmin
    from django.test.html import parse_html
    from django.utils import translation

    membership = MembershipFactory(user__first_name='Zoë "Z" <b>', user__last_name="O'Neil")
    ours = admin.site._registry[Membership]
    with translation.override(language):
        django_html = ModelAdmin.action_checkbox(ours, membership)
        our_html = ours.action_checkbox(membership)
    assert parse_html(our_html) == parse_html(django_html)
    assert "&lt;b&gt;" in our_html and "&amp;lt;" not in our_html
