"""Session lifetime: ended after SESSION_IDLE_TIMEOUT idle, and SESSION_COOKIE_AGE at most."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

AUTHENTICATED_AT_KEY = "_cpms_authenticated_at"
LAST_ACTIVITY_KEY = "_cpms_last_activity"
# Writing the session at every request would cost a database write each time;
# a minute of precision on a 30-minute timeout is enough.
ACTIVITY_RESOLUTION_SECONDS = 60


class SessionTimeoutMiddleware:
    """Logs out an idle session, and any session older than the absolute maximum.

    Django's own expiry slides with every save of the session, so the absolute limit
    is kept here from the time of login (SESSION_SAVE_EVERY_REQUEST stays False).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            authenticated_at = session.get(AUTHENTICATED_AT_KEY, now)
            last_activity = session.get(LAST_ACTIVITY_KEY, now)
            if now - last_activity > settings.SESSION_IDLE_TIMEOUT:
                return self._end(request, _("Your session ended after a period of inactivity."))
            if now - authenticated_at > settings.SESSION_COOKIE_AGE:
                return self._end(request, _("Your session has ended. Please log in again."))
            if now - last_activity >= ACTIVITY_RESOLUTION_SECONDS or (
                LAST_ACTIVITY_KEY not in session
            ):
                session[LAST_ACTIVITY_KEY] = now
            session.setdefault(AUTHENTICATED_AT_KEY, now)
        response = self.get_response(request)
        if request.user.is_authenticated and AUTHENTICATED_AT_KEY not in request.session:
            # Just logged in by the view: the clocks start now.
            now = time.time()
            request.session[AUTHENTICATED_AT_KEY] = now
            request.session[LAST_ACTIVITY_KEY] = now
        return response

    def _end(self, request: HttpRequest, message: str) -> HttpResponse:
        logout(request)
        messages.info(request, message)
        return self.get_response(request)
