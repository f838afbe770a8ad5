"""The one form of a first federated login: what the claims did not give, and the privacy
statement, which the person acknowledges themselves."""

from allauth.socialaccount.forms import SignupForm as SocialSignupForm
from django.utils.translation import gettext_lazy as _

from accounts.forms import SignupForm as PortalSignupForm


class FederatedSignupForm(SocialSignupForm):
    """The sign-up's fields; those the provider filled are shown, read-only."""

    # The portal's own sign-up fields, so that both forms ask the same way.
    first_name = PortalSignupForm.base_fields["first_name"]
    last_name = PortalSignupForm.base_fields["last_name"]
    email_language = PortalSignupForm.base_fields["email_language"]
    privacy = PortalSignupForm.base_fields["privacy"]

    field_order = ["first_name", "last_name", "email", "email_language", "privacy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("email2", None)
        self.fields["email"].label = _("E-mail")
        self.fields["email"].widget.attrs.pop("placeholder", None)
        verified = any(a.verified for a in self.sociallogin.email_addresses)
        given = {
            "first_name": bool(self.initial.get("first_name")),
            "last_name": bool(self.initial.get("last_name")),
            "email": bool(self.initial.get("email")) and verified,
            "email_language": bool(self.initial.get("email_language")),
        }
        for name, known in given.items():
            if known:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("From your %(provider)s account.") % {
                    "provider": self.sociallogin.provider.name
                }
