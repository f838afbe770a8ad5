"""What the OpenID provider audits; registered in ``OIDCProviderConfig.ready``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CLIENT_REGISTERED = "oidc_client_registered", _("Application client registered")
    CLIENT_CHANGED = "oidc_client_changed", _("Application client changed")
    CLIENT_DELETED = "oidc_client_deleted", _("Application client deleted")
    CONSENT_GIVEN = "oidc_consent_given", _("Application allowed")
    CONSENT_WITHDRAWN = "oidc_consent_withdrawn", _("Application's access withdrawn")
    TOKEN_ISSUED = "oidc_token_issued", _("Token issued to an application")
    TOKEN_REFUSED = "oidc_token_refused", _("Token refused to an application")
    AUTHORIZATION_REFUSED = "oidc_authorization_refused", _("Application sign-in refused")
    TOKENS_REVOKED = "oidc_tokens_revoked", _("Application tokens revoked")
