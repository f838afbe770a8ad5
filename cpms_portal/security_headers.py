"""The one security header Django has no setting for: Permissions-Policy.

Django's SecurityMiddleware sets HSTS, nosniff, Referrer-Policy and COOP, the CSP
middleware the Content-Security-Policy, XFrameOptionsMiddleware X-Frame-Options;
this adds Permissions-Policy so that no page (or injected frame) may use the
camera, microphone, location, payment or similar browser features. WebAuthn
(security keys, passkeys) stays allowed for the portal's own origin.
"""

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
