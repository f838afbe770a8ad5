"""The last requirement of the CPMS gate: the member's networks are all answered."""

from django.db.models import Exists
from django.db.models.expressions import Expression

from accounts.models import User
from preferences.selectors import networks_missing_answers

# The page that fulfils the requirement (it takes ``?next=`` and goes back there).
PREFERENCES_URL_NAME = "preferences:update"


def answers_complete(user: User | int, at=None) -> Expression:
    """Met when every network of an active membership has an answer ("None" counts).

    A query expression rather than a query: the CPMS gate asks it together with its
    other requirements, in one query per request (``cpms_portal.gate``)."""
    return ~Exists(networks_missing_answers(user, at))
