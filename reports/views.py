from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from reports import selectors
from reports.exports import export_memberships_response
from reports.forms import ReportFilterForm
from reports.presentation import ROLE_HELP, build_report


def _network_or_404(request: HttpRequest, network_code: str):
    # A network the user may not report on does not exist for them (404, not 403).
    found = selectors.network_for_report(request.user, network_code)
    if found is None:
        raise Http404
    return found


@require_GET
def network_list(request: HttpRequest) -> HttpResponse:
    """The networks the member may report on, with their role in each."""
    return render(
        request,
        "reports/network_list.html",
        {"networks": selectors.reportable_networks(request.user)},
    )


@require_GET
def network_report(request: HttpRequest, network_code: str) -> HttpResponse:
    """A network's onboarding KPIs for a period, as the viewer's role may see them."""
    network, role = _network_or_404(request, network_code)
    form = ReportFilterForm.from_query(request.GET, network=network)
    report = None
    if form.is_valid():
        report = build_report(network, role, form.period(), form.filters())
    return render(
        request,
        "reports/network_detail.html",
        {
            "network": network,
            "role": role,
            "role_help": ROLE_HELP[role],
            "form": form,
            "report": report,
            "export_query": form.query_string() if report else "",
        },
    )


@require_GET
def network_export(
    request: AuthenticatedHttpRequest, network_code: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """The network's user list with the page's filters, streamed as CSV or XLSX."""
    network, role = _network_or_404(request, network_code)
    if not role.may_export:
        raise PermissionDenied
    form = ReportFilterForm.from_query(request.GET, network=network)
    if not form.is_valid():
        # The page shows what is wrong with the filters, as the user typed them.
        url = reverse("reports:network", args=[network.code])
        return redirect(f"{url}?{request.GET.urlencode()}")
    filters = form.filters()
    return export_memberships_response(
        selectors.network_memberships(network, filters),
        fmt,
        request.user,
        request,
        network=network,
        filters=filters.as_audit_data(),
        source="report",
    )
