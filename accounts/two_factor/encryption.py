"""Encryption at rest of the authenticator apps' secrets: Fernet, with MultiFernet for
key rotation (``accounts.EncryptedTOTPDevice`` stores what this makes).

The keys are ``ACCOUNTS_TOTP_ENCRYPTION_KEYS`` (the environment's ``TOTP_ENCRYPTION_KEYS``,
comma-separated): the first encrypts, every one decrypts. A new key is put in front, the
old ones stay behind it while ``manage.py rotate_totp_keys`` re-encrypts every secret with
the new one, then they are removed.

Without them, outside production, the keys are derived from ``SECRET_KEY`` (then each of
``SECRET_KEY_FALLBACKS``, so a rotation of SECRET_KEY keeps the secrets readable while the
old key is a fallback): development and tests need no configuration. Production refuses
that, here at the first use and in ``accounts.checks`` (``check --deploy``): a TOTP secret
then depends on a key that is kept apart from the signing key.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

from accounts.app_settings import app_settings

__all__ = ["InvalidToken", "configured_keys", "decrypt", "encrypt", "is_fernet_key", "rotate"]

# The salt of the keys derived from SECRET_KEY: changing it makes every stored secret
# unreadable (as changing SECRET_KEY itself would).
DERIVED_KEY_SALT = "accounts.two_factor.encryption.totp-key"


def derived_key(secret: str) -> str:
    """A Fernet key (32 bytes, URL-safe base64) derived from ``secret`` by HMAC-SHA256."""
    digest = salted_hmac(DERIVED_KEY_SALT, "fernet", secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()


def is_fernet_key(key: str) -> bool:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return False
    return True


def configured_keys() -> list[str]:
    """The keys in use, the one that encrypts first."""
    keys = app_settings.TOTP_ENCRYPTION_KEYS
    if keys:
        return keys
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "TOTP_ENCRYPTION_KEYS is required in production: the authenticator apps' "
            "secrets are encrypted with it (see the README, Configuration)."
        )
    return [
        derived_key(secret) for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    ]


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _fernet() -> MultiFernet:
    # Keyed by the keys themselves: a changed setting (a test, a reload) is seen at once.
    return _multi_fernet(tuple(configured_keys()))


def encrypt(secret: bytes) -> str:
    """The Fernet token of ``secret`` under the first key (ASCII, 120 characters for the
    20 bytes of a TOTP secret)."""
    return _fernet().encrypt(secret).decode()


def decrypt(token: str) -> bytes:
    """The secret in ``token``, under any of the keys; ``InvalidToken`` if none opens it."""
    return _fernet().decrypt(token.encode())


def rotate(token: str) -> str:
    """``token`` re-encrypted under the first key (``MultiFernet.rotate``)."""
    return _fernet().rotate(token.encode()).decode()
