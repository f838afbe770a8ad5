"""The keys that sign ID tokens: from the environment (``OIDC_PRIVATE_KEYS``, allauth's
``IDP_OIDC_PRIVATE_KEYS``) when set, else generated into the database on first use.

Rotation (``manage.py rotate_oidc_signing_key``): a new key signs from now on; the old
one gets an end (now + the longest token lifetime) and stays in the JWKS until then, so
a relying party can still check every token it signed."""

from datetime import timedelta

from allauth.idp.oidc import app_settings as idp_settings
from allauth.idp.oidc.models import PrivateKey
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone

from oidc_provider.models import SigningKey


def generate_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()


def longest_token_lifetime() -> timedelta:
    """How long a signature must stay checkable after its key stops signing."""
    return timedelta(
        seconds=max(idp_settings.ID_TOKEN_EXPIRES_IN, idp_settings.ACCESS_TOKEN_EXPIRES_IN)
    )


def _as_private_key(row: SigningKey) -> PrivateKey:
    return PrivateKey(pem=row.pem, issued_at=row.created_at, expires_at=row.expires_at)


def database_keys() -> list[PrivateKey]:
    """The generated keys, creating the first one if there is none."""
    rows = list(SigningKey.objects.all())
    if not rows:
        # Two first requests at once may each make one: both are valid, the newer signs.
        rows = [SigningKey.objects.create(pem=generate_pem())]
    return [_as_private_key(row) for row in rows]


def configured_keys() -> list[PrivateKey]:
    """The keys of the environment if any, else the database's."""
    return idp_settings.PRIVATE_KEYS or database_keys()


@transaction.atomic
def rotate_database_key() -> SigningKey:
    """A new signing key; the current ones end once their tokens have expired."""
    ends = timezone.now() + longest_token_lifetime()
    SigningKey.objects.filter(expires_at__isnull=True).update(expires_at=ends)
    SigningKey.objects.filter(expires_at__lt=timezone.now()).delete()
    return SigningKey.objects.create(pem=generate_pem())
