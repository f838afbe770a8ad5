"""Management commands of the approval side (cron)."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from access_requests.models import Membership, NetworkAdministrator
from accounts.models import OutboundEmail
from tests.factories import AccessRequestFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=ZoneInfo("Europe/Brussels"))


def test_run_daily_tasks_does_every_chore_once_per_day(time_machine):
    time_machine.move_to(MONDAY, tick=False)
    expired = MembershipFactory(expires_at=MONDAY - timedelta(hours=1))
    expiring = MembershipFactory(expires_at=MONDAY + timedelta(days=10))
    req = AccessRequestFactory(submitted_at=MONDAY - timedelta(days=6))
    admin = UserFactory(is_staff=True, last_login=MONDAY)
    NetworkAdministrator.objects.create(user=admin, network=req.network)
    idle = UserFactory(last_login=MONDAY - timedelta(days=350))

    out = StringIO()
    call_command("run_daily_tasks", stdout=out)

    report = out.getvalue()
    assert "guest memberships expired: 1" in report
    assert "expiry reminders sent: 1" in report
    assert "digests sent: 1" in report
    assert "inactive accounts warned: 1" in report
    expired.refresh_from_db()
    assert expired.status == Membership.Status.EXPIRED
    for user in (expired.user, expiring.user, admin, idle):
        assert OutboundEmail.objects.filter(to=user.email).count() == 1

    again = StringIO()
    call_command("run_daily_tasks", stdout=again)
    assert again.getvalue().count(": 0") == 5
    assert OutboundEmail.objects.count() == 4


def test_create_admin_group_prints_what_it_did():
    out = StringIO()
    call_command("create_admin_group", stdout=out)
    assert 'Created the group "Network administrators"' in out.getvalue()
