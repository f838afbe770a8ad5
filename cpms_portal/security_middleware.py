"""Two small middlewares Django has no setting for.

``PermissionsPolicyMiddleware`` — the one security header Django has no setting for.

Django's SecurityMiddleware sets HSTS, nosniff, Referrer-Policy and COOP, the CSP
middleware the Content-Security-Policy, XFrameOptionsMiddleware X-Frame-Options;
this adds Permissions-Policy so that no page (or injected frame) may use the
camera, microphone, location, payment or similar browser features. WebAuthn
(security keys, passkeys) stays allowed for the portal's own origin.
"""

from django.core.exceptions import SuspiciousOperation
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
