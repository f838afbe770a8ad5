"""Typed settings of the project package (prefix ``PORTAL_``), each with its one default;
cpms_portal/settings.py only maps environment variables onto them."""

from allauth import app_settings as allauth_settings
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AppSettings:
    prefix = "PORTAL_"

    def _setting(self, name: str, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def SETUP_VIDEO_URL(self) -> str:
        """The guide's "Video: Getting Set-Up and Logged In to CPMS", where the ERN publishes
        one; the landing page lists it only when set (no placeholder link)."""
        return self._setting("SETUP_VIDEO_URL", "")

    @property
    def SESSION_IDLE_TIMEOUT(self) -> int:
        """Seconds without a request after which a session ends (``SESSION_COOKIE_AGE``
        bounds it from the login, however active)."""
        return self._setting("SESSION_IDLE_TIMEOUT", 30 * 60)

    @property
    def TRUST_REQUEST_ID_HEADER(self) -> bool:
        """Keep the client's ``X-Request-ID``: only behind a trusted proxy that sets it, so
        on by default when allauth trusts a proxy (``ALLAUTH_TRUSTED_PROXY_COUNT``)."""
        return self._setting("TRUST_REQUEST_ID_HEADER", allauth_settings.TRUSTED_PROXY_COUNT > 0)

    @property
    def BENCH_ENDPOINTS(self) -> bool:
        """Benchmarks only (bench/run): /bench/floor and the ``X-SQL-Queries`` header."""
        return self._setting("BENCH_ENDPOINTS", False)

    @property
    def ADMIN_SITE_HEADER(self) -> str:
        return self._setting("ADMIN_SITE_HEADER", _("ERN CPMS onboarding — administration"))


app_settings = AppSettings()
