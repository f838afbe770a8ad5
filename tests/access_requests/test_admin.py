"""The approval queue, memberships and audit trail in the Django admin."""

import threading
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access_requests.audit_actions import Action as RequestAction
from access_requests.models import (
    AccessRequest,
    Membership,
    NetworkAdministrator,
    RequestedProfile,
)
from accounts.models import AuditEvent, OutboundEmail, SMSDevice, User
from tests.factories import (
    AccessProfileFactory,
    AccessRequestFactory,
    InstitutionFactory,
    MembershipFactory,
    SMSDeviceFactory,
    UserFactory,
    force_login_verified,
)

pytestmark = pytest.mark.django_db
S = AccessRequest.Status
QUEUE = reverse("admin:access_requests_accessrequest_changelist")
MEMBERSHIPS = reverse("admin:access_requests_membership_changelist")
AUDIT = reverse("admin:accounts_auditevent_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    force_login_verified(client, superuser)
    return client


@pytest.fixture
def institution():
    return InstitutionFactory()


@pytest.fixture
def other_institution():
    return InstitutionFactory()


def make_scoped_admin(*networks) -> User:
    """A staff user in the "Network administrators" group, assigned to ``networks``."""
    from django.contrib.auth.models import Group

    call_command("create_admin_group", verbosity=0)
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Network administrators"))
    for network in networks:
        NetworkAdministrator.objects.create(user=user, network=network)
    return user


def act(client, url, action, objects, **extra):
    """Post an admin action, as the changelist does; ``post="yes"`` confirms."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}
    return client.post(url, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- The queue ------------------------------------------------------------------------


def test_queue_lists_pending_requests_oldest_first_with_the_applicant_columns(
    admin_client, institution
):
    now = timezone.now()
    newer = AccessRequestFactory(institution=institution, submitted_at=now - timedelta(days=1))
    older = AccessRequestFactory(
        institution=institution, submitted_at=now - timedelta(days=5), comment="Urgent panel"
    )
    SMSDeviceFactory(user=older.user)
    decided = AccessRequestFactory(institution=institution, status=S.APPROVED, decided_at=now)

    response = admin_client.get(QUEUE)

    assert response.status_code == HTTPStatus.OK
    rows = list(response.context["cl"].result_list)
    assert rows == [older, newer]
    assert decided not in rows
    queue = admin.site._registry[AccessRequest]
    assert queue.verified_phone(rows[0]) and not queue.verified_phone(rows[1])
    html = response.content.decode()
    assert older.user.email in html and "Urgent panel" in html and institution.label in html
    assert "Access requests waiting for a decision" in html


def test_queue_filters_and_search(admin_client, institution, other_institution):
    mine = AccessRequestFactory(institution=institution, user__last_name="Zwicky")
    theirs = AccessRequestFactory(institution=other_institution)
    old = AccessRequestFactory(
        institution=institution, submitted_at=timezone.now() - timedelta(days=10)
    )
    approved = AccessRequestFactory(
        institution=institution, status=S.APPROVED, decided_at=timezone.now()
    )

    def listed(**params):
        return set(admin_client.get(QUEUE, params).context["cl"].result_list)

    assert listed(network=institution.network_id) == {mine, old}
    assert listed(q="zwicky") == {mine}
    assert listed(q=f'"{other_institution.name}"') == {theirs}
    assert listed(age="7") == {old}
    assert listed(status="approved") == {approved}
    assert listed(status="all") == {mine, theirs, old, approved}
    assert listed(country="DE") == {mine, theirs, old}
    profile = mine.profiles.get()
    assert mine in listed(profile=profile.pk)


def _bulk_pending(count: int, institution, profile, prefix: str = "bulk") -> None:
    users = User.objects.bulk_create(
        User(email=f"{prefix}{i}@example.eu", first_name="B", last_name=str(i))
        for i in range(count)
    )
    SMSDevice.objects.bulk_create(
        SMSDevice(user=u, name="phone", number="+4915112345678", confirmed=True)
        for u in users[::2]
    )
    requests = AccessRequest.objects.bulk_create(
        AccessRequest(user=u, institution=institution, network_id=institution.network_id)
        for u in users
    )
    RequestedProfile.objects.bulk_create(
        RequestedProfile(request=r, profile=profile, user=r.user, institution=institution)
        for r in requests
    )


def test_queue_runs_the_same_number_of_queries_for_20_and_2000_pending_requests(
    admin_client, institution, django_assert_num_queries
):
    profile = AccessProfileFactory(application=institution.application)
    _bulk_pending(20, institution, profile)
    admin_client.get(QUEUE)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as with_20:
        assert admin_client.get(QUEUE).status_code == HTTPStatus.OK

    _bulk_pending(1980, institution, profile, prefix="more")
    assert AccessRequest.objects.filter(status=S.SUBMITTED).count() == 2000
    with django_assert_num_queries(len(with_20.captured_queries)):
        response = admin_client.get(QUEUE)
    assert len(response.context["cl"].result_list) == 50


# The session, its second factor, the network, country and profile filters, the count,
# the page, then the queue's profiles and verified phones (one query each).
QUEUE_QUERIES = 9


def test_queue_takes_a_fixed_number_of_queries(
    admin_client, institution, django_assert_num_queries
):
    profile = AccessProfileFactory(application=institution.application)
    _bulk_pending(3, institution, profile)
    admin_client.get(QUEUE)  # warm the session and content-type caches
    with django_assert_num_queries(QUEUE_QUERIES):
        admin_client.get(QUEUE)
    _bulk_pending(297, institution, profile, prefix="more")
    with django_assert_num_queries(QUEUE_QUERIES):
        response = admin_client.get(QUEUE)
    rows = response.context["cl"].result_list
    assert len(rows) == 50
    # The page of rows leaves out the applicant's phone, which no column shows.
    assert "mobile_phone" in rows[0].user.get_deferred_fields()


# --- Decisions --------------------------------------------------------------------------


def test_approve_one_request_asks_for_confirmation_then_grants_and_mails(
    admin_client, institution, superuser
):
    req = AccessRequestFactory(institution=institution)

    confirm = act(admin_client, QUEUE, "approve_selected", [req])
    assert confirm.status_code == HTTPStatus.OK
    assert "Yes, approve" in confirm.content.decode()
    req.refresh_from_db()
    assert req.status == S.SUBMITTED  # nothing happens before the confirmation

    done = act(admin_client, QUEUE, "approve_selected", [req], post="yes")

    assert done.status_code == HTTPStatus.OK
    assert "1 request approved." in messages_of(done)
    req.refresh_from_db()
    assert req.status == S.APPROVED and req.decided_by == superuser
    membership = Membership.objects.get(user=req.user)
    assert membership.granted_by_request == req and membership.institution == institution
    assert AuditEvent.objects.filter(
        action=RequestAction.REQUEST_APPROVED, target_id=str(req.pk), actor=superuser
    ).exists()
    mail = OutboundEmail.objects.get(to=req.user.email)
    assert "approved" in mail.subject and institution.label in mail.body


def test_bulk_approve_reports_requests_someone_else_decided_first(admin_client, institution):
    pending = [AccessRequestFactory(institution=institution) for _ in range(3)]
    already = AccessRequestFactory(institution=institution)
    # Another administrator rejected this one after the page was loaded.
    from access_requests.services import reject_request

    reject_request(access_request=already, actor=UserFactory(is_staff=True), reason="Duplicate")

    done = act(admin_client, QUEUE, "approve_selected", [*pending, already], post="yes")

    assert "3 requests approved." in messages_of(done)
    assert any(f"#{already.pk}" in m and "skipped" in m for m in messages_of(done))
    assert Membership.objects.count() == 3
    already.refresh_from_db()
    assert already.status == S.REJECTED and not Membership.objects.filter(user=already.user)
    # Each approved applicant is told, each approval audited; the skipped one neither.
    for req in pending:
        assert "approved" in OutboundEmail.objects.get(to=req.user.email).subject
    approved = AuditEvent.objects.filter(action=RequestAction.REQUEST_APPROVED)
    assert sorted(approved.values_list("target_id", flat=True)) == sorted(
        str(req.pk) for req in pending
    )
    assert "approved" not in "".join(
        OutboundEmail.objects.filter(to=already.user.email).values_list("subject", flat=True)
    )


def test_reject_requires_a_reason_then_records_and_mails_it(admin_client, institution):
    requests = [AccessRequestFactory(institution=institution) for _ in range(2)]

    refused = act(admin_client, QUEUE, "reject_selected", requests, post="yes", reason="   ")
    assert refused.status_code == HTTPStatus.OK
    assert "This field is required." in refused.content.decode()
    assert AccessRequest.objects.filter(status=S.SUBMITTED).count() == 2

    done = act(
        admin_client, QUEUE, "reject_selected", requests, post="yes", reason="Not an ERN member"
    )

    assert "2 requests rejected." in messages_of(done)
    for req in requests:
        req.refresh_from_db()
        assert req.status == S.REJECTED and req.decision_reason == "Not an ERN member"
        assert "Not an ERN member" in OutboundEmail.objects.get(to=req.user.email).body
    assert AuditEvent.objects.filter(action=RequestAction.REQUEST_REJECTED).count() == 2
    assert not Membership.objects.exists()


def test_approve_from_the_request_page(admin_client, institution):
    req = AccessRequestFactory(institution=institution)
    page = admin_client.get(change_url(req))
    assert page.status_code == HTTPStatus.OK and "Approve the selected requests" in (
        page.content.decode()
    )

    data = {"CHANGE_FORM-action": "approve_selected", ACTION_CHECKBOX_NAME: [req.pk]}
    confirm = admin_client.post(change_url(req), data)
    assert "Yes, approve" in confirm.content.decode()
    admin_client.post(change_url(req), {**data, "post": "yes"})

    req.refresh_from_db()
    assert req.status == S.APPROVED
    assert Membership.objects.get(user=req.user).granted_by_request == req
    assert "approved" in OutboundEmail.objects.get(to=req.user.email).subject
    assert AuditEvent.objects.filter(
        action=RequestAction.REQUEST_APPROVED, target_id=str(req.pk)
    ).exists()


# --- Scope ------------------------------------------------------------------------------


def test_scoped_admin_sees_and_decides_only_their_networks_requests(
    client, institution, other_institution
):
    admin_user = make_scoped_admin(institution.network)
    force_login_verified(client, admin_user)
    mine = AccessRequestFactory(institution=institution)
    theirs = AccessRequestFactory(institution=other_institution, comment="secret comment")

    queue = client.get(QUEUE)
    assert list(queue.context["cl"].result_list) == [mine]
    assert theirs.user.email not in queue.content.decode()

    opened = client.get(change_url(theirs))
    assert opened.status_code in (HTTPStatus.FOUND, HTTPStatus.NOT_FOUND)
    assert theirs.user.email not in client.get(change_url(theirs), follow=True).content.decode()
    assert client.get(change_url(mine)).status_code == HTTPStatus.OK

    act(client, QUEUE, "approve_selected", [mine, theirs], post="yes")
    act(client, QUEUE, "reject_selected", [theirs], post="yes", reason="x")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == S.APPROVED
    assert theirs.status == S.SUBMITTED
    assert not Membership.objects.filter(user=theirs.user).exists()


def test_actions_on_another_networks_rows_alone_are_refused(
    client, institution, other_institution
):
    # As for an id that does not exist: no confirmation page or export of nothing.
    admin_user = make_scoped_admin(institution.network)
    force_login_verified(client, admin_user)
    theirs = AccessRequestFactory(institution=other_institution)
    membership = MembershipFactory(institution=other_institution)
    event = AuditEvent.objects.create(
        action=RequestAction.REQUEST_SUBMITTED,
        target_type=AccessRequest._meta.label_lower,
        target_id=str(theirs.pk),
    )
    for url, action, row in [
        (QUEUE, "approve_selected", theirs),
        (QUEUE, "reject_selected", theirs),
        (MEMBERSHIPS, "revoke_selected", membership),
        (MEMBERSHIPS, "extend_selected", membership),
        (MEMBERSHIPS, "export_members_csv", membership),
        (AUDIT, "export_csv", event),
    ]:
        response = client.post(url, {"action": action, "index": "0", ACTION_CHECKBOX_NAME: row.pk})
        assert response.status_code == HTTPStatus.FOUND, action
        followed = client.get(response["Location"])
        assert "Items must be selected" in " ".join(messages_of(followed)), action

    mine = AccessRequestFactory(institution=institution)
    response = act(client, QUEUE, "approve_selected", [mine, theirs])
    assert [o.pk for o in response.context["objects"]] == [mine.pk]


def test_staff_without_the_group_or_networks_cannot_decide(client, institution):
    req = AccessRequestFactory(institution=institution)
    plain_staff = UserFactory(is_staff=True)
    force_login_verified(client, plain_staff)
    assert client.get(QUEUE).status_code == HTTPStatus.FORBIDDEN

    unassigned = make_scoped_admin()  # in the group, but no network
    force_login_verified(client, unassigned)
    response = client.get(QUEUE)
    assert response.status_code == HTTPStatus.OK
    assert list(response.context["cl"].result_list) == []
    act(client, QUEUE, "approve_selected", [req], post="yes")
    req.refresh_from_db()
    assert req.status == S.SUBMITTED


def test_requests_and_memberships_cannot_be_edited_or_deleted(admin_client, institution):
    req = AccessRequestFactory(institution=institution)
    membership = MembershipFactory(institution=institution)
    for obj in (req, membership):
        url = change_url(obj)
        assert admin_client.get(url.replace("change", "delete")).status_code in (
            HTTPStatus.FORBIDDEN,
            HTTPStatus.FOUND,
        )
        admin_client.post(url, {"status": "approved", "_save": "1"})
    req.refresh_from_db()
    membership.refresh_from_db()
    assert req.status == S.SUBMITTED and membership.status == Membership.Status.ACTIVE
    add = reverse("admin:access_requests_accessrequest_add")
    assert admin_client.get(add).status_code == HTTPStatus.FORBIDDEN


# --- Memberships ------------------------------------------------------------------------


def test_revoke_membership_with_a_reason_tells_the_member(admin_client, institution):
    membership = MembershipFactory(institution=institution)

    refused = act(admin_client, MEMBERSHIPS, "revoke_selected", [membership], post="yes")
    assert "This field is required." in refused.content.decode()

    done = act(
        admin_client,
        MEMBERSHIPS,
        "revoke_selected",
        [membership],
        post="yes",
        reason="Left the hospital",
    )

    assert "1 membership revoked." in messages_of(done)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REVOKED
    assert membership.end_reason == "Left the hospital"
    assert "Left the hospital" in OutboundEmail.objects.get(to=membership.user.email).body
    assert AuditEvent.objects.filter(action=RequestAction.MEMBERSHIP_REVOKED).exists()


def test_reinstate_a_revoked_membership_with_a_reason(admin_client, institution):
    revoked = MembershipFactory(
        institution=institution, status=Membership.Status.REVOKED, ended_at=timezone.now()
    )
    active = MembershipFactory(institution=institution)

    asked = act(admin_client, MEMBERSHIPS, "reinstate_selected", [revoked, active])
    assert "Reinstate memberships" in asked.content.decode()
    done = act(
        admin_client,
        MEMBERSHIPS,
        "reinstate_selected",
        [revoked, active],
        post="yes",
        reason="Revoked in error",
    )

    revoked.refresh_from_db()
    assert revoked.status == Membership.Status.ACTIVE
    assert "1 membership reinstated." in messages_of(done)
    assert any(f"#{active.pk}" in m for m in messages_of(done))
    event = AuditEvent.objects.get(action=RequestAction.MEMBERSHIP_REINSTATED)
    assert event.data["reason"] == "Revoked in error"


def test_extend_guest_membership(admin_client):
    guest = InstitutionFactory(code="0000", name="Guest Access")
    expires = timezone.now() + timedelta(days=5)
    membership = MembershipFactory(institution=guest, expires_at=expires)
    permanent = MembershipFactory()

    done = act(
        admin_client, MEMBERSHIPS, "extend_selected", [membership, permanent], post="yes", days=30
    )

    membership.refresh_from_db()
    assert membership.expires_at == expires + timedelta(days=30)
    assert "1 membership extended." in messages_of(done)
    assert any(f"#{permanent.pk}" in m for m in messages_of(done))
    assert AuditEvent.objects.filter(action=RequestAction.MEMBERSHIP_EXTENDED).count() == 1


def test_membership_filters_and_scope(client, institution, other_institution):
    admin_user = make_scoped_admin(institution.network)
    force_login_verified(client, admin_user)
    active = MembershipFactory(institution=institution)
    revoked = MembershipFactory(
        institution=institution, status=Membership.Status.REVOKED, ended_at=timezone.now()
    )
    lapsed = MembershipFactory(
        institution=institution, expires_at=timezone.now() - timedelta(days=1)
    )
    theirs = MembershipFactory(institution=other_institution)

    def listed(**params):
        return set(client.get(MEMBERSHIPS, params).context["cl"].result_list)

    assert listed() == {active, revoked, lapsed}
    assert listed(state="active") == {active}
    assert listed(state="revoked") == {revoked}
    assert listed(state="expired") == {lapsed}
    # Institutions are offered once a network and a country narrow them down.
    narrowed = {"network": institution.network_id, "country": institution.country_code}
    page = client.get(MEMBERSHIPS, narrowed).content.decode()
    assert f"institution={institution.pk}" in page
    assert f"institution={institution.pk}" not in client.get(MEMBERSHIPS).content.decode()
    assert listed(**narrowed, institution=institution.pk) == {active, revoked, lapsed}
    assert theirs.user.email not in client.get(change_url(theirs), follow=True).content.decode()
    act(client, MEMBERSHIPS, "revoke_selected", [theirs], post="yes", reason="x")
    theirs.refresh_from_db()
    assert theirs.status == Membership.Status.ACTIVE


def _bulk_memberships(count: int, institution, profile, prefix: str) -> None:
    users = User.objects.bulk_create(
        User(email=f"{prefix}{i}@example.eu", first_name="M", last_name=str(i))
        for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(
            user=u,
            institution=institution,
            network_id=institution.network_id,
            profile=profile,
            granted_at=timezone.now() - timedelta(minutes=i),
        )
        for i, u in enumerate(users)
    )


# The session, its second factor, the network, country and profile filters, the count
# and the page (users, institutions, networks and profiles joined).
MEMBERSHIP_LIST_QUERIES = 7


def test_membership_list_takes_a_fixed_number_of_queries(
    admin_client, institution, django_assert_num_queries
):
    profile = AccessProfileFactory(application=institution.application)
    _bulk_memberships(3, institution, profile, prefix="few")
    admin_client.get(MEMBERSHIPS)  # warm the session and content-type caches
    with django_assert_num_queries(MEMBERSHIP_LIST_QUERIES):
        admin_client.get(MEMBERSHIPS)
    _bulk_memberships(300, institution, profile, prefix="many")
    with django_assert_num_queries(MEMBERSHIP_LIST_QUERIES):
        response = admin_client.get(MEMBERSHIPS)
    rows = list(response.context["cl"].result_list)
    assert len(rows) == 100
    assert rows == sorted(rows, key=lambda m: (m.granted_at, m.pk), reverse=True)
    assert response.content.decode().count('class="action-select"') == 100


def test_membership_list_reads_the_newest_by_index(is_postgresql, admin_client, institution):
    """The list shows the newest memberships first: without an index in that order,
    PostgreSQL sorts every membership to show a page of them."""
    if not is_postgresql:
        pytest.skip("the plan is PostgreSQL's")
    response = admin_client.get(MEMBERSHIPS)
    sql, params = response.context["cl"].queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql} LIMIT 100", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "membership_newest_idx" in plan, plan


def test_reset_second_factor_from_memberships_and_users(admin_client, institution):
    membership = MembershipFactory(institution=institution)
    SMSDeviceFactory(user=membership.user)
    other = SMSDeviceFactory()

    act(admin_client, MEMBERSHIPS, "reset_second_factor_of_selected", [membership], post="yes")
    assert not SMSDevice.objects.filter(user=membership.user).exists()

    users = reverse("admin:accounts_user_changelist")
    confirm = act(admin_client, users, "reset_second_factor_of_selected", [other.user])
    assert "Yes, reset" in confirm.content.decode()
    act(admin_client, users, "reset_second_factor_of_selected", [other.user], post="yes")
    assert not SMSDevice.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MFA_RESET).count() == 2


# --- Audit trail --------------------------------------------------------------------------


def test_audit_trail_is_scoped_and_exports_csv(client, institution, other_institution):
    from access_requests import services

    mine = AccessRequestFactory(institution=institution, user__email="mine@example.eu")
    theirs = AccessRequestFactory(institution=other_institution, user__email="theirs@example.eu")
    decider = UserFactory(is_staff=True)
    services.reject_request(access_request=mine, actor=decider, reason="=HYPERLINK(1)")
    services.reject_request(access_request=theirs, actor=decider, reason="no")
    admin_user = make_scoped_admin(institution.network)
    force_login_verified(client, admin_user)

    listed = list(client.get(AUDIT).context["cl"].result_list)
    # Besides the admin's own login, only the event about their network's request.
    assert [e.target_id for e in listed if e.action != AuditEvent.Action.LOGIN] == [str(mine.pk)]
    event = AuditEvent.objects.get(target_id=str(theirs.pk))
    assert "theirs@example.eu" not in client.get(change_url(event), follow=True).content.decode()

    # "Select all" across pages: the browser also posts the ticked rows of the page.
    export = client.post(
        AUDIT,
        {
            "action": "export_csv",
            "select_across": "1",
            "index": "0",
            ACTION_CHECKBOX_NAME: [e.pk for e in listed],
        },
    )
    assert export.status_code == HTTPStatus.OK
    assert export["Content-Type"].startswith("text/csv")
    body = export.content.decode()
    assert "request_rejected" in body and f",{mine.pk}," in body
    assert f",{theirs.pk}," not in body
    assert "'=HYPERLINK" in body  # a formula is neutralised for spreadsheets

    event = listed[0]
    response = client.post(change_url(event), {"action": "x"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_group_command_is_idempotent():
    from django.contrib.auth.models import Group

    call_command("create_admin_group", verbosity=0)
    call_command("create_admin_group", verbosity=0)
    group = Group.objects.get(name="Network administrators")
    assert set(group.permissions.values_list("codename", flat=True)) == {
        "view_accessrequest",
        "change_accessrequest",
        "view_membership",
        "change_membership",
        "view_auditevent",
    }


# --- Two administrators at once (PostgreSQL) ---------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_deciding_the_same_50_requests_at_once_leave_one_decision_each():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    institution = InstitutionFactory()
    profiles = [
        AccessProfileFactory(application=institution.application, code=c, name=c)
        for c in ("HP", "RES")
    ]
    requests = [
        AccessRequestFactory(institution=institution, with_profiles=profiles) for _ in range(50)
    ]
    approver = UserFactory(is_staff=True, is_superuser=True)
    rejecter = UserFactory(is_staff=True, is_superuser=True)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def decide(user, action, ordered, **extra):
        try:
            browser = Client()
            force_login_verified(browser, user)
            barrier.wait()
            for req in ordered:
                act(browser, QUEUE, action, [req], post="yes", **extra)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(approver, "approve_selected", requests)),
        threading.Thread(
            target=decide,
            args=(rejecter, "reject_selected", list(reversed(requests))),
            kwargs={"reason": "Duplicate"},
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    statuses = dict(AccessRequest.objects.values_list("pk", "status"))
    assert set(statuses.values()) <= {S.APPROVED, S.REJECTED}
    assert len(statuses) == 50
    for req in AccessRequest.objects.all():
        decisions = AuditEvent.objects.filter(
            target_id=str(req.pk),
            action__in=[RequestAction.REQUEST_APPROVED, RequestAction.REQUEST_REJECTED],
        )
        assert decisions.count() == 1
        memberships = Membership.objects.filter(granted_by_request=req).count()
        assert memberships == (2 if req.status == S.APPROVED else 0)


def test_bulk_approve_skips_a_coordinator_without_hp_with_the_reason(admin_client, institution):
    hp = AccessProfileFactory(application=institution.application, code="HP", name="HP")
    coordinator = AccessProfileFactory(
        application=institution.application, code="COORD", name="Coordinator", prerequisite=hp
    )
    alone = AccessRequestFactory(institution=institution, with_profiles=[coordinator])
    fine = AccessRequestFactory(institution=institution, with_profiles=[hp])
    done = act(admin_client, QUEUE, "approve_selected", [alone, fine], post="yes")
    assert "1 request approved." in messages_of(done)
    assert (
        f"#{alone.pk} skipped: The Coordinator profile needs the HP profile in the same "
        "network, which the applicant does not hold: approve a request for HP first."
    ) in messages_of(done)
    alone.refresh_from_db()
    assert alone.status == S.SUBMITTED


def test_queue_fits_1280_px_merged_columns_and_a_short_comment(admin_client, institution):
    req = AccessRequestFactory(institution=institution, comment="x" * 50 + " the whole story")
    body = admin_client.get(QUEUE).content.decode()
    assert 'id="nav-sidebar"' not in body  # the app list gives the queue its width
    for column in ["network_and_country", "institution_and_profiles", "submitted_and_age"]:
        assert f"column-{column}" in body
    for gone in ["column-profile_names", "column-age_in_days", "column-country"]:
        assert gone not in body
    assert f'title="{req.comment}"' in body and "x" * 50 not in body.replace(req.comment, "")
    assert "0 days" in body


@pytest.mark.parametrize("list_url", [QUEUE, MEMBERSHIPS])
def test_each_rows_link_is_the_change_url_django_resolves(admin_client, institution, list_url):
    for _ in range(3):
        MembershipFactory(institution=institution)
    AccessRequestFactory(institution=institution)

    changelist = admin_client.get(list_url).context["cl"]
    rows = list(changelist.result_list)

    assert rows
    for row in rows:
        expected = ChangeList.url_for_result(changelist, row)
        assert changelist.url_for_result(row) == expected
        assert expected.endswith(f"/{row.pk}/change/")


# --- Counting no further than needed ------------------------------------------------------


def test_the_lists_count_up_to_a_cap_and_say_more_beyond(admin_client, monkeypatch):
    """No COUNT of every row on every view: the members list counts up to the cap,
    says "More than" beyond it and offers no "Select all" it could not number."""
    from access_requests.admin.memberships import MembershipAdmin
    from accounts.pagination import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    monkeypatch.setattr(MembershipAdmin, "list_per_page", 2)
    for i in range(5):
        MembershipFactory(user=UserFactory(last_name=f"Capped{i}"))

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(MEMBERSHIPS)
    body = response.content.decode()
    assert response.context["cl"].result_count == 3
    assert "More than 3 memberships: narrow the list with the filters or the search." in body
    assert "Select all 3" not in body and 'class="question' not in body
    (count,) = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert "LIMIT 4" in count
    assert admin_client.get(MEMBERSHIPS, {"p": 2}).status_code == HTTPStatus.OK
    searched = admin_client.get(MEMBERSHIPS, {"q": "Capped"}).content.decode()
    assert "More than 3 results" in searched

    monkeypatch.setattr(CappedCountPaginator, "cap", 5)  # exactly as many as there are
    body = admin_client.get(MEMBERSHIPS).content.decode()
    assert "5 memberships" in body and "More than" not in body
    assert "Select all 5 memberships" in body
    assert "1 result" in admin_client.get(MEMBERSHIPS, {"q": "Capped4"}).content.decode()
