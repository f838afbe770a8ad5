"""The last requirement of the CPMS gate: the member's networks are all answered."""

from django.http import HttpRequest

from preferences.selectors import networks_missing_answers

# The page that fulfils the requirement (it takes ``?next=`` and goes back there).
PREFERENCES_URL_NAME = "preferences:update"


def preferences_answered(request: HttpRequest) -> bool:
    """Met when every network of an active membership has an answer ("None" counts)."""
    return not networks_missing_answers(request.user).exists()
