"""Forms of the mobile phone and second-factor pages: they validate, they never write."""

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.app_settings import app_settings

PHONE_HELP = _("International format including country code, e.g. for Belgium: +32 123 45 67 89")

# Premium and shared-cost ranges are where SMS toll fraud pays; no clinician needs them.
REFUSED_NUMBER_TYPES = {
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.TOLL_FREE,
}


class UnsuffixedForm(forms.Form):
    """Labels as the guide writes them: no colon after them (as on the sign-up form)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PhoneForm(UnsuffixedForm):
    number = PhoneNumberField(
        label=_("Mobile phone"),
        help_text=PHONE_HELP,
        error_messages={
            "invalid": _(
                "Enter a valid mobile phone number in international format, e.g. +32 123 45 67 89."
            ),
        },
        widget=forms.TextInput(
            attrs={
                "placeholder": "+32 123 45 67 89",
                "autocomplete": "tel",
                "inputmode": "tel",
            }
        ),
    )

    def clean_number(self):
        number = self.cleaned_data["number"]
        region = phonenumbers.region_code_for_number(number)
        if region not in app_settings.PHONE_ALLOWED_REGIONS:
            raise forms.ValidationError(
                _(
                    "Mobile numbers from this country are not accepted. Please use a number "
                    "from a country of the European Union or the European Economic Area."
                ),
                code="region",
            )
        if phonenumbers.number_type(number) in REFUSED_NUMBER_TYPES:
            raise forms.ValidationError(
                _("Please enter a mobile phone number."), code="number_type"
            )
        return number


class CodeForm(UnsuffixedForm):
    """A one-time code: six digits (SMS, authenticator app)."""

    code = forms.RegexField(
        label=_("SMS text challenge"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        max_length=9,
        error_messages={
            "required": _("Enter the code you received."),
            "invalid": _("The code has six digits."),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"\s*\d{3}\s?\d{3}\s*",
                "size": 8,
            }
        ),
    )

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["code"].label = label

    def clean_code(self):
        return self.cleaned_data["code"].replace(" ", "").strip()


class RecoveryCodeForm(UnsuffixedForm):
    code = forms.CharField(
        label=_("Recovery code"),
        max_length=16,
        error_messages={"required": _("Enter one of your recovery codes.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().lower()
