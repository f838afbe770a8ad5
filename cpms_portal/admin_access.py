"""The Django admin behind the portal's own login and second factor, with no way around.

Django's admin has a login form of its own: it would skip allauth's rate limits and
the second factor. Its login page is replaced by a redirect to the portal's login
(as allauth's ``secure_admin_login`` does, refusing non-staff), and the admin
opens only to a session verified with a second factor (django-otp's
``OTPAdminSite.has_permission`` rule, applied to the default site that every app
registers on). Its password change form is replaced the same way: it took guesses of
the current password without allauth's rate limit and changed it without an audit
event, so it sends to the portal's page.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse

from accounts.urls_utils import safe_next_url


def _is_second_factor_verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)  # set by OTPMiddleware
    return bool(is_verified and is_verified())


def has_admin_permission(request: HttpRequest) -> bool:
    """Active staff whose session passed a second factor."""
    user = request.user
    return user.is_active and user.is_staff and _is_second_factor_verified(request)


@login_not_required  # it answers visitors itself, with the admin's own next
def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Visitors go to the portal's login, non-staff get 403, staff without a verified
    second factor go to the challenge; each comes back to ``next`` afterwards."""
    next_url = safe_next_url(request, default="admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url, settings.LOGIN_URL)
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    if _is_second_factor_verified(request):
        return HttpResponseRedirect(next_url)
    try:
        challenge = reverse("two_factor:challenge")
    except NoReverseMatch:  # no second-factor page installed: no way into the admin
        raise PermissionDenied from None
    return HttpResponseRedirect(f"{challenge}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


def admin_password_change(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The portal's password change (rate-limited, audited, recent authentication)."""
    return HttpResponseRedirect(reverse("account_change_password"))


def secure_admin_site(site: admin.AdminSite) -> None:
    """Apply the portal's login, second factor and password change to ``site`` (before its
    URLs are built)."""
    # Instance attributes over the site's methods: mypy types those as fixed.
    site.login = admin_login  # type: ignore[method-assign]
    site.has_permission = has_admin_permission  # type: ignore[method-assign]
    site.password_change = admin_password_change  # type: ignore[method-assign,assignment]
