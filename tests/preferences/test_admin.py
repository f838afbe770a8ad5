from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from access_requests.models import NetworkAdministrator
from accounts.models import AuditEvent
from preferences.audit_actions import Action as PreferencesAction
from preferences.models import ThematicArea
from tests.factories import (
    NetworkFactory,
    ThematicAreaFactory,
    UserFactory,
    force_login_verified,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:preferences_thematicarea_changelist")


def test_admin_retires_and_restores_areas_through_the_service(admin_client, areas):
    response = admin_client.post(
        CHANGELIST, {"action": "retire", "_selected_action": [areas[0].pk, areas[1].pk]}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert ThematicArea.objects.current().count() == 1
    events = AuditEvent.objects.filter(action=PreferencesAction.PREFERENCES_SAVED).order_by("pk")
    assert [e.data["area"] for e in events] == ["retired", "retired"]

    admin_client.post(CHANGELIST, {"action": "restore", "_selected_action": [areas[0].pk]})
    assert ThematicArea.objects.current().count() == 2


def test_admin_adds_and_renames_an_area_with_an_audit_row(admin_client, network):
    response = admin_client.post(
        reverse("admin:preferences_thematicarea_add"),
        {"network": network.pk, "name": "Wilson's Disease", "position": 90},
    )
    assert response.status_code == HTTPStatus.FOUND
    area = ThematicArea.objects.get()
    admin_client.post(
        reverse("admin:preferences_thematicarea_change", args=[area.pk]),
        {"name": "Wilson disease", "position": 5},
    )
    area.refresh_from_db()
    assert (area.name, area.position, area.network) == ("Wilson disease", 5, network)
    events = AuditEvent.objects.filter(action=PreferencesAction.PREFERENCES_SAVED).order_by("pk")
    assert [e.data["area"] for e in events] == ["added", "changed"]


def test_areas_are_not_deleted(admin_client, areas):
    response = admin_client.get(
        reverse("admin:preferences_thematicarea_delete", args=[areas[0].pk])
    )
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_network_administrator_sees_only_their_networks_areas(client, areas, network):
    other = ThematicAreaFactory(network=NetworkFactory(), name="Elsewhere")
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="thematicarea"))
    NetworkAdministrator.objects.create(user=staff, network=network)
    force_login_verified(client, staff)
    body = client.get(CHANGELIST).content.decode()
    assert areas[0].name in body and other.name not in body
