"""Deploy checks (``manage.py check --deploy``): development defaults never reach production.
The TOTP encryption keys are checked at every start."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

from accounts.app_settings import app_settings
from accounts.two_factor.encryption import is_fernet_key

DEVELOPMENT_SMS_BACKENDS = {"accounts.sms.ConsoleSMSBackend", "accounts.sms.LocmemSMSBackend"}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def _is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOCAL_HOSTS


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs) -> list[Error]:
    errors = []
    if app_settings.SMS_BACKEND in DEVELOPMENT_SMS_BACKENDS:
        errors.append(
            Error(
                f"SMS_BACKEND is {app_settings.SMS_BACKEND}: no SMS code would reach anyone.",
                hint="Set SMS_BACKEND=accounts.sms.TwilioSMSBackend and the Twilio settings.",
                id="accounts.E001",
            )
        )
    if _is_local(app_settings.SITE_URL) or not app_settings.SITE_URL.startswith("https://"):
        errors.append(
            Error(
                f"SITE_URL is {app_settings.SITE_URL}: links in e-mails would not work.",
                hint="Set SITE_URL to the public https:// address of the portal.",
                id="accounts.E002",
            )
        )
    rp_id = getattr(settings, "OTP_WEBAUTHN_RP_ID", "")
    origins = getattr(settings, "OTP_WEBAUTHN_ALLOWED_ORIGINS", [])
    if rp_id in LOCAL_HOSTS or not origins or any(_is_local(origin) for origin in origins):
        errors.append(
            Error(
                "WEBAUTHN_RP_ID or WEBAUTHN_ALLOWED_ORIGINS name localhost: security keys "
                "and passkeys would not work.",
                hint="Set WEBAUTHN_RP_ID to the public host name and WEBAUTHN_ALLOWED_ORIGINS "
                "to its https:// origin.",
                id="accounts.E003",
            )
        )
    return errors


MAKE_A_FERNET_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


@register(Tags.security)
def check_totp_encryption_keys(app_configs, **kwargs) -> list[Error]:
    """At every start, not only with --deploy (``migrate`` runs it too): production needs
    its own keys, like SECRET_KEY, and a malformed key would break every authenticator app."""
    keys = app_settings.TOTP_ENCRYPTION_KEYS
    if not keys and getattr(settings, "PRODUCTION", False):
        return [
            Error(
                "TOTP_ENCRYPTION_KEYS is not set: in production the authenticator apps' "
                "secrets are not encrypted with keys derived from SECRET_KEY.",
                hint=f"Set TOTP_ENCRYPTION_KEYS to a Fernet key, made with {MAKE_A_FERNET_KEY}",
                id="accounts.E004",
            )
        ]
    return [
        Error(
            f"Key {position} of TOTP_ENCRYPTION_KEYS is not a Fernet key (32 bytes in "
            "URL-safe base64).",
            hint=f"Make one with {MAKE_A_FERNET_KEY}",
            id="accounts.E005",
        )
        for position, key in enumerate(keys, start=1)
        if not is_fernet_key(key)
    ]
