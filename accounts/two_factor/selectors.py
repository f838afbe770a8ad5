"""Reads about a user's mobile phone and second factors, shared by pages and the gate."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import EncryptedTOTPDevice, RecoveryCodeDevice, SMSDevice, User


class Method:
    """The kinds of second factor, strongest first (the order of the challenge page)."""

    PASSKEY = "passkey"
    TOTP = "totp"
    SMS = "sms"
    RECOVERY = "recovery"

    ORDER = (PASSKEY, TOTP, SMS, RECOVERY)
    LABELS = {
        PASSKEY: _("Security key or passkey"),
        TOTP: _("Authenticator app"),
        SMS: _("Mobile Phone + SMS"),
        RECOVERY: _("Recovery code"),
    }


# Recovery codes and authenticator apps through the proxies that store their secrets
# hashed and encrypted (not django-otp's StaticDevice and TOTPDevice).
METHOD_OF_MODEL: dict[type[Device], str] = {
    WebAuthnCredential: Method.PASSKEY,
    EncryptedTOTPDevice: Method.TOTP,
    SMSDevice: Method.SMS,
    RecoveryCodeDevice: Method.RECOVERY,
}


@dataclass(frozen=True)
class EnrolledMethod:
    method: str
    device: Device

    @property
    def label(self):
        return Method.LABELS[self.method]


def verified_phone(user: User) -> SMSDevice | None:
    """The user's confirmed mobile phone: the one that receives codes."""
    return SMSDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def pending_phone(user: User) -> SMSDevice | None:
    """A number added but not verified yet; it does not count until its code is entered."""
    return SMSDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def enrolled_methods(user: User) -> list[EnrolledMethod]:
    """Every confirmed second factor of the user, strongest kind first."""
    found = []
    for model, method in METHOD_OF_MODEL.items():
        for device in model.objects.filter(user=user, confirmed=True).order_by("pk"):
            if isinstance(device, RecoveryCodeDevice) and not device.token_set.exists():
                continue  # every recovery code used: nothing left to offer
            found.append(EnrolledMethod(method=method, device=device))
    return sorted(found, key=lambda m: Method.ORDER.index(m.method))


def default_method(methods: list[EnrolledMethod]) -> str | None:
    """The strongest enrolled kind; SMS for a member who has nothing else."""
    usable = [m.method for m in methods if m.method != Method.RECOVERY]
    return usable[0] if usable else None


def mask_number(number) -> str:
    """``+32 •••••••89``: the country code and the last two digits, nothing else."""
    national = str(number.national_number)
    return f"+{number.country_code} {'•' * max(len(national) - 2, 0)}{national[-2:]}"
