"""Rotate the database signing key: a new key signs from now on, the previous ones stay
in the JWKS until every token they signed has expired."""

from allauth.idp.oidc import app_settings as idp_settings
from django.core.management.base import BaseCommand, CommandError

from oidc_provider import keys


class Command(BaseCommand):
    help = "Start signing ID tokens with a new key; old keys stay published until expiry."

    def handle(self, *args, **options):
        if idp_settings.PRIVATE_KEYS:
            raise CommandError(
                "The signing keys come from OIDC_PRIVATE_KEYS: rotate them there (add the new "
                "key with a later issued_at, give the old one an expires_at)."
            )
        key = keys.rotate_database_key()
        self.stdout.write(
            f"New signing key from {key.created_at:%Y-%m-%d %H:%M:%S}; the previous keys stay "
            f"in the JWKS for {keys.longest_token_lifetime()}."
        )
