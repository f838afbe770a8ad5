"""django-allauth's provider endpoints with the portal's rules in front of them.

- authorization: the portal's gate first (second factor verified in this session,
  preferences when the application is CPMS; the privacy statement has its middleware),
  then a membership of the client's application, else a page that says so; consent is
  asked once per client and remembered;
- token: rate-limited, refused when the user's access has ended, each answer audited;
- userinfo: 401 once the user's access has ended.

Everything else (discovery, JWKS, revocation, logout) is allauth's view as it is.
"""

import json
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode, urlsplit

from allauth.core.internal import httpkit, ratelimit
from allauth.idp.oidc import views as idp_views
from allauth.idp.oidc.internal.oauthlib.utils import get_uri, get_validator_context
from allauth.idp.oidc.internal.resources import get_resources
from allauth.idp.oidc.models import Client, Token
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from access_requests.app_settings import app_settings as access_settings
from accounts.http import AuthenticatedHttpRequest, is_authenticated
from accounts.models import User
from accounts.two_factor.selectors import enrolled_methods
from oidc_provider import selectors, services
from preferences.gate import PREFERENCES_URL_NAME, answers_complete

MAX_CLIENT_ID = 100
ACCESS_ENDED = "The user's access to this application has ended."
# oauthlib's test of a query string (oauthlib.common.urldecode): a "%" not followed by
# two hex digits, which Django reads as it is and oauthlib refuses with a ValueError.
_BAD_PERCENT_ESCAPE = re.compile(r"%[^0-9A-Fa-f]|%[0-9A-Fa-f][^0-9A-Fa-f]")


def _malformed(request: HttpRequest, *, resources: bool = True) -> tuple[str, str] | None:
    """The OAuth error of a request that oauthlib or allauth would answer with a 500:
    a query string oauthlib cannot decode, a ``redirect_uri`` urllib cannot parse, a
    ``claims`` parameter that is not a JSON object, a ``resource`` that is not an
    absolute URI (RFC 8707), HTTP Basic credentials whose client id has a NUL (which
    PostgreSQL refuses when the client is looked up). None if it is none of these."""
    client_id, _secret = httpkit.extract_basic_auth(
        {"Authorization": request.META.get("HTTP_AUTHORIZATION", "")}
    )
    if client_id and "\x00" in client_id:
        return "invalid_request", "The client credentials contain a NUL character."
    if _BAD_PERCENT_ESCAPE.search(urlsplit(get_uri(request)).query):
        return "invalid_request", "The query string is not correctly percent-encoded."
    for uri in request.GET.getlist("redirect_uri") + request.POST.getlist("redirect_uri"):
        try:
            urlsplit(uri).port  # noqa: B018 (read as allauth reads it when comparing)
        except ValueError:  # an IPv6 address without its "]", a port out of range or text
            return "invalid_request", "The redirect_uri is not a URI."
    for claims in request.GET.getlist("claims") + request.POST.getlist("claims"):
        try:
            is_object = isinstance(json.loads(claims), dict)
        except ValueError:
            is_object = False
        if not is_object:
            return "invalid_request", "The claims parameter is not a JSON object."
    if resources:
        try:
            get_resources(request)
        except (ValidationError, ValueError):
            return "invalid_target", "A resource is not an absolute URI."
    return None


def _error_page(request: HttpRequest, description: str) -> HttpResponse:
    """allauth's page of a request that cannot be sent back to the client."""
    context = {"error": {"description": description}}
    return render(request, "idp/oidc/error.html", context, status=HTTPStatus.BAD_REQUEST)


def _client(client_id: object) -> Client | None:
    if not isinstance(client_id, str) or not client_id or len(client_id) > MAX_CLIENT_ID:
        return None
    return Client.objects.filter(pk=client_id).first()


def _preferences_answered(user: User) -> bool:
    now = timezone.now()
    row = User.objects.filter(pk=user.pk).annotate(ok=answers_complete(user.pk, now))
    return bool(row.values_list("ok", flat=True).first())


def _with_next(url_name: str, request: HttpRequest) -> HttpResponse:
    query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
    return HttpResponseRedirect(f"{reverse(url_name)}?{query}")


def refusal(request: AuthenticatedHttpRequest, client: Client, reason: str) -> HttpResponse:
    """The page of a user the client's application does not let in, with the way in."""
    application = selectors.application_of(client)
    services.record_authorization_refused(
        user=request.user, client=client, reason=reason, request=request
    )
    wizard = reverse("access_requests:wizard-application")
    if application is not None:
        wizard += "?" + urlencode({"application": application.pk})
    return render(
        request,
        "oidc_provider/authorization_refused.html",
        {"client": client, "application": application, "wizard_url": wizard, "reason": reason},
        status=HTTPStatus.FORBIDDEN,
    )


def portal_gate(request: AuthenticatedHttpRequest, client: Client) -> HttpResponse | None:
    """Where the user goes instead of the client, or None to let them through."""
    user = request.user
    if not selectors.may_use(user, client):
        return refusal(request, client, "no_membership")
    if not user.is_verified():  # django-otp: a second factor verified in this session
        has_factor = bool(enrolled_methods(user))
        return _with_next("two_factor:challenge" if has_factor else "two_factor:phone", request)
    application = selectors.application_of(client)
    is_cpms = application is not None and application.code == access_settings.CPMS_APPLICATION_CODE
    if is_cpms and not _preferences_answered(user):
        return _with_next(PREFERENCES_URL_NAME, request)
    return None


class AuthorizationView(idp_views.AuthorizationView):
    # Read only past allauth's _login_required (the consent form and its answer).
    request: AuthenticatedHttpRequest

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        error = _malformed(request)
        if error is not None:
            return _error_page(request, error[1])
        client = _client(request.GET.get("client_id"))
        if is_authenticated(request) and client is not None:
            prompts = request.GET.get("prompt", "").split()
            if "login" not in prompts:
                gate = portal_gate(request, client)
                if gate is not None and "none" in prompts:
                    # Not signed in for this client: allauth answers login_required.
                    request.user = AnonymousUser()  # type: ignore[assignment]
                elif gate is not None:
                    return gate
        response = super().get(request, *args, **kwargs)
        self._record_grant(request)
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        error = _malformed(request, resources=False)
        if error is not None:
            return _error_page(request, error[1])
        return super().post(request, *args, **kwargs)

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        # The consent page, unless the user allowed this client these scopes before.
        if selectors.remembered_consent(
            self.request.user, self._request_info["client_id"], list(self._scopes)
        ):
            # allauth's _skip_consent, for scopes allowed before (the context is built).
            form_kwargs = self.get_form_kwargs()
            form_kwargs["data"] = {"scopes": list(self._scopes), "request": "remembered"}
            form = self.form_class(**form_kwargs)
            if form.is_valid():
                return self.form_valid(form)
        return super().render_to_response(context, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        # allauth's consent page again, for a client that may be gone since it was shown.
        if _client(self._request_info.get("client_id")) is None:
            return _error_page(self.request, "The application is no longer registered.")
        return super().form_invalid(form)

    def form_valid(self, form) -> HttpResponse:
        client = _client(self._request_info.get("client_id"))
        if client is None:
            return super().form_valid(form)
        gate = portal_gate(self.request, client)
        if gate is not None:
            return gate
        response = super().form_valid(form)
        if self.request.method == "POST" and get_validator_context().grant_id:
            services.remember_consent(
                user=self.request.user,
                client=client,
                scopes=list(form.cleaned_data["scopes"]),
                request=self.request,
            )
        self._record_grant(self.request)
        return response

    def _record_grant(self, request: HttpRequest) -> None:
        ctx = get_validator_context()
        if not ctx.grant_id or not request.user.is_authenticated:
            return
        client = _client(getattr(self, "_request_info", {}).get("client_id"))
        client = client or _client(request.GET.get("client_id"))
        if client is not None:
            services.record_grant_authentication(
                grant_id=ctx.grant_id,
                user=request.user,
                client=client,
                request=request,
                auth_time=request.user.last_login or timezone.now(),
            )


def _oauth_error(
    error: str, description: str, status: int = HTTPStatus.BAD_REQUEST
) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response


class TokenView(idp_views.TokenView):
    def post(self, request: HttpRequest) -> HttpResponse:
        if not ratelimit.consume(request, action="token", app="allauth.idp.oidc"):
            response: HttpResponse = _oauth_error(
                "temporarily_unavailable",
                "Too many token requests: try again later.",
                HTTPStatus.TOO_MANY_REQUESTS,
            )
            response["Retry-After"] = "60"
            return response
        error = _malformed(request)
        if error is not None:
            return _oauth_error(*error)
        grant_type = request.POST.get("grant_type", "")
        held = self._presented_grant(request, grant_type)
        if (
            held is not None
            and held.client is not None
            and not selectors.may_use(held.user, held.client)
        ):
            services.refuse_token(
                user=held.user,
                client=held.client,
                reason="access_ended",
                grant=grant_type,
                request=request,
            )
            return _oauth_error(
                "invalid_grant", "The user's access to this application has ended."
            )
        response = super().post(request)
        ctx = get_validator_context()
        issued = ctx.issued_access_token
        if response.status_code == HTTPStatus.OK and issued is not None and issued.client:
            services.record_token_issued(
                user=issued.user, client=issued.client, grant_type=grant_type, request=request
            )
        elif response.status_code >= HTTPStatus.BAD_REQUEST:
            client = held.client if held is not None else _client(request.POST.get("client_id"))
            if client is not None:
                services.refuse_token(
                    user=None,
                    client=client,
                    reason=_error_code(response),
                    grant=grant_type,
                    request=request,
                )
        return response

    @staticmethod
    def _presented_grant(request: HttpRequest, grant_type: str) -> Token | None:
        kinds = {
            "authorization_code": ("code", Token.Type.AUTHORIZATION_CODE),
            "refresh_token": ("refresh_token", Token.Type.REFRESH_TOKEN),
        }
        if grant_type not in kinds:
            return None
        field, kind = kinds[grant_type]
        value = request.POST.get(field, "")
        if not value or len(value) > 4096:
            return None
        return (
            Token.objects.by_value(value)
            .filter(type=kind, user__isnull=False)
            .select_related("user", "client")
            .first()
        )


def _error_code(response: HttpResponse) -> str:
    try:
        return str(json.loads(response.content).get("error", "error"))[:64]
    except (ValueError, AttributeError):
        return "error"


class UserInfoView(idp_views.UserInfoView):
    def _respond(self, request: HttpRequest) -> HttpResponse:
        error = _malformed(request, resources=False)
        if error is not None:
            response: HttpResponse = _oauth_error(*error)
            response["WWW-Authenticate"] = f'Bearer error="{error[0]}"'
            return response
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() == "bearer" and value and len(value) <= 4096:
            token = (
                Token.objects.lookup(Token.Type.ACCESS_TOKEN, value.strip())
                if value.strip()
                else None
            )
            if (
                token is not None
                and token.client
                and not selectors.may_use(token.user, token.client)
            ):
                services.refuse_token(
                    user=token.user, client=token.client, reason="access_ended", request=request
                )
                response = HttpResponse(status=HTTPStatus.UNAUTHORIZED)
                response["WWW-Authenticate"] = (
                    'Bearer error="invalid_token", '
                    'error_description="The user\'s access to this application has ended."'
                )
                return response
        return super()._respond(request)


@csrf_exempt
@login_not_required
@require_POST
def device_code(request: HttpRequest) -> HttpResponse:
    """The device grant is not offered (no screenless device signs in to CPMS)."""
    return _oauth_error("unsupported_grant_type", "The device grant is not offered here.")


class RevokeView(idp_views.RevokeView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problem = _malformed(request, resources=False)
        if problem is not None:
            return _oauth_error(*problem)
        return super().post(request, *args, **kwargs)


class LogoutView(idp_views.LogoutView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        for uri in request.GET.getlist("post_logout_redirect_uri") + request.POST.getlist(
            "post_logout_redirect_uri"
        ):
            try:
                urlsplit(uri).port  # noqa: B018 (allauth reads it when comparing)
            except ValueError:
                return render(
                    request,
                    "idp/oidc/error.html",
                    {"error": {"description": _("The post_logout_redirect_uri is not a URI.")}},
                    status=HTTPStatus.BAD_REQUEST,
                )
        return super().dispatch(request, *args, **kwargs)


revoke = RevokeView.as_view()
logout = LogoutView.as_view()
authorization = AuthorizationView.as_view()
token = TokenView.as_view()
user_info = UserInfoView.as_view()


@require_POST
def consent_withdraw(request: AuthenticatedHttpRequest, client_id: str) -> HttpResponse:
    """User Data details: take an application's access back."""
    # No client id has a NUL, which PostgreSQL refuses in a query.
    if "\x00" not in client_id and services.withdraw_consent(
        user=request.user, client_id=client_id, request=request
    ):
        messages.success(request, _("The application's access has been withdrawn."))
    return redirect("accounts:profile")
