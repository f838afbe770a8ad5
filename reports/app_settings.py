"""Typed settings of the reports app (prefix ``REPORTS_``), each with its one default."""

from django.conf import settings


class AppSettings:
    prefix = "REPORTS_"

    def _setting(self, name: str, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def DEFAULT_PERIOD_DAYS(self) -> int:
        """The period the page covers when no dates are given (ending today)."""
        return self._setting("DEFAULT_PERIOD_DAYS", 90)

    @property
    def SUPPRESS_BELOW(self) -> int:
        """Researchers see counts from 1 to this number minus one as "<N"."""
        return self._setting("SUPPRESS_BELOW", 5)

    @property
    def EXPORT_CHUNK_SIZE(self) -> int:
        """Rows fetched per round trip from the server-side cursor of an export."""
        return self._setting("EXPORT_CHUNK_SIZE", 2000)


app_settings = AppSettings()
