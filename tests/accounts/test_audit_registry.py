"""Each app registers its own audit actions; the bottom app names none of theirs."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from access_requests.audit_actions import Action as RequestAction
from accounts.audit import record_event
from accounts.audit_actions import Action as AccountsAction
from accounts.audit_actions import AuditActionRegistry, registry
from accounts.models import AuditEvent
from preferences.audit_actions import Action as PreferencesAction
from reports.audit_actions import Action as ReportsAction


def test_every_app_registers_its_own_actions():
    owners = {
        "accounts": AccountsAction,
        "access_requests": RequestAction,
        "preferences": PreferencesAction,
        "reports": ReportsAction,
    }
    for app_label, actions in owners.items():
        assert {registry.owner(a.value) for a in actions} == {app_label}
    assert "request_approved" not in AccountsAction.values
    assert AuditEvent.Action is AccountsAction


def test_the_field_offers_every_registered_action_with_its_label():
    choices = dict(AuditEvent._meta.get_field("action").choices)
    assert choices["request_approved"] == "Access request approved"
    assert choices["login"] == "Login"
    assert choices["export"] == "User list exported"
    assert AuditEvent(action="preferences_saved").get_action_display() == "Preferences saved"


@pytest.mark.django_db
def test_an_unregistered_action_is_refused():
    with pytest.raises(ValueError, match="Unknown audit action"):
        record_event(action="made_up")
    assert not AuditEvent.objects.exists()


def test_an_app_cannot_take_another_apps_action():
    class Mine(models.TextChoices):
        LOGIN = "login", "Login"

    fresh = AuditActionRegistry()
    fresh.register(AccountsAction, app_label="accounts")
    with pytest.raises(ImproperlyConfigured, match="already registered by accounts"):
        fresh.register(Mine, app_label="other")
    fresh.register(Mine, app_label="accounts")  # the same app again: idempotent


def test_an_action_longer_than_the_column_is_refused():
    class TooLong(models.TextChoices):
        X = "x" * 33, "too long"

    with pytest.raises(ImproperlyConfigured, match="over 32"):
        AuditActionRegistry().register(TooLong, app_label="other")
