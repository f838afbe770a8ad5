from django.core.management.base import BaseCommand

from access_requests import services
from accounts.services import disable_inactive_users, warn_inactive_users


class Command(BaseCommand):
    help = (
        "The daily housekeeping, for cron: expire guest memberships past their date and "
        "remind those about to expire, send the administrators' digests of waiting "
        "requests, warn and then disable accounts unused for a long time. Safe to run "
        "more than once a day."
    )

    def handle(self, *args, **options):
        steps = [
            ("guest memberships expired", services.expire_memberships),
            ("expiry reminders sent", services.send_expiry_reminders),
            ("digests sent", services.send_digests),
            ("inactive accounts disabled", disable_inactive_users),
            ("inactive accounts warned", warn_inactive_users),
        ]
        for label, step in steps:
            count = step()
            if options["verbosity"] >= 1:
                self.stdout.write(f"{label}: {count}")
