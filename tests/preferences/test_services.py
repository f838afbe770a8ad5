from datetime import UTC, datetime

import pytest

from accounts.models import AuditEvent
from preferences import selectors, services
from preferences.audit_actions import Action as PreferencesAction
from preferences.models import DirectoryListing, Expertise, ThematicArea
from preferences.reference_data import THEMATIC_AREAS, load_thematic_areas
from preferences.services import ExpertiseAnswer, PreferencesError
from tests.factories import (
    ExpertiseFactory,
    MembershipFactory,
    NetworkFactory,
    ThematicAreaFactory,
    UserFactory,
)
from tests.preferences.conftest import institution_in

pytestmark = pytest.mark.django_db


def audit(action=PreferencesAction.PREFERENCES_SAVED):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_save_records_the_areas_and_the_time(member, network, areas, time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 9, 30, tzinfo=UTC), tick=False)
    [expertise] = services.save_expertise(
        user=member, answers=[ExpertiseAnswer(network=network, areas=[areas[0], areas[2]])]
    )
    expertise.refresh_from_db()
    assert set(expertise.areas.all()) == {areas[0], areas[2]}
    assert expertise.is_none is False
    assert expertise.answered_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    [event] = audit()
    assert event.actor == member
    assert event.data["areas"] == [areas[0].name, areas[2].name]


def test_none_with_an_area_is_refused_and_nothing_is_saved(member, network, areas):
    with pytest.raises(PreferencesError, match="You ticked “None” and some thematic areas"):
        services.save_expertise(
            user=member,
            answers=[ExpertiseAnswer(network=network, areas=[areas[0]], is_none=True)],
        )
    assert not Expertise.objects.exists()
    assert audit() == []


def test_an_empty_answer_is_refused(member, network, areas):
    with pytest.raises(PreferencesError, match="Tick the thematic areas of your expertise"):
        services.save_expertise(user=member, answers=[ExpertiseAnswer(network=network)])


def test_none_is_an_answer_even_without_areas(member, network):
    [expertise] = services.save_expertise(
        user=member, answers=[ExpertiseAnswer(network=network, is_none=True)]
    )
    assert expertise.is_none and not expertise.areas.exists()
    assert not selectors.networks_missing_answers(member).exists()


def test_an_area_of_another_network_or_retired_is_refused(member, network, areas):
    foreign = ThematicAreaFactory()
    with pytest.raises(PreferencesError, match="not offered"):
        services.save_expertise(
            user=member, answers=[ExpertiseAnswer(network=network, areas=[foreign])]
        )
    services.retire_area(area=areas[0], actor=UserFactory(is_staff=True))
    with pytest.raises(PreferencesError, match="not offered"):
        services.save_expertise(
            user=member, answers=[ExpertiseAnswer(network=network, areas=[areas[0]])]
        )
    assert not Expertise.objects.exists()


def test_a_network_without_active_membership_cannot_be_answered(network, areas):
    outsider = UserFactory()
    with pytest.raises(PreferencesError, match="not an active member"):
        services.save_expertise(
            user=outsider, answers=[ExpertiseAnswer(network=network, is_none=True)]
        )


def test_a_member_of_two_networks_answers_both_at_once(member, network, areas):
    blood = NetworkFactory(code="EuroBloodNet")
    marrow = ThematicAreaFactory(network=blood, name="Bone marrow failure")
    MembershipFactory(user=member, institution=institution_in(blood))
    assert list(selectors.networks_missing_answers(member)) == [blood, network]

    # One invalid answer: neither is saved.
    with pytest.raises(PreferencesError):
        services.save_expertise(
            user=member,
            answers=[
                ExpertiseAnswer(network=network, areas=[areas[1]]),
                ExpertiseAnswer(network=blood, areas=[marrow], is_none=True),
            ],
        )
    assert not Expertise.objects.exists()

    services.save_expertise(
        user=member,
        answers=[
            ExpertiseAnswer(network=network, areas=[areas[1]]),
            ExpertiseAnswer(network=blood, areas=[marrow]),
        ],
    )
    assert not selectors.networks_missing_answers(member).exists()
    assert set(Expertise.objects.values_list("network__code", "areas__name")) == {
        ("RARE-LIVER", "IgG4 Disease"),
        ("EuroBloodNet", "Bone marrow failure"),
    }
    assert len(audit()) == 2


def test_networks_missing_answers_ignore_ended_memberships(member, network):
    from access_requests.models import Membership

    old = NetworkFactory()
    MembershipFactory(
        user=member,
        institution=institution_in(old),
        status=Membership.Status.REVOKED,
        ended_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert list(selectors.networks_missing_answers(member)) == [network]
    ExpertiseFactory(user=member, network=network, is_none=True)
    assert list(selectors.networks_missing_answers(member)) == []


def test_a_new_answer_replaces_the_previous_one(member, network, areas):
    services.save_expertise(
        user=member, answers=[ExpertiseAnswer(network=network, areas=areas[:2])]
    )
    services.save_expertise(user=member, answers=[ExpertiseAnswer(network=network, is_none=True)])
    expertise = Expertise.objects.get()
    assert expertise.is_none and not expertise.areas.exists()
    assert audit()[-1].data["previous_areas"] == sorted(a.name for a in areas[:2])


def test_a_retired_area_stays_on_existing_answers(member, network, areas):
    services.save_expertise(user=member, answers=[ExpertiseAnswer(network=network, areas=areas)])
    admin = UserFactory(is_staff=True)
    services.retire_area(area=areas[1], actor=admin)

    assert areas[1] not in ThematicArea.objects.current()
    assert areas[1] in Expertise.objects.get().areas.all()
    [item] = selectors.preferences_of(member)
    assert item.areas == [areas[0], areas[2]]
    assert item.retired_areas == [areas[1]]
    assert audit()[-1].data == {"area": "retired", "name": areas[1].name}

    services.restore_area(area=areas[1], actor=admin)
    [item] = selectors.preferences_of(member)
    assert item.areas == areas and item.retired_areas == []


def test_saving_again_keeps_retired_areas_as_history_unless_the_answer_is_none(
    member, network, areas
):
    services.save_expertise(user=member, answers=[ExpertiseAnswer(network=network, areas=areas)])
    services.retire_area(area=areas[1], actor=UserFactory(is_staff=True))

    # The form offers only current areas; the member saves another choice among them.
    services.save_expertise(
        user=member, answers=[ExpertiseAnswer(network=network, areas=[areas[2]])]
    )
    assert set(Expertise.objects.get().areas.all()) == {areas[1], areas[2]}
    [item] = selectors.preferences_of(member)
    assert item.retired_areas == [areas[1]]  # still shown under the form
    assert audit()[-1].data["retired_areas_kept"] == [areas[1].name]

    services.save_expertise(user=member, answers=[ExpertiseAnswer(network=network, is_none=True)])
    expertise = Expertise.objects.get()
    assert expertise.is_none and not expertise.areas.exists()


def test_retire_is_idempotent(network, areas):
    admin = UserFactory(is_staff=True)
    services.retire_area(area=areas[0], actor=admin)
    services.retire_area(area=areas[0], actor=admin)
    assert len(audit()) == 1


def test_save_area_audits_additions_and_renames(network):
    admin = UserFactory(is_staff=True)
    area = services.save_area(
        area=ThematicArea(network=network, name="Wilson's Disease", position=5), actor=admin
    )
    area.name = "Wilson disease"
    services.save_area(area=area, actor=admin, changed=["name"])
    assert [e.data["area"] for e in audit()] == ["added", "changed"]
    assert ThematicArea.objects.get().name == "Wilson disease"


def test_a_member_can_hide_and_list_themselves_again(member):
    assert selectors.is_listed(member)
    services.set_directory_listing(user=member, hidden=True)
    assert not selectors.is_listed(member)
    services.set_directory_listing(user=member, hidden=False)
    assert selectors.is_listed(member)
    assert DirectoryListing.objects.count() == 1
    assert [e.data for e in audit()] == [{"directory_hidden": True}, {"directory_hidden": False}]


def test_reference_areas_load_once_in_order(reference_data):
    assert load_thematic_areas() == 0
    blood = list(
        ThematicArea.objects.filter(network__code="EuroBloodNet").values_list("name", flat=True)
    )
    assert blood == THEMATIC_AREAS["EuroBloodNet"]
    assert ThematicArea.objects.filter(network__code="ERN-EYE").count() == 4
