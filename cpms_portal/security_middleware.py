"""Small middlewares Django has no setting for.

``PermissionsPolicyMiddleware`` — the one security header Django has no setting for.

Django's SecurityMiddleware sets HSTS, nosniff, Referrer-Policy and COOP, the CSP
middleware the Content-Security-Policy, XFrameOptionsMiddleware X-Frame-Options;
this adds Permissions-Policy so that no page (or injected frame) may use the
camera, microphone, location, payment or similar browser features. WebAuthn
(security keys, passkeys) stays allowed for the portal's own origin.
"""

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import BadRequest, SuspiciousOperation, ValidationError
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "geolocation=()",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
        "browsing-topics=()",
        "publickey-credentials-create=(self)",
        "publickey-credentials-get=(self)",
    ]
)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class RejectNullCharactersMiddleware:
    """Answer 400 to a request whose parameters contain a NUL character.

    No field of the portal takes one; PostgreSQL refuses them in text, so one typed into
    a search box would otherwise end as a 500 on PostgreSQL only. Forms already refuse
    them (Django's ProhibitNullCharactersValidator); this covers every raw parameter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for params in [request.GET, request.POST] if request.method == "POST" else [request.GET]:
            for key, values in params.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise SuspiciousOperation("NUL character in a request parameter")
        return self.get_response(request)


class RejectMalformedAdminSelectionMiddleware:
    """Answer 400 to an admin action posted with a selected id that is not one of the
    model's (text, a decimal, a number too big for the column).

    Django's admin hands the ``_selected_action`` values straight to ``pk__in``, where
    such a value is a 500 on every model's list; the ids the list posts are always valid.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        model_admin = getattr(view_func, "model_admin", None)  # set on each ModelAdmin URL
        if request.method != "POST" or model_admin is None:
            return None
        pk = model_admin.model._meta.pk
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                pk.run_validators(pk.to_python(value))
        except ValidationError:
            raise BadRequest("Malformed id in an admin action's selection") from None
        return None
