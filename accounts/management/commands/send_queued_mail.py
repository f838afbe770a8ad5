from django.core.management.base import BaseCommand

from accounts.mail import send_queued


class Command(BaseCommand):
    help = "Send the e-mails that could not be sent at once (run it from cron every few minutes)."

    def handle(self, *args, **options):
        sent, failed = send_queued()
        self.stdout.write(f"{sent} sent, {failed} still waiting.")
