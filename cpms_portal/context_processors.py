from django.urls import reverse

from accounts.app_settings import app_settings as accounts_settings
from federation.app_settings import app_settings as federation_settings


def portal(request):
    """Values every page's layout needs."""
    return {
        "SUPPORT_EMAIL": accounts_settings.SUPPORT_EMAIL,
        "PORTAL_NAME": "ERN CPMS",
        # "Login via EU Login": the federation's login, when the operator configured one.
        "FEDERATION": (
            {
                "name": federation_settings.NAME,
                "login_url": reverse(
                    "openid_connect_login", kwargs={"provider_id": federation_settings.PROVIDER_ID}
                ),
            }
            if federation_settings.ENABLED
            else None
        ),
    }
