"""Second-factor reset by an administrator, and accounts disabled for inactivity."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, OutboundEmail, SMSDevice, User
from accounts.services import disable_inactive_users, reset_second_factor, warn_inactive_users
from tests.factories import SMSDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 1, 5, 3, 0, tzinfo=ZoneInfo("Europe/Brussels"))


def test_reset_second_factor_removes_every_device_ends_sessions_audits_and_mails():
    member = SMSDeviceFactory().user
    TOTPDevice.objects.create(user=member, name="app")
    StaticDevice.objects.create(user=member, name="backup")
    bystander = SMSDeviceFactory().user
    admin = UserFactory(is_staff=True, is_superuser=True)
    epoch = member.session_epoch
    old_hash = member.get_session_auth_hash()

    assert reset_second_factor(user=member, actor=admin) == 3

    member.refresh_from_db()
    assert not member.has_verified_phone()
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert member.session_epoch == epoch + 1 and member.get_session_auth_hash() != old_hash
    assert SMSDevice.objects.filter(user=bystander).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.MFA_RESET)
    assert event.actor == admin and event.target_id == str(member.pk)
    assert event.data["removed"]["accounts.smsdevice"] == 1
    assert "second factor" in OutboundEmail.objects.get(to=member.email).subject


def test_inactive_accounts_are_warned_a_month_before_and_then_disabled(time_machine):
    time_machine.move_to(START, tick=False)
    idle = UserFactory(last_login=START - timedelta(days=336))
    never = UserFactory(date_joined=START - timedelta(days=400), last_login=None)
    recent = UserFactory(last_login=START - timedelta(days=300))
    root = UserFactory(is_superuser=True, is_staff=True, last_login=START - timedelta(days=900))

    assert warn_inactive_users() == 2
    assert warn_inactive_users() == 0  # once
    assert disable_inactive_users() == 0  # not before a month has passed
    for user in (idle, never):
        assert "disabled" in OutboundEmail.objects.get(to=user.email).subject
    assert not OutboundEmail.objects.filter(to__in=[recent.email, root.email]).exists()

    time_machine.move_to(START + timedelta(days=30), tick=False)
    assert disable_inactive_users() == 2
    for user in (idle, never):
        user.refresh_from_db()
        assert not user.is_active
    recent.refresh_from_db()
    root.refresh_from_db()
    assert recent.is_active and root.is_active
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_DISABLED).count() == 2


def test_logging_in_after_the_warning_cancels_it(time_machine):
    time_machine.move_to(START, tick=False)
    user = UserFactory(last_login=START - timedelta(days=340))
    assert warn_inactive_users() == 1
    User.objects.filter(pk=user.pk).update(last_login=START + timedelta(days=1))

    time_machine.move_to(START + timedelta(days=40), tick=False)
    assert disable_inactive_users() == 0
    # A year later the next idle spell brings a new warning before any disabling.
    time_machine.move_to(START + timedelta(days=1 + 336), tick=False)
    assert disable_inactive_users() == 0
    assert warn_inactive_users() == 1
    user.refresh_from_db()
    assert user.is_active


def test_inactivity_periods_are_configurable(settings, time_machine):
    time_machine.move_to(START, tick=False)
    settings.ACCOUNTS_INACTIVITY_DISABLE_DAYS = 100
    settings.ACCOUNTS_INACTIVITY_WARNING_DAYS = 10
    UserFactory(last_login=START - timedelta(days=91))
    assert warn_inactive_users() == 1
