"""The user-list export: right rows, readable by csv and openpyxl, streamed, audited."""

import csv
import io
from datetime import date, datetime
from http import HTTPStatus

import openpyxl
import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import reverse

from access_requests.models import Membership
from accounts.models import AuditEvent
from reports import exports, views
from reports.audit_actions import Action as ReportsAction
from tests.factories import MembershipFactory, UserFactory
from tests.reports.conftest import enter_cpms

HEADER = [
    "Name",
    "E-mail",
    "Institution",
    "Country",
    "Profiles",
    "Granted on",
    "Thematic areas",
    "Last login",
    "Second factor set up",
    "Status",
]
RL_ACTIVE = [
    "adler@hospital.example.eu",
    "berger@hospital.example.eu",
    "costa@hospital.example.eu",
    "dijk@hospital.example.eu",
    "engel@hospital.example.eu",
    "fischer@hospital.example.eu",
]


def export_url(fmt="csv", network="RARE-LIVER"):
    return reverse(f"reports:export-{fmt}", args=[network])


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def read_xlsx(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def export_events():
    return list(AuditEvent.objects.filter(action=ReportsAction.EXPORT))


def test_coordinator_of_rare_liver_gets_its_members_and_no_one_else(client, known):
    enter_cpms(client, known.coordinator)
    response = client.get(export_url())
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    rows = read_csv(response)
    assert rows[0] == HEADER
    assert [row[1] for row in rows[1:]] == RL_ACTIVE
    adler = rows[1]
    assert adler[0] == "Anna Adler"
    assert adler[2] == "DE40 - Universitätsklinikum Hamburg-Eppendorf"
    assert adler[3] == "Germany"
    assert adler[4] == "Coordinator; HP"
    assert adler[5] == "2026-01-15"
    assert set(adler[6].split("; ")) == {"Autoimmune liver disease", "Metabolic liver disease"}
    assert adler[8:] == ["Yes", "Active"]
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["berger@hospital.example.eu"][7] == "2026-04-02 10:00"
    assert by_email["berger@hospital.example.eu"][6] == "None"
    assert by_email["costa@hospital.example.eu"][6:9] == ["", "", "Yes"]  # no answer, no login
    assert by_email["engel@hospital.example.eu"][8] == "No"  # phone never confirmed
    assert by_email["fischer@hospital.example.eu"][8] == "Yes"  # authenticator app


def test_export_follows_the_filters_of_the_page(client, known):
    enter_cpms(client, known.coordinator)
    rows = read_csv(client.get(export_url(), {"country": "NL"}))
    assert [row[1] for row in rows[1:]] == [
        "costa@hospital.example.eu",
        "fischer@hospital.example.eu",
    ]
    rows = read_csv(client.get(export_url(), {"status": "all"}))
    by_email = {row[1]: row for row in rows[1:]}
    assert len(by_email) == 8
    assert by_email["graf@hospital.example.eu"][4:] == [
        "HP (revoked)",
        "2026-01-15",
        "Autoimmune liver disease",
        "2026-02-01 10:00",
        "Yes",
        "Revoked",
    ]
    assert by_email["hahn@hospital.example.eu"][-1] == "Expired"
    assert "ivanov@hospital.example.eu" not in by_email
    rows = read_csv(client.get(export_url(), {"profile": "COORDINATOR"}))
    assert [row[1] for row in rows[1:]] == ["adler@hospital.example.eu"]
    assert rows[1][4] == "Coordinator"


def test_xlsx_export_reads_back_with_openpyxl(client, known):
    enter_cpms(client, known.coordinator)
    response = client.get(export_url("xlsx"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    rows = read_xlsx(response)
    assert list(rows[0]) == HEADER
    assert [row[1] for row in rows[1:]] == RL_ACTIVE
    adler = rows[1]
    assert adler[4] == "Coordinator; HP"
    assert adler[5] == datetime(2026, 1, 15)  # a real date cell
    assert rows[2][7] == datetime(2026, 4, 2, 10, 0)  # Berger's last login
    assert adler[8:] == ("Yes", "Active")
    assert rows[3][7] is None  # Costa never logged in


def test_every_export_is_an_audit_event(client, known):
    enter_cpms(client, known.coordinator)
    response = client.get(export_url("xlsx"), {"country": "DE", "status": "active"})
    assert not export_events()  # nothing has left yet
    b"".join(response.streaming_content)
    (event,) = export_events()
    assert event.actor == known.coordinator
    assert event.target_id == str(known.rl.pk)
    assert event.data == {
        "network": "RARE-LIVER",
        "networks": [],
        "filters": {"country": "DE", "institution": "", "profile": "", "status": "active"},
        "format": "xlsx",
        "rows": 4,
        "complete": True,
        "source": "report",
    }


def test_export_is_streamed_as_rows_are_fetched(client, known, monkeypatch):
    pulled = []
    real_member_rows = exports.member_rows

    def spying_member_rows(queryset, **kwargs):
        for row in real_member_rows(queryset, **kwargs):
            pulled.append(row.email)
            yield row

    monkeypatch.setattr(exports, "member_rows", spying_member_rows)
    monkeypatch.setattr(exports, "_CSV_BATCH_BYTES", 1)  # one row per chunk
    enter_cpms(client, known.coordinator)
    response = client.get(export_url())
    assert response.streaming is True
    chunks = iter(response.streaming_content)
    assert next(chunks).decode("utf-8-sig").startswith("Name,E-mail")
    assert pulled == []  # the header leaves before the first member is read
    assert b"adler@" in next(chunks)
    assert pulled == ["adler@hospital.example.eu"]
    rest = list(chunks)
    assert len(rest) == 5
    assert len(pulled) == 6


def test_a_cut_off_download_is_audited_with_what_left(rf, known):
    request = rf.get(export_url())
    request.user = known.coordinator
    response = views.network_export(request, network_code="RARE-LIVER", fmt="csv")
    chunks = iter(response.streaming_content)
    next(chunks)
    # The client went away: the server closes the response (here without closing the
    # test's database connection, as the test client does).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    (event,) = export_events()
    assert event.data["complete"] is False
    assert event.data["rows"] == 0


def test_export_rows_take_one_query_whatever_the_number_of_members(
    known, django_assert_num_queries
):
    for _ in range(30):
        MembershipFactory(user=UserFactory(), institution=known.de05, profile=known.profiles["HP"])
    queryset = Membership.objects.filter(network=known.rl).active()
    with django_assert_num_queries(1):
        rows = list(exports.member_rows(queryset, chunk_size=7))
    assert len(rows) == 36


def test_cells_that_would_run_as_formulas_are_neutralised(client, known):
    MembershipFactory(
        user=UserFactory(first_name="=HYPERLINK(1)", last_name="+Zed", email="z@example.eu"),
        institution=known.de40,
        profile=known.profiles["HP"],
    )
    enter_cpms(client, known.coordinator)
    rows = {row[1]: row for row in read_csv(client.get(export_url()))}
    assert rows["z@example.eu"][0] == "'=HYPERLINK(1) +Zed"
    # In XLSX the name is a typed string cell, never a formula, so it is kept as it is.
    workbook = openpyxl.load_workbook(
        io.BytesIO(b"".join(client.get(export_url("xlsx")).streaming_content))
    )
    (cell,) = [r[0] for r in workbook.active.iter_rows() if r[1].value == "z@example.eu"]
    assert cell.value == "=HYPERLINK(1) +Zed"
    assert cell.data_type == "s"


def test_admin_export_of_selected_memberships(rf, known, django_user_model):
    """What an admin action on memberships calls with its selection."""
    admin = django_user_model.objects.create_superuser("root@example.eu", "x", first_name="R")
    request = rf.get("/admin/")
    request.user = admin
    selection = Membership.objects.filter(user__in=[known.h1, known.outsider])
    response = exports.export_memberships_response(selection, "csv", admin, request)
    rows = read_csv(response)
    assert [row[1] for row in rows[1:]] == [
        "dijk@hospital.example.eu",
        "ivanov@hospital.example.eu",
    ]
    (event,) = export_events()
    assert event.data["networks"] == ["ERN-EYE", "RARE-LIVER"]
    assert event.data["source"] == "admin"
    assert event.data["rows"] == 2
    assert event.ip == "127.0.0.1"


def test_unknown_format_is_refused(known):
    with pytest.raises(ValueError, match="Unknown export format"):
        exports.export_memberships_response(Membership.objects.none(), "pdf", None, None)


def test_granted_on_is_the_first_grant(client, known):
    MembershipFactory(
        user=known.h1,
        institution=known.de05,
        profile=known.profiles["HP"],
        granted_at=datetime(2025, 12, 1, 9, 0).astimezone(),
    )
    enter_cpms(client, known.coordinator)
    rows = {row[1]: row for row in read_csv(client.get(export_url()))[1:]}
    dijk = rows["dijk@hospital.example.eu"]
    assert dijk[2] == (
        "DE05 - Medizinische Hochschule Hannover; DE40 - Universitätsklinikum Hamburg-Eppendorf"
    )
    assert dijk[4] == "HP"
    assert date.fromisoformat(dijk[5]) == date(2025, 12, 1)


def test_admin_actions_export_the_selection_from_the_changelist(admin_client, known):
    from django.contrib import admin

    from reports.admin import export_members_csv, export_members_xlsx

    membership_admin = admin.site.get_model_admin(Membership)
    selection = Membership.objects.filter(user=known.h2)
    request = admin_client.get(reverse("admin:index")).wsgi_request
    response = export_members_csv(membership_admin, request, selection)
    assert [row[1] for row in read_csv(response)[1:]] == ["engel@hospital.example.eu"]
    response = export_members_xlsx(membership_admin, request, selection)
    assert [row[1] for row in read_xlsx(response)[1:]] == ["engel@hospital.example.eu"]
    assert [e.data["source"] for e in export_events()] == ["admin", "admin"]


def test_membership_changelist_offers_the_export_actions(admin_client, known):
    url = reverse("admin:access_requests_membership_changelist")
    page = admin_client.get(url).content.decode()
    assert "export_members_csv" in page and "export_members_xlsx" in page
    selected = list(Membership.objects.filter(user=known.h2).values_list("pk", flat=True))
    response = admin_client.post(
        url, {"action": "export_members_csv", "_selected_action": selected}
    )
    assert response.status_code == HTTPStatus.OK
    assert [row[1] for row in read_csv(response)[1:]] == ["engel@hospital.example.eu"]


def test_xlsx_export_is_streamed_as_rows_are_fetched(client, known, monkeypatch):
    pulled = []
    real_member_rows = exports.member_rows

    def spying_member_rows(queryset, **kwargs):
        for row in real_member_rows(queryset, **kwargs):
            pulled.append(row.email)
            yield row

    monkeypatch.setattr(exports, "member_rows", spying_member_rows)
    enter_cpms(client, known.coordinator)
    response = client.get(export_url("xlsx"))
    assert response.streaming is True
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04")  # the zip package has begun
    assert pulled == []  # and left before the first member is read
    assert not export_events()
    rows = read_xlsx_bytes(first + b"".join(chunks))
    assert list(rows[0]) == HEADER
    assert len(pulled) == len(rows) - 1 == 6
    (event,) = export_events()
    assert event.data["rows"] == 6 and event.data["complete"] is True


def read_xlsx_bytes(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_xlsx_export_of_no_members_is_a_workbook_with_its_header(client, known):
    enter_cpms(client, known.coordinator)
    response = client.get(export_url("xlsx"), {"profile": "COORDINATOR", "country": "NL"})
    assert response.status_code == HTTPStatus.OK
    assert read_xlsx(response) == [tuple(HEADER)]
    (event,) = export_events()
    assert event.data["rows"] == 0


def test_xlsx_export_keeps_awkward_text_readable(client, known):
    """Markup, control characters and any script read back; only what XML cannot hold goes."""
    MembershipFactory(
        user=UserFactory(
            first_name="Ζωή <b>&amp;</b> \x07Ωμέγα",  # noqa: RUF001
            last_name="Иванова-李\x1b 🩺",
            email="odd@example.eu",
        ),
        institution=known.de40,
        profile=known.profiles["HP"],
    )
    enter_cpms(client, known.coordinator)
    rows = {row[1]: row for row in read_xlsx(client.get(export_url("xlsx")))[1:]}
    assert rows["odd@example.eu"][0] == "Ζωή <b>&amp;</b> Ωμέγα Иванова-李 🩺"
