"""E-mails to users, in each user's e-mail language, queued with the change they report.

``queue_mail`` renders ``<template_prefix>_subject.txt`` and ``_message.txt``
(and ``_message.html`` when it exists) in the recipient's language, stores the
message in the caller's transaction and sends it once that commits. A failure
leaves it queued for ``manage.py send_queued_mail``.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.app_settings import app_settings
from accounts.models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
_deferred_ids: ContextVar[list[int] | None] = ContextVar("cpms_deferred_mail", default=None)
# A claim older than this belongs to a process that died while sending.
CLAIM_TIMEOUT = timedelta(minutes=5)


def language_for(user) -> str:
    """The user's e-mail language when the interface has it, else English."""
    wanted = getattr(user, "email_language", "") or settings.LANGUAGE_CODE
    available = {code for code, _name in settings.LANGUAGES}
    return wanted if wanted in available else settings.LANGUAGE_CODE


def render_mail(
    template_prefix: str, context: dict[str, Any], language: str
) -> tuple[str, str, str]:
    with translation.override(language):
        subject: str = render_to_string(f"{template_prefix}_subject.txt", context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
        body = render_to_string(f"{template_prefix}_message.txt", context)
        try:
            html: str = render_to_string(f"{template_prefix}_message.html", context)
        except TemplateDoesNotExist:
            html = ""
    return subject, body, html


def queue_mail(
    *,
    to: Iterable[str] | str,
    template_prefix: str,
    context: dict[str, Any],
    language: str | None = None,
    user=None,
) -> list[OutboundEmail]:
    """Queue one e-mail per address in the caller's transaction; send after commit."""
    recipients = [to] if isinstance(to, str) else list(to)
    lang = language or language_for(user)
    context = {"user": user, "SUPPORT_EMAIL": app_settings.SUPPORT_EMAIL, **context}
    subject, body, html = render_mail(template_prefix, context, lang)
    rows = [
        OutboundEmail.objects.create(to=address, subject=subject[:255], body=body, html_body=html)
        for address in recipients
    ]
    ids = [row.pk for row in rows]
    deferred = _deferred_ids.get()
    if deferred is not None:
        deferred.extend(ids)
    else:
        transaction.on_commit(lambda: send_queued(ids=ids))
    return rows


@contextmanager
def sending_deferred() -> Iterator[list[int]]:
    """Queue without sending; yields the ids queued, for the caller to send later.

    A page that must not reveal by its timing whether it wrote to anyone sends them
    once its response is delivered (``send_after_response``).
    """
    ids: list[int] = []
    token = _deferred_ids.set(ids)
    try:
        yield ids
    finally:
        _deferred_ids.reset(token)


def send_after_response(response: HttpResponse, ids: list[int]) -> HttpResponse:
    """Send the e-mails ``ids`` when the server closes ``response``, after delivering it."""
    if ids:
        # Django's own hook for work at close() (the public request_finished signal
        # does not say which request finished); private, so django-stubs lacks it.
        response._resource_closers.append(lambda: send_queued(ids=ids))  # type: ignore[attr-defined]
    return response


def queue_mail_to_user(*, user, template_prefix: str, context: dict[str, Any]) -> None:
    """Queue an e-mail to a user, in their e-mail language."""
    queue_mail(to=user.email, template_prefix=template_prefix, context=context, user=user)


def _claim(pks: list[int], now) -> list[OutboundEmail]:
    """The rows of ``pks`` this process may send: each is claimed by one conditional
    UPDATE, so the send after commit and the cron job never both send it."""
    claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    claimed = [
        pk
        for pk in pks
        if OutboundEmail.objects.filter(claimable, pk=pk, sent_at__isnull=True).update(
            claimed_at=now
        )
    ]
    return list(OutboundEmail.objects.filter(pk__in=claimed).order_by("created_at", "id"))


def _failed(row: OutboundEmail, exc: Exception) -> None:
    logger.warning("E-mail %s to %s not sent: %s", row.pk, row.to, exc)
    OutboundEmail.objects.filter(pk=row.pk).update(
        attempts=row.attempts + 1, last_error=str(exc)[:2000], claimed_at=None
    )


def send_queued(*, ids: Iterable[int] | None = None, limit: int = 500) -> tuple[int, int]:
    """Try to send unsent e-mails (those given, or the oldest) over one connection;
    return (sent, failed). Rows another process is sending are left to it."""
    pending = OutboundEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    if ids is not None:
        pending = pending.filter(pk__in=list(ids))
    now = timezone.now()
    rows = _claim(
        list(pending.order_by("created_at", "id").values_list("pk", flat=True)[:limit]), now
    )
    if not rows:
        return 0, 0
    sent = failed = 0
    connection = mailers.default
    try:
        connection.open()  # SMTP: bounded by the mailer's timeout (EMAIL_TIMEOUT)
    except Exception as exc:  # the server is down: every row waits for the next run
        for row in rows:
            _failed(row, exc)
        return 0, len(rows)
    try:
        for row in rows:
            message = EmailMultiAlternatives(row.subject, row.body, to=[row.to])
            if row.html_body:
                message.attach_alternative(row.html_body, "text/html")
            try:
                connection.send_messages([message])
            except Exception as exc:  # any transport failure keeps the row for a retry
                _failed(row, exc)
                failed += 1
            else:
                OutboundEmail.objects.filter(pk=row.pk).update(
                    sent_at=timezone.now(), attempts=row.attempts + 1, last_error=""
                )
                sent += 1
    finally:
        connection.close()
    return sent, failed
