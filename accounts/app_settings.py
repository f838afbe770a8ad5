"""Typed settings of the accounts app (prefix ``ACCOUNTS_``), each with its one default
(allauth's pattern); cpms_portal/settings.py only maps environment variables onto them."""

from django.conf import settings

# EU member states, EEA and the guide's extra countries: the default allow-list
# for mobile numbers, which keeps SMS toll fraud to premium ranges elsewhere out.
EU_EEA_REGIONS = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
    "NO",
    "IS",
    "LI",
]


class AppSettings:
    prefix = "ACCOUNTS_"

    def _setting(self, name: str, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def SMS_BACKEND(self) -> str:
        return self._setting("SMS_BACKEND", "accounts.sms.ConsoleSMSBackend")

    @property
    def SMS_FILE_PATH(self) -> str:
        """Where ``FileSMSBackend`` appends its messages (browser tests)."""
        return str(self._setting("SMS_FILE_PATH", ""))

    @property
    def SMS_CODE_VALIDITY_SECONDS(self) -> int:
        return self._setting("SMS_CODE_VALIDITY_SECONDS", 300)

    @property
    def SMS_RESEND_COOLDOWN_SECONDS(self) -> int:
        return self._setting("SMS_RESEND_COOLDOWN_SECONDS", 60)

    @property
    def SMS_THROTTLE_FACTOR(self) -> int:
        return self._setting("SMS_THROTTLE_FACTOR", 1)

    @property
    def SMS_TIMEOUT_SECONDS(self) -> float:
        return self._setting("SMS_TIMEOUT_SECONDS", 5.0)

    @property
    def TWILIO_ACCOUNT_SID(self) -> str:
        return self._setting("TWILIO_ACCOUNT_SID", "")

    @property
    def TWILIO_AUTH_TOKEN(self) -> str:
        return self._setting("TWILIO_AUTH_TOKEN", "")

    @property
    def TWILIO_FROM_NUMBER(self) -> str:
        return self._setting("TWILIO_FROM_NUMBER", "")

    @property
    def TWILIO_API_BASE(self) -> str:
        """Base URL of the Twilio API; only tests and private gateways change it."""
        return self._setting("TWILIO_API_BASE", "")

    @property
    def PHONE_ALLOWED_REGIONS(self) -> list[str]:
        return list(self._setting("PHONE_ALLOWED_REGIONS", []) or EU_EEA_REGIONS)

    @property
    def SUPPORT_EMAIL(self) -> str:
        return self._setting("SUPPORT_EMAIL", "Sante-ERN-CPMS-itsupport@ec.europa.eu")

    @property
    def SITE_URL(self) -> str:
        """The portal's address, for links in e-mails sent outside a web request (cron)."""
        return self._setting("SITE_URL", "http://localhost:8000").rstrip("/")

    @property
    def INACTIVITY_DISABLE_DAYS(self) -> int:
        """An account not logged in for this many days is disabled (after a warning)."""
        return self._setting("INACTIVITY_DISABLE_DAYS", 365)

    @property
    def INACTIVITY_WARNING_DAYS(self) -> int:
        """How many days before being disabled an inactive account is warned."""
        return self._setting("INACTIVITY_WARNING_DAYS", 30)

    @property
    def PRIVACY_STATEMENT_VERSION(self) -> str:
        return self._setting("PRIVACY_STATEMENT_VERSION", "2025-01")

    @property
    def ALTCHA_ALGORITHM(self) -> str:
        """Key derivation of the proof of work; the widget ships a worker for PBKDF2/SHA-256."""
        return self._setting("ALTCHA_ALGORITHM", "PBKDF2/SHA-256")

    @property
    def ALTCHA_COST(self) -> int:
        """PBKDF2 iterations per attempt: about a second of work in a current browser."""
        return self._setting("ALTCHA_COST", 5000)

    @property
    def ALTCHA_KEY_PREFIX(self) -> str:
        """Hex prefix the derived key must start with (each hex digit is 16 times the work)."""
        return self._setting("ALTCHA_KEY_PREFIX", "00")

    @property
    def ALTCHA_EXPIRY_SECONDS(self) -> int:
        return self._setting("ALTCHA_EXPIRY_SECONDS", 20 * 60)

    @property
    def ALTCHA_HMAC_KEY(self) -> str:
        """Signs the challenges; derived from SECRET_KEY unless set."""
        return self._setting("ALTCHA_HMAC_KEY", "")

    @property
    def TOTP_ENCRYPTION_KEYS(self) -> list[str]:
        """Fernet keys of the authenticator apps' secrets (``accounts.two_factor.encryption``):
        the first encrypts, every one decrypts. Empty: keys derived from SECRET_KEY and its
        fallbacks, outside production only (production refuses to run without them)."""
        keys = self._setting("TOTP_ENCRYPTION_KEYS", [])
        if isinstance(keys, str):
            keys = keys.split(",")
        return [key.strip() for key in keys if key.strip()]


app_settings = AppSettings()
