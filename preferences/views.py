"""Pages of the preferences app: first-login expertise and the directory of experts."""

from http import HTTPStatus

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.pagination import CappedCountPaginator
from accounts.urls_utils import safe_next_url
from preferences import selectors, services
from preferences.app_settings import app_settings
from preferences.forms import DirectoryListingForm, DirectorySearchForm, ExpertiseForm


@require_http_methods(["GET", "POST"])
def expertise_update(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Update ERN Preferences": one table of thematic areas per active network."""
    items = selectors.preferences_of(request.user)
    data = request.POST if request.method == "POST" else None
    for item in items:
        initial = None
        if item.expertise is not None:
            initial = {
                "none": item.expertise.is_none,
                "areas": [a.pk for a in item.expertise.areas.all() if a.retired_at is None],
            }
        item.form = ExpertiseForm(data, network=item.network, areas=item.areas, initial=initial)
    next_url = safe_next_url(request, default="")
    if request.method == "POST" and items and all([item.form.is_valid() for item in items]):
        try:
            services.save_expertise(
                user=request.user,
                answers=[item.form.answer() for item in items],
                request=request,
            )
        except services.PreferencesError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your ERN preferences have been saved."))
            return redirect(next_url or reverse("cpms-home"))
    return render(
        request,
        "preferences/expertise_update.html",
        {"items": items, "next": next_url, "has_errors": any(i.form.errors for i in items)},
    )


def _directory_denied(request: HttpRequest) -> HttpResponse:
    return render(request, "preferences/directory_denied.html", status=HTTPStatus.FORBIDDEN)


@require_http_methods(["GET"])
def directory(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The directory of experts: members of the viewer's networks, searchable."""
    networks = list(selectors.member_networks(request.user))
    if not networks:
        return _directory_denied(request)
    form = DirectorySearchForm(
        request.GET or None,
        networks=networks,
        areas=list(selectors.directory_areas(networks)),
        countries=selectors.directory_countries(networks),
    )
    cap = app_settings.DIRECTORY_COUNT_CAP
    if form.is_bound and not form.is_valid():
        # A choice that is not offered (e.g. another network's area) finds nobody.
        experts, count = User.objects.none(), 0
    else:
        criteria = {k: v for k, v in form.cleaned_data.items() if v} if form.is_bound else {}
        experts = selectors.search_experts(viewer_networks=networks, **criteria)
        count = selectors.count_experts(viewer_networks=networks, cap=cap, **criteria)
    page = CappedCountPaginator(
        experts, app_settings.DIRECTORY_PAGE_SIZE, cap=cap, counted=count
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "preferences/directory_search.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.expert_rows(page.object_list, viewer_networks=networks),
            "query": query.urlencode(),
            "listing_form": DirectoryListingForm(
                initial={"hidden": not selectors.is_listed(request.user)}
            ),
        },
    )


@require_POST
def directory_listing_update(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Hide the member from the directory of experts, or list them again."""
    if not selectors.member_networks(request.user).exists():
        return _directory_denied(request)
    form = DirectoryListingForm(request.POST)
    form.is_valid()  # a lone checkbox cannot be invalid
    hidden = form.cleaned_data["hidden"]
    services.set_directory_listing(user=request.user, hidden=hidden, request=request)
    if hidden:
        messages.success(
            request,
            _("You are hidden from the directory: others can't find you or invite you."),
        )
    else:
        messages.success(request, _("You are listed in the directory of experts again."))
    return redirect("preferences:directory")
