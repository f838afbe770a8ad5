import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command

from accounts.mail import queue_mail_to_user, send_queued
from accounts.models import OutboundEmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Any e-mail of the portal will do; test-only templates would ship with it.
REAL_TEMPLATE = "accounts/email/second_factor_reset"


def test_mail_is_sent_after_commit_in_the_users_language(django_capture_on_commit_callbacks):
    user = UserFactory(email_language="de", first_name="Anna")
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail_to_user(user=user, template_prefix=REAL_TEMPLATE, context={})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject.startswith("[ERN CPMS] ")
    assert OutboundEmail.objects.get().sent_at is not None


def test_a_mail_server_failure_keeps_the_message_for_a_retry(
    settings, django_capture_on_commit_callbacks
):
    user = UserFactory()
    settings.MAILERS = {"default": {"BACKEND": "tests.accounts.test_mail.BrokenBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail_to_user(user=user, template_prefix=REAL_TEMPLATE, context={})
    row = OutboundEmail.objects.get()
    assert row.sent_at is None and row.attempts == 1 and "refused" in row.last_error

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("send_queued_mail", verbosity=0)
    row.refresh_from_db()
    assert row.sent_at is not None and len(mail.outbox) == 1
    assert send_queued() == (0, 0)


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("connection refused by the mail server")


def test_no_test_only_template_ships_with_the_portal():
    from django.conf import settings

    shipped = settings.BASE_DIR / "templates"
    assert sorted(str(p.relative_to(shipped)) for p in shipped.rglob("test_*")) == []


def test_a_mail_being_sent_elsewhere_is_not_sent_twice(time_machine):
    """The send after commit and the cron job both see the row: only one claims it."""
    from datetime import timedelta

    from django.utils import timezone

    row = OutboundEmail.objects.create(to="a@uke.example.de", subject="s", body="b")
    OutboundEmail.objects.filter(pk=row.pk).update(claimed_at=timezone.now())

    assert send_queued() == (0, 0)
    assert mail.outbox == []

    # A claim older than a few minutes belongs to a process that died: taken over.
    time_machine.move_to(timezone.now() + timedelta(minutes=6))
    assert send_queued() == (1, 0)
    assert len(mail.outbox) == 1
    assert send_queued() == (0, 0)


class CountingBackend(locmem.EmailBackend):
    opened = 0

    def open(self):
        CountingBackend.opened += 1
        return super().open()


def test_a_batch_uses_one_connection(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.accounts.test_mail.CountingBackend"}}
    CountingBackend.opened = 0
    for n in range(3):
        OutboundEmail.objects.create(to=f"p{n}@uke.example.de", subject="s", body="b")

    assert send_queued() == (3, 0)
    assert CountingBackend.opened == 1 and len(mail.outbox) == 3
