from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import SMSDevice, User

DEMO_EMAIL = "admin@cpms.example.eu"
# Development only (the command refuses to run in production): a fixed password
# lets the README and a newcomer's second run show the same credentials.
DEMO_PASSWORD = "demo-admin-cpms-2026"  # noqa: S105
DEMO_PHONE = "+32460000000"


class Command(BaseCommand):
    help = "Create (or reuse) the demo administrator for development, and print its credentials."

    @transaction.atomic
    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("The demo administrator is for development only.")
        user = User.objects.filter(email__iexact=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_superuser(
                DEMO_EMAIL,
                DEMO_PASSWORD,
                first_name="Demo",
                last_name="Administrator",
                mobile_phone=DEMO_PHONE,
            )
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        if not SMSDevice.objects.filter(user=user, confirmed=True).exists():
            SMSDevice.objects.create(
                user=user, name="Mobile phone", number=DEMO_PHONE, confirmed=True
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo administrator: {DEMO_EMAIL} / {DEMO_PASSWORD} "
                f"(mobile {DEMO_PHONE}; its SMS codes are printed here)"
            )
        )
