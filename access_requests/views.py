"""The applicant's pages: the requests home and the four-step request wizard.

The wizard keeps its state in the URL (``application``, ``node``, ``organisation``,
``profile``): Back, Reload and bookmarks behave, and nothing is written before
"Submit request access" (a POST). A step's form is sent to its own URL with
``go`` set; when valid, the view redirects to the next step.
"""

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_requests import selectors, services
from access_requests.app_settings import app_settings
from access_requests.forms import (
    ApplicationForm,
    InstitutionForm,
    OrganisationSearchForm,
    ProfileForm,
    SubmissionForm,
    WizardError,
    parse_id,
    resolve_application,
    resolve_institution,
    resolve_node,
)
from access_requests.models import AccessProfile, Application, Organisation
from accounts.http import AuthenticatedHttpRequest

DUPLICATE_MESSAGE = services.DuplicateRequest.default_message
INSTITUTIONS_PER_PAGE = 25
# Networks and countries are a few dozen; institutions may be thousands.
NODES_PER_PAGE = 100

STEPS = [
    (1, "access_requests:wizard-application", gettext_lazy("Select application")),
    (2, "access_requests:wizard-organisation", gettext_lazy("Select organisation")),
    (3, "access_requests:wizard-profile", gettext_lazy("Select access profile")),
    (4, "access_requests:wizard-recap", gettext_lazy("Recap and Submission")),
]


def step_url(name: str, **params) -> str:
    """The URL of a wizard step carrying the state given (empty values are left out)."""
    query = {k: v for k, v in params.items() if v not in (None, "", [])}
    url = reverse(name)
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


def _steps(
    current: int,
    *,
    application: Application | None = None,
    institution: Organisation | None = None,
    profiles: Iterable[AccessProfile] = (),
) -> list[dict]:
    """The step indicator: earlier steps are links that keep what was chosen."""
    state: dict[int, dict[str, Any]] = {
        1: {"application": application and application.pk},
        2: {
            "application": application and application.pk,
            "node": institution and institution.parent_id,
            "organisation": institution and institution.pk,
        },
        3: {
            "application": application and application.pk,
            "organisation": institution and institution.pk,
            "profile": [p.pk for p in profiles],
        },
    }
    return [
        {
            "number": number,
            "label": label,
            "current": number == current,
            "url": step_url(name, **state[number]) if number < current else "",
        }
        for number, name, label in STEPS
    ]


def _error_page(request: HttpRequest, error: WizardError) -> HttpResponse:
    return render(
        request,
        "access_requests/wizard_error.html",
        {"message": str(error), "status": error.status},
        status=error.status,
    )


# --- Home ---------------------------------------------------------------------------------


@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The authorisation system's Home: the user's requests and granted profiles."""
    user = request.user
    access_requests = list(selectors.requests_of_user(user=user))
    return render(
        request,
        "access_requests/request_list.html",
        {
            "access_requests": access_requests,
            "remindable": {r.pk for r in access_requests if services.can_send_reminder(r)},
            "memberships": selectors.memberships_of_user(user=user),
            "applications_without_profile": selectors.applications_without_profile(user=user),
            "has_pending_request": selectors.has_pending_request(user=user),
        },
    )


# --- Step 1 -------------------------------------------------------------------------------


@require_GET
def wizard_application(request: HttpRequest) -> HttpResponse:
    """Step 1: Select an application."""
    if "go" in request.GET:
        form = ApplicationForm(request.GET)
        if form.is_valid():
            return redirect(
                step_url(
                    "access_requests:wizard-organisation",
                    application=form.cleaned_data["application"].pk,
                )
            )
    else:
        try:
            initial = parse_id(request.GET.get("application"), what="application")
        except WizardError:
            initial = None
        form = ApplicationForm(initial={"application": initial})
    # An application named in the link but closed (the landing page's ECP link): say so.
    chosen = form.initial.get("application") and selectors.application_by_pk(
        form.initial["application"]
    )
    return render(
        request,
        "access_requests/wizard_application.html",
        {
            "form": form,
            "steps": _steps(1),
            "closed_application": chosen if chosen and not chosen.is_open else None,
        },
    )


# --- Step 2 -------------------------------------------------------------------------------


@require_GET
def wizard_organisation(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 2: navigate the organisation tree; at the institution level, select one."""
    try:
        application = resolve_application(request.GET)
        node = resolve_node(request.GET, application)
    except WizardError as error:
        return _error_page(request, error)

    at_institutions = node is not None and node.kind == Organisation.Kind.COUNTRY
    form = InstitutionForm(request.GET if "go" in request.GET else None, application=application)
    if form.is_bound and form.is_valid():
        institution = form.cleaned_data["organisation"]
        return redirect(
            step_url(
                "access_requests:wizard-profile",
                application=application.pk,
                organisation=institution.pk,
            )
        )

    search_form = OrganisationSearchForm(request.GET if at_institutions else {})
    search = search_form.search()
    rows = selectors.organisation_children(application=application, parent=node, search=search)
    per_page = INSTITUTIONS_PER_PAGE if at_institutions else NODES_PER_PAGE
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    children = list(page.object_list)
    submitted_at = (
        selectors.institutions_with_open_request(
            user=request.user, institution_ids=[c.pk for c in children]
        )
        if at_institutions
        else set()
    )
    selected = request.GET.get("organisation", "")

    def tree_url(**params) -> str:
        return step_url(
            "access_requests:wizard-organisation", application=application.pk, **params
        )

    def page_url(number: int | str) -> str:  # or the elided range's ellipsis
        return tree_url(node=node and node.pk, q=search, organisation=selected, page=number)

    return render(
        request,
        "access_requests/wizard_organisation.html",
        {
            "application": application,
            "node": node,
            "path": [
                (n, tree_url(node=n.pk)) for n in ([*node.ancestors(), node] if node else [])
            ],
            "root_url": tree_url(),
            "up_url": tree_url(node=node.parent_id) if node is not None else "",
            "rows": [
                {
                    "organisation": child,
                    "open_url": "" if child.is_institution else tree_url(node=child.pk),
                    "submitted": child.pk in submitted_at,
                    "checked": str(child.pk) == selected,
                }
                for child in children
            ],
            "page": page,
            "page_urls": [
                (number, page_url(number))
                for number in page.paginator.get_elided_page_range(page.number)
            ],
            "previous_url": page_url(page.previous_page_number()) if page.has_previous() else "",
            "next_url": page_url(page.next_page_number()) if page.has_next() else "",
            "search": search,
            "search_form": search_form,
            "selected": selected,
            "at_institutions": at_institutions,
            "form": form,
            "per_page": per_page,
            "steps": _steps(2, application=application),
            "back_url": step_url("access_requests:wizard-application", application=application.pk),
        },
    )


# --- Step 3 -------------------------------------------------------------------------------


def _profile_form(request: AuthenticatedHttpRequest, params, *, bound: bool):
    application = resolve_application(params)
    institution = resolve_institution(params, application)
    form = ProfileForm(
        params if bound else None,
        initial=params if not bound else None,
        application=application,
        institution=institution,
        user=request.user,
    )
    return application, institution, form


def _back_to_organisation(application, institution) -> str:
    return step_url(
        "access_requests:wizard-organisation",
        application=application.pk,
        node=institution.parent_id,
        organisation=institution.pk,
    )


@require_GET
def wizard_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 3: Select access profile."""
    try:
        application, institution, form = _profile_form(
            request, request.GET, bound="go" in request.GET
        )
    except WizardError as error:
        return _error_page(request, error)
    if form.is_bound and form.is_valid():
        return redirect(
            step_url(
                "access_requests:wizard-recap",
                application=application.pk,
                organisation=institution.pk,
                profile=[p.pk for p in form.cleaned_data["profile"]],
            )
        )
    return render(
        request,
        "access_requests/wizard_profile.html",
        {
            "application": application,
            "institution": institution,
            "form": form,
            "steps": _steps(3, application=application, institution=institution),
            "back_url": _back_to_organisation(application, institution),
            "guest_days": app_settings.GUEST_ACCESS_DAYS,
        },
    )


# --- Step 4 -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def wizard_recap(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 4: Recap and Submission; "Submit request access" is the wizard's only write."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        application, institution, profile_form = _profile_form(request, params, bound=True)
    except WizardError as error:
        return _error_page(request, error)
    state = {"application": application.pk, "organisation": institution.pk}
    back_url = step_url(
        "access_requests:wizard-profile", **state, profile=profile_form.chosen_ids()
    )
    if not profile_form.is_valid():
        if request.method == "POST" and profile_form.only_pending_errors():
            messages.error(request, DUPLICATE_MESSAGE)
            return redirect("access_requests:home")
        return redirect(
            step_url(
                "access_requests:wizard-profile",
                **state,
                profile=profile_form.chosen_ids(),
                go=1,
            )
        )
    profiles = profile_form.cleaned_data["profile"]
    form = SubmissionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            access_request = services.submit_request(
                user=request.user,
                institution=institution,
                profiles=profiles,
                comment=form.cleaned_data["comment"],
                request=request,
            )
        except services.DuplicateRequest as exc:
            messages.error(request, str(exc))
            return redirect("access_requests:home")
        except services.RequestError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(back_url)
        return redirect("access_requests:request-submitted", pk=access_request.pk)
    return render(
        request,
        "access_requests/wizard_recap.html",
        {
            "application": application,
            "institution": institution,
            "profiles": profiles,
            "form": form,
            "steps": _steps(
                4, application=application, institution=institution, profiles=profiles
            ),
            "back_url": back_url,
            "guest_days": app_settings.GUEST_ACCESS_DAYS,
        },
        status=HTTPStatus.OK if not form.errors else HTTPStatus.BAD_REQUEST,
    )


# --- After the wizard ---------------------------------------------------------------------


@require_GET
def request_submitted(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The confirmation after "Submit request access": what happens next."""
    access_request = get_object_or_404(selectors.request_of_user(user=request.user, pk=pk))
    return render(
        request,
        "access_requests/request_submitted.html",
        {
            "access_request": access_request,
            "has_verified_phone": request.user.has_verified_phone(),
        },
    )


@require_http_methods(["GET", "POST"])
def request_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The owner withdraws a pending request, after confirming it (a POST)."""
    access_request = get_object_or_404(selectors.request_of_user(user=request.user, pk=pk))
    if request.method == "POST":
        try:
            services.withdraw_request(
                access_request=access_request, user=request.user, request=request
            )
        except services.RequestError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your request has been withdrawn."))
        return redirect("access_requests:home")
    return render(
        request,
        "access_requests/request_withdraw.html",
        {"access_request": access_request, "can_withdraw": access_request.is_open},
    )


@require_POST
def request_remind(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The owner reminds the administrators of a request pending for a few days (once)."""
    access_request = get_object_or_404(selectors.request_of_user(user=request.user, pk=pk))
    try:
        services.send_reminder(access_request=access_request, user=request.user, request=request)
    except services.RequestError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("A reminder has been sent to the administrators."))
    return redirect("access_requests:home")
