"""What the access_requests app audits; registered in ``AccessRequestsConfig.ready``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    REQUEST_SUBMITTED = "request_submitted", _("Access request submitted")
    REQUEST_WITHDRAWN = "request_withdrawn", _("Access request withdrawn")
    REQUEST_APPROVED = "request_approved", _("Access request approved")
    REQUEST_REJECTED = "request_rejected", _("Access request rejected")
    REQUEST_REMINDED = "request_reminded", _("Reminder sent for an access request")
    MEMBERSHIP_REVOKED = "membership_revoked", _("Membership revoked")
    MEMBERSHIP_EXPIRED = "membership_expired", _("Membership expired")
    MEMBERSHIP_EXTENDED = "membership_extended", _("Membership extended")
    MEMBERSHIP_REINSTATED = "membership_reinstated", _("Membership reinstated")
    NETWORK_ADMIN_GRANTED = "network_admin_granted", _("Network administration granted")
    NETWORK_ADMIN_REVOKED = "network_admin_revoked", _("Network administration withdrawn")
