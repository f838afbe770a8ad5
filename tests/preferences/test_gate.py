import pytest
from django.test import RequestFactory

from preferences.gate import PREFERENCES_URL_NAME, preferences_answered
from tests.factories import (
    ApplicationFactory,
    ExpertiseFactory,
    InstitutionFactory,
    MembershipFactory,
    NetworkFactory,
)
from tests.preferences.conftest import institution_in

pytestmark = pytest.mark.django_db


def request_of(user):
    request = RequestFactory().get("/cpms/")
    request.user = user
    return request


def test_met_only_when_every_active_network_is_answered(member, network):
    assert PREFERENCES_URL_NAME == "preferences:update"
    assert not preferences_answered(request_of(member))
    ExpertiseFactory(user=member, network=network, is_none=True)
    assert preferences_answered(request_of(member))

    second = NetworkFactory()
    MembershipFactory(user=member, institution=institution_in(second))
    assert not preferences_answered(request_of(member))


def test_networks_of_other_applications_are_not_asked(member, network):
    ExpertiseFactory(user=member, network=network, is_none=True)
    other_app = NetworkFactory(application=ApplicationFactory(code="other", name="Other"))
    MembershipFactory(
        user=member, institution=InstitutionFactory(parent__parent=other_app, parent__code="FR")
    )
    assert preferences_answered(request_of(member))
