"""A user who acknowledged an older privacy statement acknowledges the new one first; the
activity of each session is tracked for "Your sessions"."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts import sessions
from accounts.app_settings import app_settings
from accounts.urls_utils import is_safe_next_url

# Pages reachable before acknowledging: the statement itself, logging out, the
# language switcher, and files.
_EXEMPT_URL_NAMES = (
    "accounts:privacy_acknowledge",
    "accounts:privacy_statement",
    "account_logout",
    "set_language",
    "healthz",
)


def needs_privacy_acknowledgement(user) -> bool:
    """Only users who acknowledged some version: accounts made by operators never did."""
    return (
        user.is_authenticated
        and bool(user.privacy_version)
        and user.privacy_version != app_settings.PRIVACY_STATEMENT_VERSION
    )


class PrivacyAcknowledgementMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt_paths: frozenset[str] | None = None

    def exempt_paths(self) -> frozenset[str]:
        if self._exempt_paths is None:
            self._exempt_paths = frozenset(reverse(name) for name in _EXEMPT_URL_NAMES)
        return self._exempt_paths

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and needs_privacy_acknowledgement(user)
            and request.path not in self.exempt_paths()
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        ):
            target = reverse("accounts:privacy_acknowledge")
            next_url = request.get_full_path()
            if request.method == "GET" and is_safe_next_url(request, next_url):
                return redirect(f"{target}?{urlencode({'next': next_url})}")
            return redirect(target)
        return self.get_response(request)


class UserSessionActivityMiddleware:
    """allauth's ``UserSessionsMiddleware``, at most once a minute per session.

    allauth's writes the session's row at every request (two or more queries each); a
    minute of precision on "last seen" is enough, as for the idle timeout. Also at once
    when the session's key changed (the second factor cycles it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sessions.track_activity(request)
        return self.get_response(request)
