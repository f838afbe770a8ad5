import pytest

from accounts.models import User
from preferences.gate import PREFERENCES_URL_NAME, answers_complete
from tests.factories import (
    ApplicationFactory,
    ExpertiseFactory,
    InstitutionFactory,
    MembershipFactory,
    NetworkFactory,
)
from tests.preferences.conftest import institution_in

pytestmark = pytest.mark.django_db


def preferences_answered(user) -> bool:
    return User.objects.filter(answers_complete(user), pk=user.pk).exists()


def test_met_only_when_every_active_network_is_answered(member, network):
    assert PREFERENCES_URL_NAME == "preferences:update"
    assert not preferences_answered(member)
    ExpertiseFactory(user=member, network=network, is_none=True)
    assert preferences_answered(member)

    second = NetworkFactory()
    MembershipFactory(user=member, institution=institution_in(second))
    assert not preferences_answered(member)


def test_networks_of_other_applications_are_not_asked(member, network):
    ExpertiseFactory(user=member, network=network, is_none=True)
    other_app = NetworkFactory(application=ApplicationFactory(code="other", name="Other"))
    MembershipFactory(
        user=member, institution=InstitutionFactory(parent__parent=other_app, parent__code="FR")
    )
    assert preferences_answered(member)
