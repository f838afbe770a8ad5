from importlib import import_module

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_static.models import StaticToken

from accounts.models import RecoveryCodeDevice, SMSDevice, User
from tests.factories import SMSDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_the_login_and_unique_regardless_of_case():
    User.objects.create_user("Anna.Muster@Example.EU", "x" * 16, first_name="Anna", last_name="M")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("anna.muster@example.eu", "y" * 16, first_name="A", last_name="M")
    assert User.objects.get_by_natural_key("ANNA.MUSTER@example.eu").first_name == "Anna"


def test_user_has_no_username_and_defaults_to_english():
    user = UserFactory()
    assert not hasattr(user, "username")
    assert User.USERNAME_FIELD == "email"
    assert user.email_language == "en"


def test_session_epoch_invalidates_sessions():
    user = UserFactory()
    before = user.get_session_auth_hash()
    user.session_epoch += 1
    assert user.get_session_auth_hash() != before


def test_sms_code_is_stored_hashed_single_use(time_machine):
    device = SMSDeviceFactory()
    token = device.issue_token()
    device.refresh_from_db()
    assert len(token) == 6 and token.isdigit()
    assert token not in device.token_hash
    assert device.verify_token(token) is True
    device.refresh_from_db()
    assert device.verify_token(token) is False  # single use


def test_sms_code_expires_after_five_minutes(time_machine):
    time_machine.move_to("2026-11-26 10:00:00+00:00", tick=False)
    device = SMSDeviceFactory()
    token = device.issue_token()
    time_machine.move_to("2026-11-26 10:05:01+00:00", tick=False)
    assert SMSDevice.objects.get(pk=device.pk).verify_token(token) is False


def test_wrong_codes_are_throttled(time_machine):
    time_machine.move_to("2026-11-26 10:00:00+00:00", tick=False)
    device = SMSDeviceFactory()
    token = device.issue_token()
    wrong = "000000" if token != "000000" else "111111"
    assert device.verify_token(wrong) is False
    # Within the growing delay even the right code is refused.
    assert device.verify_token(token) is False
    time_machine.move_to("2026-11-26 10:00:03+00:00", tick=False)
    assert device.verify_token(token) is True


def test_the_migration_hashes_plain_recovery_codes_once():
    migration = import_module("accounts.migrations.0009_recovery_codes_hashed")
    device = RecoveryCodeDevice.objects.create(user=UserFactory(), name="Recovery codes")
    StaticToken.objects.create(device=device, token="abcd2345")  # as saved until now
    StaticToken.objects.create(device=device, token="Wxyz 7654")

    migration.hash_plain_codes(apps, None)
    stored = set(device.token_set.values_list("token", flat=True))
    migration.hash_plain_codes(apps, None)  # again: a hash is not hashed twice

    assert set(device.token_set.values_list("token", flat=True)) == stored
    assert not stored & {"abcd2345", "Wxyz 7654"}
    assert device.verify_token("abcd2345")
    assert device.verify_token("wxyz7654")
    assert device.token_set.count() == 0


def test_undoing_the_migration_drops_the_hashed_codes():
    migration = import_module("accounts.migrations.0009_recovery_codes_hashed")
    device = RecoveryCodeDevice.objects.create(user=UserFactory(), name="Recovery codes")
    device.add_codes(["abcd2345"])
    StaticToken.objects.create(device=device, token="efgh2345")  # made by the old code

    migration.drop_hashed_codes(apps, None)

    assert list(device.token_set.values_list("token", flat=True)) == ["efgh2345"]


def test_audit_trail_is_append_only_on_postgresql(is_postgresql):
    from django.db import DatabaseError

    from accounts.audit import record_event
    from accounts.models import AuditEvent

    if not is_postgresql:
        pytest.skip("the trigger exists on PostgreSQL only")
    user = UserFactory()
    event = record_event(action=AuditEvent.Action.LOGIN, actor=user, target=user)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="logout")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    # Deleting the account clears the actor: the one change the trigger allows.
    user.delete()
    event.refresh_from_db()
    assert event.actor is None and event.action == "login"


def test_login_lookup_uses_the_case_insensitive_unique_index(is_postgresql):
    """The login finds the user with ``email__iexact`` (UPPER(email) on PostgreSQL): the
    unique index must be on that same expression, or every login scans all users."""
    if not is_postgresql:
        pytest.skip("an expression index is planned by PostgreSQL only")
    from django.db import connection

    UserFactory(email="Ada.Lovelace@example.eu")
    query = User.objects.filter(email__iexact="ADA.lovelace@EXAMPLE.eu").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "accounts_user_email_ci_unique" in plan, plan
    assert User.objects.get_by_natural_key("ADA.lovelace@EXAMPLE.eu").email == (
        "Ada.Lovelace@example.eu"
    )
