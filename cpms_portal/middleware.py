"""Session lifetime; request id and the request log line; the benchmarks' query counter.

Sessions end after PORTAL_SESSION_IDLE_TIMEOUT idle, and SESSION_COOKIE_AGE at most.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from cpms_portal.app_settings import app_settings
from cpms_portal.logging import current_request_id

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
            if now - last_activity > app_settings.SESSION_IDLE_TIMEOUT:
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


logger = logging.getLogger("cpms.request")

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is copied into every log line, so only a plain token is accepted.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _incoming_request_id(request: HttpRequest) -> str | None:
    if not app_settings.TRUST_REQUEST_ID_HEADER:
        return None
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if _VALID_REQUEST_ID.fullmatch(value) else None


class RequestLogMiddleware:
    """Gives each request an id (the trusted proxy's ``X-Request-ID`` or a new one),
    returns it in the response, and logs one line per request when it is done.

    First in MIDDLEWARE, so that the duration covers every other middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _incoming_request_id(request) or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # the portal's own
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration_ms = (time.perf_counter() - started) * 1000
            user_id = _user_id(request)
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(duration_ms, 1),
                    "user_id": user_id,
                    "request_id": request_id,
                },
            )
            return response
        finally:
            current_request_id.reset(token)


def _user_id(request: HttpRequest) -> int | None:
    # Only a user the request already loaded: logging must not cost a query.
    # AuthenticationMiddleware caches the user here once something has read it.
    user = request.__dict__.get("_cached_user")
    if user is not None and user.is_authenticated:
        return user.pk
    return None


class QueryCountMiddleware:
    """Benchmarks only (``BENCH_ENDPOINTS=true``): the number of SQL queries a
    request ran, in an ``X-SQL-Queries`` response header.

    Always listed in MIDDLEWARE, so that its setting decides alone: without it, Django
    leaves it out of the stack at start-up (``MiddlewareNotUsed``) and it costs nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not app_settings.BENCH_ENDPOINTS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-SQL-Queries"] = str(count)
        return response
