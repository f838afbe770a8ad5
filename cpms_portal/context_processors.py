from django.conf import settings


def portal(request):
    """Values every page's layout needs."""
    return {
        "SUPPORT_EMAIL": settings.CPMS_SUPPORT_EMAIL,
        "PORTAL_NAME": "ERN CPMS",
    }
