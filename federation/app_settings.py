"""Typed settings of the federation app (prefix ``FEDERATION_``), each with its one default;
cpms_portal/settings.py maps the environment variables onto them."""

from django.conf import settings

# RFC 8176 methods that are a second factor by themselves ("mfa" says several were used).
MFA_AMR_VALUES = ("mfa", "otp", "hwk", "swk", "sms", "tel", "sc", "face", "fpt", "iris")


class AppSettings:
    prefix = "FEDERATION_"

    def _setting(self, name: str, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def ISSUER(self) -> str:
        """The identity provider's issuer URL; the federation is off while it is empty."""
        return str(self._setting("ISSUER", "")).rstrip("/")

    @property
    def CLIENT_ID(self) -> str:
        return str(self._setting("CLIENT_ID", ""))

    @property
    def CLIENT_SECRET(self) -> str:
        return str(self._setting("CLIENT_SECRET", ""))

    @property
    def NAME(self) -> str:
        """The provider's name on the buttons: "Login via EU Login"."""
        return str(self._setting("NAME", "EU Login"))

    @property
    def PROVIDER_ID(self) -> str:
        """The provider's id in the portal's URLs and in the linked accounts."""
        return str(self._setting("PROVIDER_ID", "eulogin"))

    @property
    def ENABLED(self) -> bool:
        return bool(self.ISSUER and self.CLIENT_ID)

    @property
    def TRUST_PROVIDER_MFA(self) -> bool:
        """When the provider asserts a second factor (``amr``/``acr``), skip the portal's own.

        Off by default: the portal's second factor is still asked."""
        return bool(self._setting("TRUST_PROVIDER_MFA", False))

    @property
    def MFA_ACR_VALUES(self) -> list[str]:
        """``acr`` values that mean a second factor was used (EU Login's are its own)."""
        return list(self._setting("MFA_ACR_VALUES", []))

    @property
    def TIMEOUT_SECONDS(self) -> float:
        """All the calls to the provider in one request of the portal, together (discovery,
        token, keys, user info): a provider that is down or slow gets a clear page in time."""
        return float(self._setting("TIMEOUT_SECONDS", 8.0))

    @property
    def DISCOVERY_CACHE_SECONDS(self) -> int:
        return int(self._setting("DISCOVERY_CACHE_SECONDS", 3600))


app_settings = AppSettings()
