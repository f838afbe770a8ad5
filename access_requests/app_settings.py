"""Typed settings of the access_requests app, each with its default."""

from django.conf import settings


class AppSettings:
    prefix = "CPMS_"

    def _setting(self, name: str, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def GUEST_ACCESS_DAYS(self) -> int:
        """How long a `0000 Guest Access` membership lasts before it expires."""
        return self._setting("GUEST_ACCESS_DAYS", 90)

    @property
    def CPMS_APPLICATION_CODE(self) -> str:
        return self._setting("APPLICATION_CODE", "cpms")

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
