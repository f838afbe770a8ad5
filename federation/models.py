"""The identity provider's second factor, as a django-otp device.

When the provider asserts a second factor at login and ``FEDERATION_TRUST_PROVIDER_MFA``
is on, the session is verified with this device (``django_otp.login``), so every check of
the portal that asks ``user.is_verified()`` (the CPMS gate, sensitive pages) sees it as
django-otp's own. It verifies no code itself: only a federated login uses it.
"""

from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class ProviderSecondFactor(Device):
    class Meta:
        verbose_name = _("identity provider's second factor")
        verbose_name_plural = _("identity provider's second factors")

    def verify_token(self, token) -> bool:
        return False

    def verify_is_allowed(self):
        return False, {"reason": "federated"}
