"""A member's sessions (django-allauth's ``usersessions``) and the browsers they log in from.

- "Your sessions" in User Data details: where the member is logged in (device, address,
  signed in, last seen), and the end of one other session or of all the others, audited;
- a login from a browser the member never logged in from is mailed to them, unless it is
  the first browser of all (nothing to compare with: the account has just been made).

A browser is recognised by a random id in a long-lived cookie; ``KnownBrowser`` keeps only
its SHA-256, per user. The check runs on allauth's ``user_logged_in``, which every
interactive login sends (password, federated, after a password reset): the member hears
of a login to a new browser as soon as the password (or the provider) let it in, even if
the second factor stops it there.
"""

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from allauth.usersessions.internal import flows, usersessionkit
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import mail
from accounts.app_settings import app_settings
from accounts.audit import client_ip, record_event
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditEvent, KnownBrowser, User

# --- tracking --------------------------------------------------------------------------

# The key of the session last tracked and when, kept in the session (read with it, free).
_TRACKED_KEY = "_cpms_session_tracked"
TRACK_RESOLUTION_SECONDS = 60


def track_activity(request: HttpRequest) -> None:
    """Update the session's row (address, last seen) at most once a minute, and at once
    for a session key not tracked yet."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated:
        return
    key = session.session_key
    if not key:
        return
    now = time.time()
    tracked = session.get(_TRACKED_KEY)
    if (
        isinstance(tracked, list)
        and tracked[:1] == [key]
        and now - tracked[1] < TRACK_RESOLUTION_SECONDS
    ):
        return
    usersessionkit.track_activity(request, user=user, session=session)
    session[_TRACKED_KEY] = [key, now]


def note_tracked(request: HttpRequest) -> None:
    """The session's row was just written (allauth's receiver of ``user_logged_in``)."""
    if request.session.session_key:
        request.session[_TRACKED_KEY] = [request.session.session_key, time.time()]


def follow_session_key(*, request: HttpRequest, old_key: str | None) -> None:
    """The session's row follows its new key (the second factor cycles it): the session
    keeps its time of sign-in, and is not tracked again before its minute is up."""
    new_key = request.session.session_key
    if not (old_key and new_key and old_key != new_key):
        return
    if UserSession.objects.filter(session_key=old_key).update(session_key=new_key):
        tracked = request.session.get(_TRACKED_KEY)
        if isinstance(tracked, list) and tracked[:1] == [old_key]:
            request.session[_TRACKED_KEY] = [new_key, tracked[1]]


# --- "Your sessions" -------------------------------------------------------------------

_BROWSERS = (
    # Order matters: Edge and Opera say "Chrome", Chrome says "Safari".
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str, *, language: str | None = None) -> str:
    """ "Firefox on Linux": the browser and system a user agent names (no parser library in
    the dependencies; the common browsers are enough to recognise one's own). In
    ``language``, else the active one."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    with translation.override(language or translation.get_language()):
        if browser and system:
            return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
        return browser or system or _("Unknown browser")


@dataclass(frozen=True)
class SessionRow:
    pk: int
    device: str
    ip: str
    signed_in_at: datetime
    last_seen_at: datetime
    is_current: bool


def sessions_of(request: AuthenticatedHttpRequest) -> list[SessionRow]:
    """The user's live sessions, this one first, then the most recently seen; sessions
    that ended (logged out, expired, ended everywhere) are dropped on the way."""
    current_key = request.session.session_key
    rows = [
        SessionRow(
            pk=session.pk,
            device=describe_device(session.user_agent),
            ip=session.ip,
            signed_in_at=session.created_at,
            last_seen_at=session.last_seen_at,
            is_current=session.session_key == current_key,
        )
        for session in UserSession.objects.purge_and_list(request.user)
    ]
    return sorted(rows, key=lambda row: (not row.is_current, -row.last_seen_at.timestamp()))


def _end(request: AuthenticatedHttpRequest, sessions: list[UserSession], *, others: bool) -> int:
    with transaction.atomic():
        record_event(
            action=AuditEvent.Action.SESSION_ENDED,
            actor=request.user,
            target=request.user,
            # The rows' ids, never their keys: a session key is a credential.
            data={
                "count": len(sessions),
                "sessions": [session.pk for session in sessions],
                "devices": [
                    describe_device(session.user_agent, language=settings.LANGUAGE_CODE)
                    for session in sessions
                ],
                "all_others": others,
            },
            request=request,
        )
        flows.sessions.end_sessions(request, sessions)
    return len(sessions)


def end_session(*, request: AuthenticatedHttpRequest, session_id: int) -> bool:
    """End one other session of the user; ``False`` when there is no such session (another
    user's, this one, one that has already ended)."""
    session = (
        UserSession.objects.filter(pk=session_id, user=request.user)
        .exclude(session_key=request.session.session_key or "")
        .first()
    )
    if session is None:
        return False
    _end(request, [session], others=False)
    return True


def end_other_sessions(*, request: AuthenticatedHttpRequest) -> int:
    """End every session of the user but this one; how many there were."""
    sessions = list(
        UserSession.objects.filter(user=request.user).exclude(
            session_key=request.session.session_key or ""
        )
    )
    if not sessions:
        return 0
    return _end(request, sessions, others=True)


# --- new browsers ----------------------------------------------------------------------

# 400 days: the longest a browser keeps a cookie (Chrome's limit, RFC 6265bis).
BROWSER_COOKIE_AGE = 400 * 24 * 60 * 60
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{43}")


def browser_cookie_name() -> str:
    # Where the session cookie is Secure (production), the __Host- prefix makes the
    # browser refuse the cookie from anything but this host over HTTPS.
    return "__Host-cpms_browser" if settings.SESSION_COOKIE_SECURE else "cpms_browser"


def _browser_hash(browser_id: str) -> str:
    # Unkeyed: the id is 256 random bits, and a SECRET_KEY rotation must not make every
    # browser new (a mail to every member).
    return hashlib.sha256(browser_id.encode()).hexdigest()


def note_login_browser(
    *, request: HttpRequest, response: HttpResponseBase | None, user: User
) -> bool:
    """Remember the browser of a login; mail and audit a browser new to the user, unless
    it is their first. Returns whether it was new."""
    browser_id = request.COOKIES.get(browser_cookie_name(), "")
    if not _BROWSER_ID.fullmatch(browser_id):
        browser_id = secrets.token_urlsafe(32)
    now = timezone.now()
    with mail.sending_deferred() as queued, transaction.atomic():
        first_browser = not KnownBrowser.objects.filter(user=user).exists()
        known, created = KnownBrowser.objects.get_or_create(
            user=user,
            browser_hash=_browser_hash(browser_id),
            defaults={"first_seen": now, "last_seen": now},
        )
        if not created:
            KnownBrowser.objects.filter(pk=known.pk).update(last_seen=now)
        elif not first_browser:
            _report_new_browser(request=request, user=user, when=now)
    if response is not None:
        response.set_cookie(
            browser_cookie_name(),
            browser_id,
            max_age=BROWSER_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    if isinstance(response, HttpResponse):
        # After the response: the login does not wait for the mail server.
        mail.send_after_response(response, queued)
    elif queued:
        mail.send_queued(ids=queued)
    return created and not first_browser


def _report_new_browser(*, request: HttpRequest, user: User, when: datetime) -> None:
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    ip = client_ip(request) or ""
    record_event(
        action=AuditEvent.Action.NEW_BROWSER_LOGIN,
        actor=user,
        target=user,
        data={"device": describe_device(user_agent, language=settings.LANGUAGE_CODE)},
        ip=ip,
    )
    mail.queue_mail_to_user(
        user=user,
        template_prefix="accounts/email/new_browser_login",
        context={
            "when": when,
            "device": describe_device(user_agent, language=mail.language_for(user)),
            "ip": ip,
            "profile_url": app_settings.SITE_URL + reverse("accounts:profile"),
        },
    )
