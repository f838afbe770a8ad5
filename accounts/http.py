"""The request type of pages that need a logged-in user."""

from typing import TypeGuard

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request past ``LoginRequiredMiddleware``: its user is a ``User``, never anonymous.

    Only an annotation (Django makes plain ``HttpRequest`` objects): views that are not
    ``login_not_required`` and the code they call take it instead of ``HttpRequest``.
    """

    user: User


def is_authenticated(request: HttpRequest) -> TypeGuard[AuthenticatedHttpRequest]:
    """``request.user.is_authenticated``, for a page that also answers visitors."""
    return request.user.is_authenticated
