from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from access_requests import selectors
from access_requests.models import Membership
from access_requests.reference_data import ECP_CODE
from cpms_portal.app_settings import app_settings


@login_not_required
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """The guide's CPMS login page: what the CPMS is, how to get in, where to get help."""
    ecp_url = reverse("access_requests:wizard-application")
    ecp = selectors.application_by_code(ECP_CODE)
    if ecp is not None:
        ecp_url += "?" + urlencode({"application": ecp.pk})
    return render(
        request,
        "cpms_portal/landing.html",
        {"ecp_url": ecp_url, "setup_video_url": app_settings.SETUP_VIDEO_URL},
    )


def cpms_home(request: HttpRequest) -> HttpResponse:
    """The CPMS area's home: the member's networks, institutions and profiles."""
    memberships = (
        Membership.objects.active()
        .filter(user=request.user)
        .select_related("network", "institution__parent", "profile")
        .order_by("network__code", "institution__code", "profile__position")
    )
    return render(request, "cpms_portal/cpms_home.html", {"memberships": memberships})


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, allauth's)."""
    return redirect(static("img/favicon.svg"), permanent=True)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the database and the cache answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure is reported, not raised
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error: no round trip"
    except Exception as exc:
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


@login_not_required
@require_GET
def bench_floor(request: HttpRequest) -> HttpResponse:
    """Benchmarks only: the cheapest Django view, through the whole middleware stack."""
    return HttpResponse(b"ok", content_type="text/plain")
