"""The pages' Content-Security-Policy lets a form's redirects end at the registered
clients: Chromium applies ``form-action`` to every redirect after a form is sent, so
the sign-in (password, SMS code, consent) that ends with the redirect to the client's
``redirect_uri`` would otherwise be blocked on its last step."""

from urllib.parse import urlsplit

from allauth.idp.oidc.models import Client
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP

CACHE_KEY = "oidc_provider:client-origins"


def client_origins() -> tuple[str, ...]:
    """The origins of every client's redirect URIs, kept in the shared cache until a
    client is saved (``services.save_client`` forgets them)."""
    origins = cache.get(CACHE_KEY)
    if origins is None:
        found = set()
        try:
            uris = list(Client.objects.values_list("redirect_uris", flat=True))
        except DatabaseError:  # not migrated yet, or the database away: the page still shows
            return ()
        for text in uris:
            for uri in text.split():
                parts = urlsplit(uri)
                if parts.scheme in ("http", "https") and parts.netloc:
                    found.add(f"{parts.scheme}://{parts.netloc}")
        origins = tuple(sorted(found))
        cache.set(CACHE_KEY, origins, timeout=None)
    return tuple(origins)


def forget_client_origins() -> None:
    cache.delete(CACHE_KEY)


class ClientFormActionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not hasattr(response, "_csp_config")
            and response.get("Content-Type", "").startswith("text/html")
            and settings.SECURE_CSP
        ):
            origins = client_origins()
            if origins:
                config = dict(settings.SECURE_CSP)
                config["form-action"] = [*config.get("form-action", [CSP.SELF]), *origins]
                response._csp_config = config
        return response
