"""allauth's OAuth2 login and callback views with the strict adapter (provider.py)."""

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404, HttpRequest

from federation.oidc.provider import FederationOAuth2Adapter


class FederationCallbackView(OAuth2CallbackView):
    adapter: FederationOAuth2Adapter

    def _get_state(self, request: HttpRequest, provider):
        # allauth unstashes the login's state here; the adapter checks the ID token's
        # nonce against it.
        state, response = super()._get_state(request, provider)
        self.adapter.state = state
        return state, response


@login_not_required
def login(request: HttpRequest, provider_id: str):
    try:
        return OAuth2LoginView.adapter_view(FederationOAuth2Adapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


@login_not_required
def callback(request: HttpRequest, provider_id: str):
    try:
        return FederationCallbackView.adapter_view(FederationOAuth2Adapter(request, provider_id))(
            request
        )
    except SocialApp.DoesNotExist:
        raise Http404 from None
