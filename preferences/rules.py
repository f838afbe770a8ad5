"""The rule of an expertise answer, in one place for the form and the service."""

from typing import TYPE_CHECKING, NamedTuple

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class AnswerProblem(NamedTuple):
    """A rule an answer breaks: the code of the form's error, and the message for the user."""

    code: str
    message: "StrOrPromise"


NONE_AND_AREAS = AnswerProblem(
    "none_and_areas",
    _("You ticked “None” and some thematic areas. Untick “None”, or untick the thematic areas."),
)
NO_ANSWER = AnswerProblem("no_answer", _("Tick the thematic areas of your expertise, or “None”."))


def answer_problem(*, is_none: bool, has_areas: bool) -> AnswerProblem | None:
    """An answer is "None" or some thematic areas: not both, and not neither."""
    if is_none and has_areas:
        return NONE_AND_AREAS
    if not is_none and not has_areas:
        return NO_ANSWER
    return None
