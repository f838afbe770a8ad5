"""Why a write of the access_requests app was refused; ``str()`` is a message for the user."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class RequestError(Exception):
    """A request or membership that cannot be made or moved."""


class TransitionNotAllowed(RequestError):
    """The status map forbids the move (the request is decided, the membership ended…)."""


class DuplicateRequest(RequestError):
    """An open request exists already for the profile at the organisation."""

    # The one wording, for the service, the wizard's step 4 and its double submission.
    default_message = _(
        "You already have a pending request for this profile at this organisation."
    )

    def __init__(self, message: object = None) -> None:
        super().__init__(self.default_message if message is None else message)


class InvalidProfileChoice(RequestError):
    """Profiles that cannot be requested here; ``errors`` are the ValidationErrors (codes
    ``application``, ``held``, ``pending``, ``prerequisite``) step 3 shows."""

    def __init__(self, errors: list[ValidationError]) -> None:
        self.errors = errors
        super().__init__(" ".join(str(m) for e in errors for m in e.messages))
