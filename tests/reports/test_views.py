"""Who sees which report: coordinators everything, dispatchers no export, researchers
suppressed aggregates, everyone else nothing (404)."""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from reports.audit_actions import Action as ReportsAction
from tests.factories import ExpertiseFactory, MembershipFactory, SMSDeviceFactory
from tests.reports.conftest import enter_cpms

REPORT = reverse("reports:network", args=["RARE-LIVER"])
MARCH_QUERY = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


def export_url(fmt="csv", network="RARE-LIVER"):
    return reverse(f"reports:export-{fmt}", args=[network])


def cell(body: str, heading: str) -> str:
    """The figure in the row headed ``heading`` of a two-column table."""
    match = re.search(
        rf"<th scope=\"row\">{re.escape(heading)}</th><td class=\"number\">([^<]*)</td>", body
    )
    assert match, heading
    return match.group(1)


def test_pages_are_behind_the_cpms_gate(client, known):
    response = client.get(REPORT)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(known.coordinator)  # no SMS code entered in this session
    for url in (REPORT, export_url(), reverse("reports:index")):
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("two_factor:challenge"))
    client.force_login(known.revoked)  # no active membership
    response = client.get(REPORT)
    assert response["Location"].startswith(reverse("access_requests:home"))


@pytest.mark.parametrize("who", ["h1", "outsider"])
def test_members_without_a_report_profile_get_404(client, known, who):
    enter_cpms(client, getattr(known, who))
    assert client.get(REPORT).status_code == HTTPStatus.NOT_FOUND
    assert client.get(export_url()).status_code == HTTPStatus.NOT_FOUND


def test_a_coordinator_of_another_network_gets_404(client, known):
    ExpertiseFactory(user=known.eye_coordinator, network=known.eye, is_none=True)  # gate step 5
    enter_cpms(client, known.eye_coordinator)
    assert client.get(REPORT).status_code == HTTPStatus.NOT_FOUND
    assert client.get(export_url("xlsx")).status_code == HTTPStatus.NOT_FOUND
    assert client.get(reverse("reports:network", args=["NO-SUCH"])).status_code == 404


def test_network_list_shows_the_networks_the_member_reports_on(client, known):
    enter_cpms(client, known.coordinator)
    body = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:network", args=["RARE-LIVER"]) in body
    assert "ERN-EYE" not in body
    enter_cpms(client, known.h1)
    body = client.get(reverse("reports:index")).content.decode()
    assert "You hold none of them" in body


def test_coordinator_sees_every_figure_and_the_export(client, known):
    enter_cpms(client, known.coordinator)
    response = client.get(REPORT, MARCH_QUERY)
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert cell(body, "Submitted") == "6"
    assert cell(body, "Approved") == "3"
    assert cell(body, "Rejected") == "1"
    assert cell(body, "Decisions") == "4"
    assert cell(body, "Median") == "3.5 days"
    assert cell(body, "90th percentile") == "8.5 days"
    assert cell(body, "Members") == "6"
    assert cell(body, "Never logged in") == "2"
    assert cell(body, "Without a verified phone") == "2"
    assert cell(body, "Share who answered the preferences") == "66.7 %"
    assert cell(body, "Germany") == "4"
    assert "from March 1, 2026 to March 31, 2026" in body
    assert export_url("csv") in body and export_url("xlsx") in body
    # Charts are drawn on the server and labelled; the tables hold the same figures.
    assert body.count('role="img"') == 5
    assert '<title id="by-country-title">Members by country' in body
    assert "<script" not in body


def test_dispatcher_sees_the_kpis_but_no_export(client, known):
    enter_cpms(client, known.dispatcher)
    response = client.get(REPORT, MARCH_QUERY)
    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert cell(body, "Germany") == "4"
    assert export_url("csv") not in body
    assert client.get(export_url("csv")).status_code == HTTPStatus.FORBIDDEN
    assert client.get(export_url("xlsx")).status_code == HTTPStatus.FORBIDDEN
    assert not AuditEvent.objects.filter(action=ReportsAction.EXPORT).exists()


def test_researcher_sees_suppressed_aggregates_and_no_identity(client, known):
    ExpertiseFactory(user=known.researcher, network=known.rl, is_none=True)  # gate step 5
    enter_cpms(client, known.researcher)
    response = client.get(REPORT, MARCH_QUERY)
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert cell(body, "Members") == "6"
    assert cell(body, "Submitted") == "6"
    assert cell(body, "Germany") == "&lt;5"
    assert cell(body, "Never logged in") == "&lt;5"
    assert cell(body, "Rejected") == "&lt;5"
    assert cell(body, "Decisions") == "&lt;5"
    assert cell(body, "Median") == "—"
    assert "Not shown here: the date of one request describes one person." in body
    assert "Submitted on" not in body
    # The researcher answered to pass the gate: 5 answers of 6 is not a small count.
    assert cell(body, "Share who answered the preferences") == "83.3 %"
    for person in (known.coordinator, known.dispatcher, known.h1, known.h2, known.h3):
        assert person.last_name not in body
        assert person.email not in body
    assert known.researcher.email not in body.replace(
        f'<span class="whoami">{known.researcher.get_full_name()}</span>', ""
    )
    assert "@hospital.example.eu" not in body
    # A suppressed figure has no bar whose length would give it away.
    assert 'width="0"' not in body
    assert client.get(export_url("csv")).status_code == HTTPStatus.FORBIDDEN


def test_bad_filters_are_explained_and_kept(client, known):
    enter_cpms(client, known.coordinator)
    response = client.get(REPORT, {"date_from": "2026-03-31", "date_to": "2026-03-01"})
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "The end of the period cannot be before its start." in body
    assert 'value="2026-03-31"' in body and 'value="2026-03-01"' in body
    response = client.get(REPORT, {"date_from": "yesterday", "country": "XX"})
    assert response.status_code == HTTPStatus.OK
    assert 'value="yesterday"' in response.content.decode()


def test_dates_at_the_ends_of_the_calendar_are_refused_not_a_500(client, known):
    enter_cpms(client, known.coordinator)
    for query in [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "0001-01-01"},
    ]:
        response = client.get(REPORT, query)
        assert response.status_code == HTTPStatus.OK, query
        assert response.context["report"] is None and response.context["form"].errors
        assert client.get(export_url(), query).status_code == HTTPStatus.FOUND


def test_export_with_bad_filters_goes_back_to_the_page(client, known):
    enter_cpms(client, known.coordinator)
    response = client.get(export_url(), {"date_from": "nonsense"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{REPORT}?date_from=nonsense"


def test_report_page_runs_a_bounded_number_of_queries(
    client, known, django_assert_max_num_queries
):
    enter_cpms(client, known.coordinator)
    with django_assert_max_num_queries(20):
        assert client.get(REPORT, MARCH_QUERY).status_code == HTTPStatus.OK


def test_superuser_may_export_any_network(client, known, django_user_model):
    admin = django_user_model.objects.create_superuser("root@example.eu", "x", first_name="R")
    # The gate asks a superuser, too, for a membership, a second factor and preferences.
    MembershipFactory(
        user=admin, institution=known.de40, profile=known.profiles["HP"], answered=True
    )
    SMSDeviceFactory(user=admin)
    enter_cpms(client, admin)
    response = client.get(export_url("csv", "ERN-EYE"))
    assert response.status_code == HTTPStatus.OK
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "ivanov@hospital.example.eu" in body
    assert "adler@" not in body


def test_cpms_home_links_to_the_reports(client, known):
    enter_cpms(client, known.dispatcher)
    assert reverse("reports:index") in client.get(reverse("cpms-home")).content.decode()
