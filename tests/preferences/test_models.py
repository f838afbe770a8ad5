import pytest
from django.db import IntegrityError

from preferences.models import ThematicArea
from tests.factories import ExpertiseFactory, ThematicAreaFactory

pytestmark = pytest.mark.django_db


def test_current_areas_exclude_retired_ones(network, areas):
    from django.utils import timezone

    areas[1].retired_at = timezone.now()
    areas[1].save()
    assert list(ThematicArea.objects.current().filter(network=network)) == [areas[0], areas[2]]


def test_area_names_are_unique_per_network(network):
    ThematicAreaFactory(network=network, name="Bone marrow failure")
    ThematicAreaFactory(name="Bone marrow failure")  # another network
    with pytest.raises(IntegrityError):
        ThematicAreaFactory(network=network, name="Bone marrow failure")


def test_one_answer_per_member_and_network(member, network):
    ExpertiseFactory(user=member, network=network)
    with pytest.raises(IntegrityError):
        ExpertiseFactory(user=member, network=network)
