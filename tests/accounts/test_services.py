import pytest
from django.db import DatabaseError, transaction

from access_requests.audit_actions import Action as RequestAction
from accounts import services
from accounts.audit import record_event
from accounts.models import AuditEvent, User
from tests.factories import AccessRequestFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


@pytest.fixture
def history():
    """A member with events by them, about them, and an administrator's decision about them."""
    admin = UserFactory(email="admin@ern.example.eu", is_staff=True)
    member = UserFactory(email="anna.schmidt@uke.example.de", first_name="Anna")
    record_event(action=Action.SIGNUP, target=member)
    record_event(action=Action.LOGIN, actor=member, target=member)
    record_event(action=RequestAction.REQUEST_APPROVED, actor=admin, target=member)
    unrelated = record_event(action=Action.LOGIN, actor=admin, target=admin)
    return admin, member, unrelated


def test_deletion_keeps_the_audit_trail_without_the_identity(history):
    admin, member, unrelated = history
    member_id = str(member.pk)
    count = AuditEvent.objects.count()

    services.delete_account(user=member, request=None)

    assert not User.objects.filter(pk=member_id).exists()
    assert AuditEvent.objects.count() == count + 1  # nothing removed, the deletion added
    about = AuditEvent.objects.filter(target_type="accounts.user", target_id=member_id)
    assert sorted(about.values_list("action", flat=True)) == sorted(
        ["signup", "login", "request_approved", "account_deleted"]
    )
    assert set(about.values_list("target_repr", flat=True)) == {""}
    assert not about.filter(actor_id=member_id).exists()
    assert about.get(action="request_approved").actor == admin  # the administrator stays
    for event in AuditEvent.objects.all():
        assert "anna.schmidt" not in f"{event.target_repr} {event.data}"
    unrelated.refresh_from_db()
    assert unrelated.target_repr == str(admin)


def test_deletion_takes_the_users_requests_and_memberships(history):
    _admin, member, _unrelated = history
    request = AccessRequestFactory(user=member)
    MembershipFactory(user=member, institution=request.institution, granted_by_request=request)
    services.delete_account(user=member, request=None)
    assert not type(request).objects.filter(pk=request.pk).exists()


def test_update_profile_audits_only_real_changes():
    user = UserFactory(first_name="Anna", last_name="Schmidt", email_language="en")
    assert (
        services.update_profile(
            user=user, first_name="Anna", last_name="Schmidt", email_language="en", request=None
        )
        == []
    )
    assert not AuditEvent.objects.exists()
    assert services.update_profile(
        user=user, first_name="Anna", last_name="Schmidt", email_language="de", request=None
    ) == ["email_language"]
    assert AuditEvent.objects.get().data == {"fields": ["email_language"]}


def test_the_trail_stays_append_only_on_postgresql(history, is_postgresql):
    if not is_postgresql:
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    _admin, member, _unrelated = history
    event = AuditEvent.objects.filter(target_id=str(member.pk)).first()
    forbidden = [
        lambda qs: qs.update(action="login_failed"),
        lambda qs: qs.update(target_repr="someone else"),
        lambda qs: qs.update(target_id="0"),
        lambda qs: qs.update(data={"forged": True}),
        lambda qs: qs.delete(),
    ]
    for change in forbidden:
        with pytest.raises(DatabaseError), transaction.atomic():
            change(AuditEvent.objects.filter(pk=event.pk))
    # Anonymisation is allowed: clearing the actor and the target's label.
    AuditEvent.objects.filter(pk=event.pk).update(actor=None, target_repr="")


def test_deletion_leaves_no_trace_of_the_person_in_events_or_mail(history):
    from accounts.mail import queue_mail_to_user
    from accounts.models import OutboundEmail
    from accounts.two_factor.services import add_phone

    admin, member, _unrelated = history
    member.last_name = "Kowalczyk"
    member.save()
    request = AccessRequestFactory(user=member)
    membership = MembershipFactory(
        user=member, institution=request.institution, granted_by_request=request
    )
    record_event(action=RequestAction.REQUEST_SUBMITTED, actor=member, target=request)
    record_event(action=RequestAction.MEMBERSHIP_REVOKED, actor=admin, target=membership)
    add_phone(user=member, number="+4915187654321")
    queue_mail_to_user(
        user=member, template_prefix="accounts/email/second_factor_reset", context={}
    )
    to_admin = OutboundEmail.objects.create(to=admin.email, subject="Queue", body="x")

    services.delete_account(user=member, request=None)

    for event in AuditEvent.objects.all():
        trace = f"{event.target_repr} {event.data}"
        for identity in ("anna.schmidt", "Kowalczyk", "87654321"):
            assert identity not in trace, (event.action, trace)
    phone = AuditEvent.objects.get(action=Action.PHONE_ADDED)
    assert phone.data == {"number": "+49 •••••••••21"}
    assert list(OutboundEmail.objects.all()) == [to_admin]
