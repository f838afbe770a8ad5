import logging
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

logger = logging.getLogger("cpms.scheduler")


class Command(BaseCommand):
    help = (
        "The portal's periodic work for a container without cron: send the queued e-mails "
        "every few minutes and run the daily tasks once a day (and at start), until stopped. "
        "A failed round is logged and the next one runs as planned."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mail-every", type=int, default=120, help="seconds between mail rounds (120)"
        )
        parser.add_argument(
            "--daily-every", type=int, default=86400, help="seconds between daily runs (86400)"
        )
        parser.add_argument("--once", action="store_true", help="one round of each, then stop")

    def handle(self, *args, mail_every, daily_every, once, **options):
        verbosity = options["verbosity"]
        next_daily = time.monotonic()
        while True:
            self._run("send_queued_mail", verbosity)
            if time.monotonic() >= next_daily:
                self._run("run_daily_tasks", verbosity)
                next_daily = time.monotonic() + daily_every
            if once:
                return
            time.sleep(mail_every)

    def _run(self, command: str, verbosity: int) -> None:
        _drop_broken_connections()
        try:
            call_command(command, verbosity=verbosity, stdout=self.stdout)
        except Exception:  # the next round retries; the scheduler itself keeps going
            logger.exception("%s failed", command)
        finally:
            _drop_broken_connections()


def _drop_broken_connections() -> None:
    """A long-lived process: close connections that broke (a database restart) or grew
    old, as Django does between requests; one inside a transaction is left alone."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
