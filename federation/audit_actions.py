"""What the federation audits; registered in ``FederationConfig.ready``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    SIGNUP = "federation_signup", _("Account created through the identity provider")
    LOGIN = "federation_login", _("Logged in through the identity provider")
    LOGIN_FAILED = "federation_login_failed", _("Login through the identity provider failed")
    LINKED = "federation_linked", _("Identity provider account linked")
    UNLINKED = "federation_unlinked", _("Identity provider account unlinked")
    LINK_REFUSED = "federation_link_refused", _("Identity provider account not linked")
    MFA_TRUSTED = "federation_mfa_trusted", _("Second factor of the identity provider trusted")
