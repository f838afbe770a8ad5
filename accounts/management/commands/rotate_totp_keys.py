"""Re-encrypt the authenticator apps' secrets with the first of TOTP_ENCRYPTION_KEYS, the
step of a key rotation between adding the new key in front and removing the old ones."""

from django.core.management.base import BaseCommand, CommandError

from accounts.two_factor.services import TOTPKeyNotOpened, rotate_totp_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every authenticator app's secret with the first of TOTP_ENCRYPTION_KEYS "
        "(audited). Afterwards the other keys can be removed from TOTP_ENCRYPTION_KEYS."
    )

    def handle(self, *args, **options):
        try:
            count = rotate_totp_keys()
        except TOTPKeyNotOpened as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"{count} authenticator app secrets re-encrypted with the first key of "
                "TOTP_ENCRYPTION_KEYS; the keys after it can now be removed."
            )
