"""Forms of the account pages: they validate, services write."""

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.urls import reverse_lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from accounts import robot_check
from accounts.app_settings import app_settings
from accounts.languages import EmailLanguage
from accounts.models import User

ROBOT_CHECK_MESSAGES = {
    robot_check.RobotCheckFailure.MISSING: _(
        "Please complete the check against robots: tick “I'm not a robot” and wait until "
        "it says “Verified”."
    ),
    robot_check.RobotCheckFailure.INVALID: _(
        "The check against robots could not be verified. Please do it again."
    ),
    robot_check.RobotCheckFailure.EXPIRED: _(
        "The check against robots has expired. Please do it again."
    ),
    robot_check.RobotCheckFailure.REPLAYED: _(
        "This check against robots has already been used. Please do it again."
    ),
}


class RobotCheckWidget(forms.Widget):
    """ALTCHA's widget; its script (static/js/robot-check.js) solves the proof of work."""

    template_name = "accounts/widgets/robot_check.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, None, attrs)
        context["widget"].update(
            {
                "challenge_url": reverse_lazy("accounts:robot_challenge"),
                "algorithm": app_settings.ALTCHA_ALGORITHM,
                "language": (get_language() or "en")[:2],
                "strings_id": f"{(attrs or {}).get('id', name)}_strings",
                "strings": {
                    "label": str(_("I'm not a robot")),
                    "verified": str(_("Verified")),
                    "verifying": str(_("Verifying…")),
                    "waitAlert": str(_("Verifying… please wait.")),
                    "verificationRequired": str(_("Verification required!")),
                    "error": str(_("Verification failed. Try again later.")),
                    "expired": str(_("Verification expired. Try again.")),
                    "loading": str(_("Loading…")),
                    "reload": str(_("Reload")),
                    "verify": str(_("Verify")),
                    "cancel": str(_("Cancel")),
                    "footer": "",
                },
            }
        )
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class RobotCheckField(forms.Field):
    """Valid once per solved challenge: the server verifies it and refuses a replay."""

    widget = RobotCheckWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Check against robots"))
        kwargs.setdefault("required", False)  # a missing solution gets our own message
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            robot_check.verify_solution(value)
        except robot_check.RobotCheckError as exc:
            raise forms.ValidationError(
                ROBOT_CHECK_MESSAGES[exc.reason], code=f"robot_check_{exc.reason}"
            ) from None
        return True


def _email_language_initial() -> str:
    language = (get_language() or "en")[:2]
    return language if language in EmailLanguage.values else EmailLanguage.EN


class SignupForm(AllauthSignupForm):
    """The guide's "Create an account": no password here, it is chosen after verification."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email_language = forms.ChoiceField(
        label=_("E-mail language"),
        choices=EmailLanguage.choices,
        help_text=_("The e-mails of the portal will be written in this language when possible."),
    )
    altcha = RobotCheckField()
    privacy = forms.BooleanField(
        label=_(
            "By checking this box, you acknowledge that you have read and understood the "
            "privacy statement"
        ),
        error_messages={
            "required": _(
                "Please acknowledge the privacy statement by checking the box to create "
                "an account."
            )
        },
    )

    field_order = [
        "first_name",
        "last_name",
        "email",
        "email2",
        "email_language",
        "altcha",
        "privacy",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail")
        self.fields["email"].widget.attrs.pop("placeholder", None)
        self.fields["email2"].label = _("Confirm e-mail")
        self.fields["email2"].widget.attrs.pop("placeholder", None)
        self.fields["email2"].widget.attrs["autocomplete"] = "email"
        self.fields["email_language"].initial = _email_language_initial()

    def clean(self):
        cleaned_data = super().clean()
        ours = _("The two e-mail addresses differ: please type the same address in both.")
        # allauth's mismatch message names neither field; ours says what to fix.
        allauth_mismatch = gettext("You must type the same email each time.")
        errors = self.errors.get("email2")
        if errors:
            for index, error in enumerate(errors.data):
                if any(message == allauth_mismatch for message in error):
                    errors.data[index] = forms.ValidationError(ours, code="email_mismatch")
        return cleaned_data


class LoginForm(AllauthLoginForm):
    """First authentication: e-mail address and password, labelled as the guide."""

    def _setup_password_field(self) -> None:
        # allauth drops the password from the login form when sign-up asks for
        # none; ours is chosen after verification, and the login needs it.
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("E-mail")
        self.fields["password"].label = _("Password")
        # allauth's "Forgot your password?" help text: the page has the guide's link.
        self.fields["password"].help_text = ""
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class SentenceCasePasswordLabels:
    """The password fields labelled as the portal's other fields, in sentence case
    (allauth says "New Password")."""

    LABELS = {
        "oldpassword": _("Current password"),
        "password1": _("New password"),
        "password2": _("New password (again)"),
    }

    fields: dict[str, forms.Field]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            if name in self.fields:
                self.fields[name].label = label
                self.fields[name].widget.attrs.pop("placeholder", None)


class ChangePasswordForm(SentenceCasePasswordLabels, AllauthChangePasswordForm):
    pass


class ResetPasswordKeyForm(SentenceCasePasswordLabels, AllauthResetPasswordKeyForm):
    """Choosing the first password after verification, or a new one after a reset."""


class ProfileForm(forms.ModelForm):
    """User Data details: the e-mail address changes only through verification."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email_language"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }


class PrivacyAcknowledgementForm(forms.Form):
    acknowledge = forms.BooleanField(
        label=_(
            "By checking this box, you acknowledge that you have read and understood the "
            "privacy statement"
        ),
        error_messages={
            "required": _("Please check the box to acknowledge the privacy statement.")
        },
    )


class NewLinkForm(forms.Form):
    """Asks for a fresh verification or password link; never says if the address is known."""

    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class AccountDeletionForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and my access to the CPMS will be deleted."),
        error_messages={"required": _("Please check the box to confirm the deletion.")},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("The password is not correct."), code="password_incorrect"
            )
        return password
