"""Account pages beside allauth's: User Data details, privacy statement, own data, deletion."""

import json

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import mail, profile_sections, robot_check, services, sessions
from accounts.app_settings import app_settings
from accounts.forms import (
    AccountDeletionForm,
    NewLinkForm,
    PrivacyAcknowledgementForm,
    ProfileForm,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.middleware import needs_privacy_acknowledgement
from accounts.two_factor.views import second_factor_required
from accounts.urls_utils import parse_row_id, safe_next_url


@login_not_required
@never_cache
@require_GET
def robot_challenge(request: HttpRequest) -> JsonResponse:
    """A fresh ALTCHA challenge for the sign-up form's widget."""
    return JsonResponse(robot_check.create_challenge())


@login_not_required
@require_GET
def privacy_statement(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/privacy_statement.html",
        {"version": app_settings.PRIVACY_STATEMENT_VERSION},
    )


@require_http_methods(["GET", "POST"])
def privacy_acknowledge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The new version of the privacy statement, to acknowledge before going on."""
    next_url = safe_next_url(request, default="")
    # HttpResponseRedirect, not redirect(): a relative "next" such as "x" would be taken
    # for a URL name by redirect() and fail with NoReverseMatch (a 500).
    if not needs_privacy_acknowledgement(request.user):
        return HttpResponseRedirect(next_url or reverse("cpms-home"))
    form = PrivacyAcknowledgementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.acknowledge_privacy_statement(user=request.user, request=request)
        messages.success(request, _("Thank you: you acknowledged the privacy statement."))
        return HttpResponseRedirect(next_url or reverse("cpms-home"))
    return render(
        request,
        "accounts/privacy_acknowledge.html",
        {
            "form": form,
            "next": next_url,
            "version": app_settings.PRIVACY_STATEMENT_VERSION,
            "previous_version": request.user.privacy_version,
        },
    )


@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """User Data details: names and e-mail language; the address changes by verification."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        changed = services.update_profile(
            user=request.user,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            email_language=form.cleaned_data["email_language"],
            request=request,
        )
        if changed:
            messages.success(request, _("Your user data has been saved."))
        return redirect("accounts:profile")
    if request.method == "POST":
        request.user.refresh_from_db()  # the failed form must not show unsaved values as saved
    return render(
        request,
        "accounts/profile_detail.html",
        {
            "form": form,
            "sections": profile_sections.sections_for(request),
            "layout": profile_sections.profile_layout(),
            "user_sessions": sessions.sessions_of(request),
        },
    )


# Ending sessions protects the account, so no password again (reauthentication); but a
# session that has not passed the second factor must not end the member's verified ones.
@never_cache
@require_POST
@second_factor_required(come_back_to="accounts:profile")
def session_end(request: AuthenticatedHttpRequest) -> HttpResponse:
    """End one of the user's other sessions ("Your sessions" in User Data details)."""
    session_id = parse_row_id(request.POST.get("session", ""))
    if session_id is None or not sessions.end_session(request=request, session_id=session_id):
        raise Http404
    messages.success(request, _("The session has been ended."))
    return redirect("accounts:profile")


@never_cache
@require_POST
@second_factor_required(come_back_to="accounts:profile")
def sessions_end_others(request: AuthenticatedHttpRequest) -> HttpResponse:
    """End every session of the user but this one."""
    ended = sessions.end_other_sessions(request=request)
    if ended:
        messages.success(request, _("Your other sessions have been ended."))
    else:
        messages.info(request, _("You are not logged in anywhere else."))
    return redirect("accounts:profile")


@never_cache
@require_POST
@second_factor_required(come_back_to="accounts:profile")
def data_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download of everything the portal holds about the user, as JSON."""
    data = services.export_personal_data(user=request.user, request=request)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"cpms-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@second_factor_required()
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Delete the account after the password (and the second factor, if any); the audit
    trail keeps no identity."""
    form = AccountDeletionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(user=request.user, request=request)
        except services.AccountDeletionError as exc:
            messages.error(request, str(exc))
            return render(request, "accounts/account_delete.html", {"form": form})
        # The person is gone: end the session without a logout event naming them.
        request.user = AnonymousUser()  # type: ignore[assignment]  # no longer logged in
        logout(request)
        messages.success(request, _("Your account has been deleted."))
        return redirect("home")
    return render(request, "accounts/account_delete.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def new_link(request: HttpRequest) -> HttpResponse:
    """A new verification or password link, whatever happened to the old one."""
    form = NewLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The link goes out after the page: a known address must take no longer.
        with mail.sending_deferred() as queued:
            if ratelimit.consume(
                request, action="reset_password", key=form.cleaned_data["email"].lower()
            ):
                services.send_new_link(email=form.cleaned_data["email"], request=request)
        response = render(
            request, "accounts/new_link_sent.html", {"email": form.cleaned_data["email"]}
        )
        return mail.send_after_response(response, queued)
    return render(request, "accounts/new_link_request.html", {"form": form})
