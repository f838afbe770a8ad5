from accounts.app_settings import app_settings as accounts_settings


def portal(request):
    """Values every page's layout needs."""
    return {
        "SUPPORT_EMAIL": accounts_settings.SUPPORT_EMAIL,
        "PORTAL_NAME": "ERN CPMS",
    }
