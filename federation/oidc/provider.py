"""django-allauth's generic OpenID Connect provider, made strict for a federation.

Registered in place of allauth's class by its own ``provider_class`` setting
(``SOCIALACCOUNT_PROVIDERS["openid_connect"]``), so allauth's flows, state, PKCE,
signup and connections stay allauth's. What it adds, and why:

- a ``nonce`` in every authorisation request, checked in the ID token (allauth's
  generic provider sends none: a token issued for another login would be accepted);
- the ID token's signature always checked, with asymmetric algorithms only (allauth
  skips the check when the token came from the token endpoint);
- the discovery document cached, and its ``issuer`` required to be the configured one;
- the user info's ``sub`` required to be the ID token's (OpenID Connect Core 5.3.2).
"""

import hmac
import secrets

import requests
from allauth.core.internal.deferred import jwt
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.core.cache import cache
from django.http import HttpRequest

from federation.app_settings import app_settings

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
REQUIRED_DISCOVERY = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class FederationOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    # The state of the login being completed (its nonce), set by the callback view.
    state: dict | None = None

    @property
    def openid_config(self) -> dict:
        if not hasattr(self, "_openid_config"):
            provider = self.get_provider()
            key = f"federation:discovery:{provider.server_url}"
            config = cache.get(key)
            if config is None:
                config = self._fetch_discovery(provider)
                cache.set(key, config, app_settings.DISCOVERY_CACHE_SECONDS)
            self._openid_config = config
        return self._openid_config

    def _fetch_discovery(self, provider) -> dict:
        with get_adapter().get_requests_session() as session:
            response = session.get(provider.server_url)
            response.raise_for_status()
            try:
                config = response.json()
            except ValueError as exc:
                raise OAuth2Error("The discovery document is not JSON.") from exc
        if not isinstance(config, dict) or any(
            not isinstance(config.get(name), str) for name in REQUIRED_DISCOVERY
        ):
            raise OAuth2Error("The discovery document lacks the endpoints.")
        expected = provider.app.settings.get("issuer") or provider.app.settings["server_url"]
        if config["issuer"].rstrip("/") != expected.rstrip("/"):
            raise OAuth2Error("The discovery document names another issuer.")
        config.update(provider.app.settings.get("openid_configuration_overrides", {}))
        return config

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        response = kwargs.get("response")
        if not isinstance(response, dict) or not isinstance(response.get("id_token"), str):
            raise OAuth2Error("The token response holds no ID token.")
        id_token = self._decode_id_token(app, response["id_token"])
        data: dict = {"id_token": id_token}
        if app.settings.get("fetch_userinfo", True) and self.openid_config.get(
            "userinfo_endpoint"
        ):
            userinfo = self._fetch_user_info(token.token)
            if not isinstance(userinfo, dict) or userinfo.get("sub") != id_token.get("sub"):
                raise OAuth2Error("The user info is about someone else.")
            data["userinfo"] = userinfo
        return self.get_provider().sociallogin_from_response(request, data)

    def _decode_id_token(self, app, id_token: str) -> dict:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OAuth2Error("The ID token is not a JWT.") from exc
        if header.get("alg") not in ASYMMETRIC_ALGORITHMS or not header.get("kid"):
            raise OAuth2Error("The ID token is not signed with a key of the provider.")
        try:
            data = jwtkit.verify_and_decode(
                credential=id_token,
                keys_url=self.openid_config["jwks_uri"],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                lookup_kid=jwtkit.lookup_kid_jwk,
                verify_signature=True,
            )
        except (KeyError, TypeError, ValueError) as exc:  # a key set that is not one
            raise OAuth2Error("The provider's keys cannot be read.") from exc
        expected = (self.state or {}).get("nonce")
        nonce = data.get("nonce")
        if not (
            isinstance(expected, str)
            and isinstance(nonce, str)
            and hmac.compare_digest(expected, nonce)
        ):
            raise OAuth2Error("The ID token's nonce is not this login's.")
        return data


class FederationProvider(OpenIDConnectProvider):
    oauth2_adapter_class = FederationOAuth2Adapter
    # allauth builds the provider's URLs from this package's urls.py.
    package = "federation.oidc"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The name on the pages ("Login via EU Login") is the app's setting, not the app's.
        self.name = app_settings.NAME

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        kwargs["auth_params"] = {**auth_params, "nonce": nonce}
        try:
            # What is stashed beside allauth's state comes back to the callback with it.
            return super().redirect(request, process, next_url, data, nonce=nonce, **kwargs)
        except (requests.RequestException, OAuth2Error) as exc:  # discovery failed
            return render_authentication_error(request, self, exception=exc)
