"""The CPMS gate: one ordered list of requirements, each with the page that fulfils it.

Every request under a CPMS URL prefix goes through the list in order; the user is
sent to the page of the first requirement not met, with ``next`` pointing back to
the page asked for. Each fulfilling page sends the user on to ``next`` (see
``accounts.urls_utils.safe_next_url``), where the gate checks the following
requirement, and so on.

A middleware restricted to the CPMS prefixes rather than a decorator: a CPMS view
added later (by any app) is gated without anyone remembering to decorate it, and
the check runs again at every request, so a revoked membership stops access at
the very next one.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db import connections, router
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests.app_settings import app_settings as access_settings
from access_requests.models import Membership
from accounts.models import SMSDevice, User
from preferences.gate import PREFERENCES_URL_NAME, answers_complete

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CPMS_URL_PREFIXES = ("/cpms/",)


@dataclass(frozen=True)
class Requirement:
    name: str
    is_met: Callable[[HttpRequest], bool]
    page: Callable[[HttpRequest], str]  # the URL of the page that fulfils it
    # Said on the page it sends to, when that page alone does not tell why the user is
    # there instead of the CPMS page asked for.
    message: "StrOrPromise | None" = None


def _is_logged_in(request: HttpRequest) -> bool:
    return request.user.is_authenticated


def _facts_query(user_id: int, at) -> QuerySet:
    """The gate's one query: an active CPMS membership, a verified phone
    (``User.has_verified_phone``) and an answer for every network ("The first time you
    login, please choose..."), each condition as its app defines it."""
    memberships = Membership.objects.active(at).filter(
        user=OuterRef("pk"), institution__application__code=access_settings.CPMS_APPLICATION_CODE
    )
    phones = SMSDevice.verified_of(OuterRef("pk"))
    return (
        User.objects.filter(pk=user_id)
        .annotate(
            membership=Exists(memberships),
            phone=Exists(phones),
            preferences=answers_complete(user_id, at),
        )
        .values_list("membership", "phone", "preferences")
    )


# Building that query with the ORM (nested querysets, three subqueries) cost more than
# running it: several milliseconds at every CPMS request. It is compiled once per
# process with these stand-ins, which each request replaces by its user and time.
_STAND_IN_USER = -7_000_000_001
_STAND_IN_AT = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


@functools.cache
def _compiled_facts_query(alias: str) -> tuple[str, tuple]:
    query = _facts_query(_STAND_IN_USER, _STAND_IN_AT).query
    sql, params = query.get_compiler(alias).as_sql()
    return sql, tuple(params)


def _run_facts_query(user_id: int | None, at) -> tuple[bool, bool, bool]:
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, params = _compiled_facts_query(alias)
    stand_in_at = connection.ops.adapt_datetimefield_value(_STAND_IN_AT)
    at_value = connection.ops.adapt_datetimefield_value(at)
    values = [
        user_id if p == _STAND_IN_USER else at_value if p == stand_in_at else p for p in params
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if not row:
        return False, False, False
    membership, phone, preferences = row
    return bool(membership), bool(phone), bool(preferences)


def _facts(request: HttpRequest) -> dict[str, bool]:
    """The gate's query, run once per request (see ``_facts_query``)."""
    facts = getattr(request, "_cpms_gate_facts", None)
    if facts is None:
        membership, phone, preferences = _run_facts_query(request.user.pk, timezone.now())
        facts = {"membership": membership, "phone": phone, "preferences": preferences}
        request._cpms_gate_facts = facts  # type: ignore[attr-defined]  # a cache of ours
    return facts


def _has_active_membership(request: HttpRequest) -> bool:
    return _facts(request)["membership"]


def _has_verified_phone(request: HttpRequest) -> bool:
    return _facts(request)["phone"]


def _preferences_answered(request: HttpRequest) -> bool:
    return _facts(request)["preferences"]


def _is_second_factor_verified(request: HttpRequest) -> bool:
    # is_verified is set by django-otp's OTPMiddleware; the login requirement came first.
    return request.user.is_authenticated and request.user.is_verified()


REQUIREMENTS: list[Requirement] = [
    Requirement("login", _is_logged_in, lambda r: resolve_url(settings.LOGIN_URL)),
    # The access-requests home says "You don't have any User Profile for this
    # Application, please click here to request an access", or that a pending request
    # "is being validated by the administrators".
    Requirement(
        "membership",
        _has_active_membership,
        lambda r: reverse("access_requests:home"),
        _("You can open CPMS once an administrator has approved your access request."),
    ),
    Requirement("phone", _has_verified_phone, lambda r: reverse("two_factor:phone")),
    Requirement(
        "second_factor", _is_second_factor_verified, lambda r: reverse("two_factor:challenge")
    ),
    # "The first time you login, please choose the thematic areas of your expertise."
    Requirement("preferences", _preferences_answered, lambda r: reverse(PREFERENCES_URL_NAME)),
]


def first_unmet(request: HttpRequest) -> Requirement | None:
    """The first requirement of the list that the request does not meet."""
    for requirement in REQUIREMENTS:
        if not requirement.is_met(request):
            return requirement
    return None


def check(request: HttpRequest) -> HttpResponse | None:
    """Where to send a CPMS request instead of its page, or None to let it through."""
    requirement = first_unmet(request)
    if requirement is None:
        return None
    page = requirement.page(request)
    if urlsplit(page).path == request.path:
        return None  # a requirement's own page (under /cpms/) is open once the ones before pass
    if requirement.name == "login":
        return redirect_to_login(request.get_full_path(), page)
    if requirement.message is not None:
        messages.info(request, requirement.message)
    separator = "&" if "?" in page else "?"
    return HttpResponseRedirect(
        f"{page}{separator}{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"
    )


class CPMSGateMiddleware:
    """Applies the requirements to every request under the CPMS URL prefixes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(CPMS_URL_PREFIXES):
            response = check(request)
            if response is not None:
                return response
        return self.get_response(request)
