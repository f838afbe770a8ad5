"""Decisions, revocation, expiry, digests and reminders (services of the approval side)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from access_requests import selectors, services
from access_requests.audit_actions import Action as RequestAction
from access_requests.models import AccessRequest, Membership, NetworkAdministrator
from accounts.models import AuditEvent, OutboundEmail
from tests.factories import (
    AccessRequestFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
S = AccessRequest.Status
BRUSSELS = ZoneInfo("Europe/Brussels")


def mails_to(user) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(to=user.email))


def test_approval_mails_the_applicant_after_commit(django_capture_on_commit_callbacks):
    req = AccessRequestFactory(user__email_language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_request(access_request=req, actor=UserFactory(is_staff=True))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [req.user.email]
    assert req.institution.label in mail.outbox[0].body


def test_guest_approval_mail_gives_the_expiry_date():
    guest = InstitutionFactory(code="0000", name="Guest Access")
    req = AccessRequestFactory(institution=guest)
    services.approve_request(access_request=req, actor=UserFactory(is_staff=True))
    (message,) = mails_to(req.user)
    assert "guest access expires on" in message.body


def test_a_decision_is_final_and_mails_nothing_more():
    req = AccessRequestFactory()
    admin = UserFactory(is_staff=True)
    services.reject_request(access_request=req, actor=admin, reason="Wrong institution")
    with pytest.raises(services.TransitionNotAllowed):
        services.approve_request(access_request=req, actor=admin)
    assert len(mails_to(req.user)) == 1
    assert "Wrong institution" in mails_to(req.user)[0].body
    assert not Membership.objects.exists()


def test_revocation_mails_the_member():
    membership = MembershipFactory()
    services.revoke_membership(
        membership=membership, actor=UserFactory(is_staff=True), reason="Retired"
    )
    (message,) = mails_to(membership.user)
    assert "revoked" in message.subject and "Retired" in message.body


def test_extend_membership_from_its_date_or_today_and_audits(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=BRUSSELS), tick=False)
    now = timezone.now()
    admin = UserFactory(is_staff=True)
    future = MembershipFactory(expires_at=now + timedelta(days=10))
    lapsed = MembershipFactory(
        expires_at=now - timedelta(days=3), expiry_reminder_sent_at=now - timedelta(days=17)
    )

    services.extend_membership(membership=future, actor=admin, days=30)
    services.extend_membership(membership=lapsed, actor=admin, days=30)

    future.refresh_from_db()
    lapsed.refresh_from_db()
    assert future.expires_at == now + timedelta(days=40)
    assert lapsed.expires_at == now + timedelta(days=30)
    assert lapsed.expiry_reminder_sent_at is None  # a new reminder before the new date
    event = AuditEvent.objects.filter(action=RequestAction.MEMBERSHIP_EXTENDED).first()
    assert event.actor == admin and "from" in event.data and "to" in event.data


@pytest.mark.parametrize(
    "kwargs",
    [
        {"expires_at": None},
        {"status": Membership.Status.REVOKED, "ended_at": timezone.now()},
    ],
)
def test_extend_refuses_permanent_or_ended_memberships(kwargs):
    membership = MembershipFactory(**kwargs)
    with pytest.raises(services.RequestError):
        services.extend_membership(membership=membership, actor=UserFactory(), days=30)
    with pytest.raises(services.RequestError):
        services.extend_membership(
            membership=MembershipFactory(expires_at=timezone.now() + timedelta(days=1)),
            actor=UserFactory(),
            days=0,
        )


def test_expire_memberships_past_their_date(time_machine):
    time_machine.move_to(datetime(2026, 5, 4, 3, 0, tzinfo=BRUSSELS), tick=False)
    now = timezone.now()
    past = MembershipFactory(expires_at=now - timedelta(minutes=1))
    future = MembershipFactory(expires_at=now + timedelta(days=1))
    permanent = MembershipFactory()

    assert services.expire_memberships() == 1
    assert services.expire_memberships() == 0

    past.refresh_from_db()
    assert past.status == Membership.Status.EXPIRED and past.ended_at == past.expires_at
    for other in (future, permanent):
        other.refresh_from_db()
        assert other.status == Membership.Status.ACTIVE
    event = AuditEvent.objects.get(action=RequestAction.MEMBERSHIP_EXPIRED)
    assert event.target_id == str(past.pk) and event.actor is None
    assert "expired" in mails_to(past.user)[0].subject


def test_expiry_reminder_goes_out_once_14_days_before(time_machine):
    time_machine.move_to(datetime(2026, 5, 4, 3, 0, tzinfo=BRUSSELS), tick=False)
    now = timezone.now()
    soon = MembershipFactory(expires_at=now + timedelta(days=14))
    later = MembershipFactory(expires_at=now + timedelta(days=15))

    assert services.send_expiry_reminders() == 1
    assert services.send_expiry_reminders() == 0
    assert len(mails_to(soon.user)) == 1 and not mails_to(later.user)

    time_machine.move_to(now + timedelta(days=1), tick=False)
    assert services.send_expiry_reminders() == 1
    assert len(mails_to(later.user)) == 1


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Wednesday → Monday; Monday → Thursday; Saturday → Thursday
        (datetime(2026, 3, 4, 10, 0), datetime(2026, 3, 2, 10, 0)),
        (datetime(2026, 3, 2, 10, 0), datetime(2026, 2, 26, 10, 0)),
        (datetime(2026, 3, 7, 10, 0), datetime(2026, 3, 5, 10, 0)),
    ],
)
def test_working_days_before(moment, expected):
    assert selectors.working_days_before(moment, 2) == expected


def test_digest_once_a_day_to_each_administrator_of_networks_with_old_requests(time_machine):
    monday = datetime(2026, 3, 2, 7, 0, tzinfo=BRUSSELS)
    time_machine.move_to(monday, tick=False)
    institution = InstitutionFactory()
    quiet_institution = InstitutionFactory()
    admin = UserFactory(is_staff=True)
    quiet_admin = UserFactory(is_staff=True)
    inactive_admin = UserFactory(is_staff=True, is_active=False)
    NetworkAdministrator.objects.create(user=admin, network=institution.network)
    NetworkAdministrator.objects.create(user=inactive_admin, network=institution.network)
    NetworkAdministrator.objects.create(user=quiet_admin, network=quiet_institution.network)
    # Friday morning is one working day before Monday: not yet in the digest.
    AccessRequestFactory(institution=institution, submitted_at=monday - timedelta(days=3))
    AccessRequestFactory(institution=quiet_institution, submitted_at=monday - timedelta(days=3))
    old = AccessRequestFactory(
        institution=institution, submitted_at=monday - timedelta(days=4, hours=1)
    )
    decided = AccessRequestFactory(
        institution=institution,
        submitted_at=monday - timedelta(days=20),
        status=S.APPROVED,
        decided_at=monday,
    )

    assert services.send_digests() == 1
    (digest,) = mails_to(admin)
    assert f"#{old.pk} " in digest.body and f"#{decided.pk} " not in digest.body
    assert "1 access request is waiting" in digest.subject
    assert not mails_to(quiet_admin) and not mails_to(inactive_admin)

    time_machine.move_to(monday + timedelta(hours=10), tick=False)
    assert services.send_digests() == 0  # once a day

    time_machine.move_to(monday + timedelta(days=1, hours=1), tick=False)
    assert services.send_digests() == 2  # Tuesday: Friday's requests are now old too
    assert len(mails_to(admin)) == 2 and len(mails_to(quiet_admin)) == 1


def test_reminder_once_after_three_days_to_the_networks_administrators(time_machine):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=BRUSSELS)
    time_machine.move_to(start, tick=False)
    req = AccessRequestFactory()
    admin = UserFactory(is_staff=True, email_language="de")
    NetworkAdministrator.objects.create(user=admin, network=req.network)

    assert not services.can_send_reminder(req)
    with pytest.raises(services.RequestError):
        services.send_reminder(access_request=req, user=req.user)
    with pytest.raises(services.TransitionNotAllowed):
        services.send_reminder(access_request=req, user=admin)

    time_machine.move_to(start + timedelta(days=3), tick=False)
    assert services.can_send_reminder(req)
    services.send_reminder(access_request=req, user=req.user)

    req.refresh_from_db()
    assert req.reminder_sent_at == timezone.now() and not services.can_send_reminder(req)
    (reminder,) = mails_to(admin)
    assert f"#{req.pk}" in reminder.subject and req.user.email in reminder.body
    event = AuditEvent.objects.get(action=RequestAction.REQUEST_REMINDED)
    assert event.actor == req.user and event.target_id == str(req.pk)
    with pytest.raises(services.RequestError):
        services.send_reminder(access_request=req, user=req.user)
    assert len(mails_to(admin)) == 1


def test_reminder_without_network_administrators_goes_to_superusers():
    req = AccessRequestFactory(submitted_at=timezone.now() - timedelta(days=4))
    root = UserFactory(is_staff=True, is_superuser=True)
    services.send_reminder(access_request=req, user=req.user)
    assert len(mails_to(root)) == 1


def test_no_reminder_for_a_decided_request():
    req = AccessRequestFactory(submitted_at=timezone.now() - timedelta(days=4))
    services.withdraw_request(access_request=req, user=req.user)
    with pytest.raises(services.TransitionNotAllowed):
        services.send_reminder(access_request=req, user=req.user)


def test_approval_ends_a_guest_membership_past_its_date_and_grants_a_new_one(time_machine):
    time_machine.move_to(datetime(2026, 5, 4, 9, 0, tzinfo=BRUSSELS), tick=False)
    guest = InstitutionFactory(code="0000", name="Guest Access")
    stale = MembershipFactory(institution=guest, expires_at=timezone.now() - timedelta(days=1))
    # Cron has not run: the old row still says active.
    assert stale.status == Membership.Status.ACTIVE
    req = AccessRequestFactory(user=stale.user, institution=guest, with_profiles=[stale.profile])

    services.approve_request(access_request=req, actor=UserFactory(is_staff=True))

    stale.refresh_from_db()
    assert stale.status == Membership.Status.EXPIRED and stale.ended_at == stale.expires_at
    (granted,) = Membership.objects.active().filter(user=stale.user, profile=stale.profile)
    assert granted.granted_by_request == req and granted.expires_at > timezone.now()
    event = AuditEvent.objects.get(action=RequestAction.MEMBERSHIP_EXPIRED)
    assert event.target_id == str(stale.pk)


def test_digest_of_a_network_without_administrators_goes_to_the_superusers(time_machine):
    monday = datetime(2026, 3, 2, 7, 0, tzinfo=BRUSSELS)
    time_machine.move_to(monday, tick=False)
    orphan = AccessRequestFactory(submitted_at=monday - timedelta(days=10))
    root = UserFactory(is_staff=True, is_superuser=True)
    UserFactory(is_staff=True, is_superuser=True, is_active=False)

    assert services.send_digests() == 1
    (digest,) = mails_to(root)
    assert f"#{orphan.pk} " in digest.body
    assert services.send_digests() == 0  # once a day, for superusers too


def test_submission_reminder_and_digest_share_the_recipients_selector():
    req = AccessRequestFactory()
    root = UserFactory(is_staff=True, is_superuser=True)
    assert selectors.network_recipients(req.network_id) == [root]
    admin = UserFactory(is_staff=True)
    NetworkAdministrator.objects.create(user=admin, network=req.network)
    assert selectors.network_recipients(req.network_id) == [admin]
