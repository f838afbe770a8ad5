"""Typed settings of the access_requests app (prefix ``ACCESS_REQUESTS_``), each with its
one default; cpms_portal/settings.py only maps environment variables onto them."""

from django.conf import settings


class AppSettings:
    prefix = "ACCESS_REQUESTS_"

    def _setting(self, name: str, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def GUEST_ACCESS_DAYS(self) -> int:
        """How long a `0000 Guest Access` membership lasts before it expires."""
        return self._setting("GUEST_ACCESS_DAYS", 90)

    @property
    def CPMS_APPLICATION_CODE(self) -> str:
        """The code of the CPMS application: its memberships open the CPMS area."""
        return self._setting("CPMS_APPLICATION_CODE", "cpms")

    @property
    def GUEST_EXPIRY_REMINDER_DAYS(self) -> int:
        """How many days before a guest membership expires its member is reminded."""
        return self._setting("GUEST_EXPIRY_REMINDER_DAYS", 14)

    @property
    def DIGEST_AFTER_WORKING_DAYS(self) -> int:
        """Requests waiting longer than this many working days go into the daily digest."""
        return self._setting("DIGEST_AFTER_WORKING_DAYS", 2)

    @property
    def REMINDER_AFTER_DAYS(self) -> int:
        """An applicant may send one reminder once a request has waited this many days."""
        return self._setting("REMINDER_AFTER_DAYS", 3)


app_settings = AppSettings()
