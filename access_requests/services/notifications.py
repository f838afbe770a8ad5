"""The e-mails of the access_requests app: who is told what, with which links.

Each function queues its mails in the caller's transaction (they go out on commit);
the daily digest is the one cron job here, since it writes nothing but its once-a-day
marker and the mails.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from access_requests import selectors
from access_requests.app_settings import app_settings
from access_requests.models import (
    AccessProfile,
    AccessRequest,
    DigestDelivery,
    Membership,
    Organisation,
)
from accounts.app_settings import app_settings as accounts_settings
from accounts.mail import queue_mail_to_user

TEMPLATES = "access_requests/email/"


def portal_url(path: str) -> str:
    """``path`` on the portal's public address (links in e-mails)."""
    return accounts_settings.SITE_URL + path


def queue_url() -> str:
    """The administrators' queue of pending requests."""
    return portal_url(reverse("admin:access_requests_accessrequest_changelist"))


def admin_url(access_request: AccessRequest) -> str:
    """A request's page in the administrators' queue."""
    return portal_url(
        reverse("admin:access_requests_accessrequest_change", args=[access_request.pk])
    )


def request_context(access_request: AccessRequest) -> dict[str, Any]:
    return {
        "access_request": access_request,
        "applicant": access_request.user,
        "institution": access_request.institution.label,
        "network": access_request.network.label,
        "profiles": selectors.requested_profile_names(access_request),
        "reason": access_request.decision_reason,
        "cpms_url": portal_url(reverse("cpms-home")),
    }


def membership_context(membership: Membership) -> dict[str, Any]:
    return {
        "membership": membership,
        "institution": membership.institution.label,
        "profile": membership.profile.name,
        "expires_at": membership.expires_at,
        "reason": membership.end_reason,
        "cpms_url": portal_url(reverse("cpms-home")),
    }


def tell_applicant(access_request: AccessRequest, template: str, **extra: Any) -> None:
    """One mail to the applicant about their request (``template`` under ``email/``)."""
    queue_mail_to_user(
        user=access_request.user,
        template_prefix=TEMPLATES + template,
        context={**request_context(access_request), **extra},
    )


def tell_member(membership: Membership, template: str) -> None:
    """One mail to the member about their membership (``template`` under ``email/``)."""
    queue_mail_to_user(
        user=membership.user,
        template_prefix=TEMPLATES + template,
        context=membership_context(membership),
    )


def tell_submission(
    *, access_request: AccessRequest, institution: Organisation, profiles: Iterable[AccessProfile]
) -> None:
    """The applicant's receipt and the notice to the network's administrators (every
    superuser when it has none), each in its reader's language."""
    context = {
        **request_context(access_request),
        "application": institution.application,
        "organisation_path": institution.path_label,
        "profiles": ", ".join(p.name for p in profiles),
        "is_guest": institution.is_guest,
        "guest_days": app_settings.GUEST_ACCESS_DAYS,
        "requests_url": portal_url(reverse("access_requests:home")),
        "review_url": admin_url(access_request),
    }
    queue_mail_to_user(
        user=access_request.user,
        template_prefix=TEMPLATES + "request_submitted",
        context=context,
    )
    for administrator in selectors.network_recipients(access_request.network_id):
        queue_mail_to_user(
            user=administrator,
            template_prefix=TEMPLATES + "request_submitted_admin",
            context=context,
        )


def tell_reminder(access_request: AccessRequest) -> None:
    """The applicant's reminder to the network's administrators."""
    assert access_request.reminder_sent_at is not None
    context = {
        **request_context(access_request),
        "days": (access_request.reminder_sent_at - access_request.submitted_at).days,
        "url": admin_url(access_request),
    }
    for administrator in selectors.network_recipients(access_request.network_id):
        queue_mail_to_user(
            user=administrator,
            template_prefix=TEMPLATES + "request_reminder",
            context=context,
        )


def send_digests(*, now: datetime | None = None) -> int:
    """Mail each network's recipients (administrators, or superusers when it has none),
    at most once a day, the list of their pending requests older than
    ``DIGEST_AFTER_WORKING_DAYS`` working days. Returns the count."""
    now = now or timezone.now()
    today: date = timezone.localdate(now)
    older_than = selectors.working_days_before(now, app_settings.DIGEST_AFTER_WORKING_DAYS)
    sent = 0
    for administrator, waiting in selectors.stale_requests_by_recipient(
        older_than=older_than
    ).items():
        with transaction.atomic():
            # The once-a-day lock: a second run the same day finds the row.
            _delivery, created = DigestDelivery.objects.get_or_create(
                user=administrator, sent_on=today
            )
            if not created:
                continue
            queue_mail_to_user(
                user=administrator,
                template_prefix=TEMPLATES + "admin_digest",
                context={
                    "requests": [
                        {
                            "access_request": r,
                            "days": (now - r.submitted_at).days,
                            "url": admin_url(r),
                        }
                        for r in waiting
                    ],
                    "queue_url": queue_url(),
                    "working_days": app_settings.DIGEST_AFTER_WORKING_DAYS,
                },
            )
        sent += 1
    return sent
