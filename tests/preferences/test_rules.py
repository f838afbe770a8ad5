"""The rule of an answer, "None" or some areas and not both: one home for form and service."""

import pytest

from preferences import services
from preferences.forms import ExpertiseForm
from preferences.rules import NO_ANSWER, NONE_AND_AREAS, answer_problem
from preferences.services import ExpertiseAnswer, PreferencesError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("is_none", "has_areas", "problem"),
    [
        (True, True, NONE_AND_AREAS),
        (False, False, NO_ANSWER),
        (True, False, None),
        (False, True, None),
    ],
)
def test_an_answer_is_none_or_areas_not_both_not_neither(is_none, has_areas, problem):
    assert answer_problem(is_none=is_none, has_areas=has_areas) == problem


@pytest.mark.parametrize(
    ("none", "with_area", "problem"), [(True, True, NONE_AND_AREAS), (False, False, NO_ANSWER)]
)
def test_the_form_and_the_service_refuse_with_the_same_words(
    member, network, areas, none, with_area, problem
):
    prefix = f"ern{network.pk}"
    data = {f"{prefix}-areas": [areas[0].pk] if with_area else []}
    if none:
        data[f"{prefix}-none"] = "on"
    form = ExpertiseForm(data, network=network, areas=areas)

    assert not form.is_valid()
    assert form.non_field_errors() == [problem.message]
    assert form.has_error("__all__", code=problem.code)
    with pytest.raises(PreferencesError) as refused:
        services.save_expertise(
            user=member,
            answers=[
                ExpertiseAnswer(
                    network=network, areas=areas[:1] if with_area else [], is_none=none
                )
            ],
        )
    assert str(refused.value) == f"{network.code}: {problem.message}"
