"""Every write about the mobile phone and second factors, each audited in its transaction."""

import secrets
import time
from binascii import hexlify, unhexlify
from dataclasses import dataclass

from allauth.core.ratelimit import consume
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken

from accounts.app_settings import app_settings
from accounts.audit import record_event
from accounts.http import AuthenticatedHttpRequest
from accounts.mail import language_for
from accounts.models import (
    TOTP_KEY_ENCRYPTED,
    AuditEvent,
    EncryptedTOTPDevice,
    EncryptedTOTPKey,
    RecoveryCodeDevice,
    SMSDevice,
    User,
)
from accounts.sessions import follow_session_key
from accounts.sms import SMSDeliveryError, send_sms
from accounts.two_factor import encryption
from accounts.two_factor.selectors import METHOD_OF_MODEL, Method, mask_number

RECOVERY_CODE_COUNT = 10
SMS_RATE_LIMIT_ACTION = "cpms_sms_send"


class TwoFactorError(Exception):
    """A refusal whose ``str()`` can be shown to the user as it is."""


class SendNotAllowed(TwoFactorError):
    def __init__(self, message: str, *, retry_in: int = 0):
        super().__init__(message)
        self.retry_in = retry_in


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    retry_in: int = 0  # seconds before another try is accepted (django-otp throttling)


# A secret of the browser session that asked for an SMS code: the code is bound to it,
# so a code sent for one login cannot finish another login of the same user (NIST SP
# 800-63B 5.1.3.2, ASVS 5.0 V6.6.2). Session data survives the key rotations.
SMS_BINDING_SESSION_KEY = "_cpms_sms_binding"


def _session_binding(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    binding = request.session.get(SMS_BINDING_SESSION_KEY)
    if not binding:
        binding = secrets.token_urlsafe(16)
        request.session[SMS_BINDING_SESSION_KEY] = binding
    return binding


def _retry_in(when) -> int:
    return max(int((when - timezone.now()).total_seconds() + 0.999), 0)


def resend_wait_seconds(device: SMSDevice) -> int:
    """Seconds before another code may be sent to this phone (0: now)."""
    allowed, data = device.generate_is_allowed()
    return 0 if allowed else _retry_in(data["next_generation_at"])


# --- mobile phone ------------------------------------------------------------------


def add_phone(*, user: User, number, request: HttpRequest | None = None) -> SMSDevice:
    """Start verifying a new mobile number; a verified one keeps working until then."""
    with transaction.atomic():
        SMSDevice.objects.filter(user=user, confirmed=False).delete()
        device = SMSDevice.objects.create(
            user=user, name=str(_("Mobile phone")), number=number, confirmed=False
        )
        record_event(
            action=AuditEvent.Action.PHONE_ADDED,
            actor=user,
            target=device,
            data={"number": mask_number(device.number)},
            request=request,
        )
    return device


def _refuse_within_cooldown(device: SMSDevice) -> None:
    wait = resend_wait_seconds(device)
    if wait:
        raise SendNotAllowed(
            _("A code was sent a moment ago. You can ask for a new one in %(seconds)d seconds.")
            % {"seconds": wait},
            retry_in=wait,
        )


def send_sms_code(*, device: SMSDevice, request: HttpRequest) -> None:
    """Send a new six-digit code, within the cooldown and the per-user/number/IP limits.

    The SMS goes out after the code is stored; if the provider fails, the code is
    withdrawn and the cooldown lifted so that the user can try again at once.
    """
    _refuse_within_cooldown(device)
    if not consume(request, action=SMS_RATE_LIMIT_ACTION, key=device.number.as_e164):
        raise SendNotAllowed(
            _("Too many codes were requested. Please wait a few minutes and try again.")
        )
    with transaction.atomic():
        locked = SMSDevice.objects.select_for_update().get(pk=device.pk)
        # Again on the locked row: a double click has both requests past the first check.
        _refuse_within_cooldown(locked)
        token = locked.issue_token(binding=_session_binding(request))
    minutes = app_settings.SMS_CODE_VALIDITY_SECONDS // 60
    with translation.override(language_for(device.user)):
        body = _("ERN CPMS: your code is %(code)s. It is valid for %(minutes)d minutes.") % {
            "code": token,
            "minutes": minutes,
        }
    try:
        send_sms(device.number.as_e164, body)
    except SMSDeliveryError as exc:
        with transaction.atomic():
            SMSDevice.objects.filter(pk=device.pk).update(
                token_hash="", valid_until=timezone.now(), last_generated_timestamp=None
            )
            record_event(
                action=AuditEvent.Action.SMS_FAILED,
                actor=device.user,
                target=device,
                data={"error": exc.__cause__.__class__.__name__ if exc.__cause__ else ""},
                request=request,
            )
        raise
    record_event(
        action=AuditEvent.Action.SMS_SENT, actor=device.user, target=device, request=request
    )
    device.refresh_from_db()


def verify_phone(
    *, device: SMSDevice, code: str, request: AuthenticatedHttpRequest | None = None
) -> VerifyResult:
    """Confirm a new number with its code; it then replaces any earlier number.

    The code just entered proves the phone is in the user's hands, exactly as the
    challenge would: a session not verified yet counts as verified by this phone.
    """
    with transaction.atomic():
        locked = SMSDevice.objects.select_for_update().get(pk=device.pk)
        allowed, data = locked.verify_is_allowed()
        if not allowed:
            _record_refused(locked, Method.SMS, request, throttled=True)
            return VerifyResult(ok=False, retry_in=_retry_in(data["locked_until"]))
        if not locked.verify_token(code, binding=_session_binding(request)):
            _record_refused(locked, Method.SMS, request)
            return VerifyResult(ok=False)
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        SMSDevice.objects.filter(user=locked.user).exclude(pk=locked.pk).delete()
        user = locked.user
        user.mobile_phone = locked.number
        user.save(update_fields=["mobile_phone"])
        record_event(
            action=AuditEvent.Action.PHONE_VERIFIED,
            actor=user,
            target=locked,
            data={"number": mask_number(locked.number)},
            request=request,
        )
    device.refresh_from_db()
    if request is not None and not request.user.is_verified():
        record_event(
            action=AuditEvent.Action.OTP_VERIFIED,
            actor=request.user,
            target=device,
            data={"method": Method.SMS},
            request=request,
        )
        complete_second_factor(request=request, device=device)
    return VerifyResult(ok=True)


# --- second-factor verification -------------------------------------------------------


def verify_second_factor(
    *, request: AuthenticatedHttpRequest, device: Device, token: str
) -> VerifyResult:
    """Check a code of one of the user's devices; on success mark the session verified.

    Wrong codes are throttled by django-otp (growing delays); a success rotates the
    session key, so a key seen before the second factor is worth nothing after it.
    """
    method = METHOD_OF_MODEL[type(device)]
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk, user=request.user)
        allowed, data = locked.verify_is_allowed()
        if not allowed:
            _record_refused(locked, method, request, throttled=True)
            return VerifyResult(ok=False, retry_in=_retry_in(data["locked_until"]))
        token = (token or "").strip().replace(" ", "")
        if isinstance(locked, SMSDevice):
            ok = locked.verify_token(token, binding=_session_binding(request))
        else:
            ok = locked.verify_token(token)
        record_event(
            action=AuditEvent.Action.OTP_VERIFIED if ok else AuditEvent.Action.OTP_FAILED,
            actor=request.user,
            target=locked,
            data={"method": method},
            request=request,
        )
    if ok:
        complete_second_factor(request=request, device=locked)
    return VerifyResult(ok=ok)


def _record_refused(
    device: Device, method: str, request: HttpRequest | None, *, throttled: bool = False
) -> None:
    """Audit a code refused, wrong or tried while the device is throttled; the event
    commits with the throttle's own update."""
    record_event(
        action=AuditEvent.Action.OTP_FAILED,
        actor=device.user,
        target=device,
        data={"method": method, "throttled": True} if throttled else {"method": method},
        request=request,
    )


def complete_second_factor(*, request: HttpRequest, device: Device) -> None:
    """Mark the session verified by ``device`` and give it a new key (which its row in
    "Your sessions" follows)."""
    otp_login(request, device)
    old_key = request.session.session_key
    request.session.cycle_key()
    follow_session_key(request=request, old_key=old_key)


# --- authenticator app (TOTP) ---------------------------------------------------------


def new_totp_key() -> str:
    """A fresh 160-bit secret, hex-encoded as django-otp stores it."""
    return hexlify(secrets.token_bytes(20)).decode()


def check_totp_code(*, key: str, code: str) -> int | None:
    """The time step of ``code`` if it is valid for ``key`` now (one step of tolerance)."""
    try:
        token = int((code or "").strip().replace(" ", ""))
    except ValueError:
        return None
    totp = TOTP(unhexlify(key.encode()), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    return totp.t() if totp.verify(token, tolerance=1) else None


def enrol_totp(
    *, user: User, key: str, code: str, request: HttpRequest | None = None
) -> EncryptedTOTPDevice | None:
    """Save an authenticator app, its secret encrypted, once the user proves it shows the
    right codes."""
    step = check_totp_code(key=key, code=code)
    if step is None:
        return None
    with transaction.atomic():
        device = EncryptedTOTPDevice.objects.create(
            user=user, name=str(_("Authenticator app")), key=key, confirmed=True, last_t=step
        )
        record_event(
            action=AuditEvent.Action.MFA_ENROLLED,
            actor=user,
            target=device,
            data={"method": Method.TOTP},
            request=request,
        )
    return device


class TOTPKeyNotOpened(Exception):
    """A stored secret that none of the configured keys decrypts."""


def rotate_totp_keys() -> int:
    """Re-encrypt every authenticator app's secret with the first of the configured keys
    (``MultiFernet.rotate``), and encrypt any still in clear; afterwards the other keys
    can be removed. One transaction: a secret no key opens changes nothing. Audited;
    returns how many secrets were re-encrypted."""
    with transaction.atomic():
        stored = list(EncryptedTOTPKey.objects.select_for_update().order_by("pk"))
        for row in stored:
            try:
                row.ciphertext = encryption.rotate(row.ciphertext)
            except encryption.InvalidToken:
                raise TOTPKeyNotOpened(
                    f"The secret of TOTP device {row.pk} opens with none of the keys: put "
                    "back in TOTP_ENCRYPTION_KEYS the key it was encrypted with."
                ) from None
        EncryptedTOTPKey.objects.bulk_update(stored, ["ciphertext"], batch_size=1000)
        plain = EncryptedTOTPDevice.objects.select_for_update().exclude(key=TOTP_KEY_ENCRYPTED)
        in_clear = 0
        for device in plain:
            device.save(update_fields=["key"])
            in_clear += 1
        record_event(
            action=AuditEvent.Action.TOTP_KEYS_ROTATED,
            data={"re_encrypted": len(stored), "encrypted_from_clear": in_clear},
        )
    return len(stored) + in_clear


# --- recovery codes --------------------------------------------------------------------


def generate_recovery_codes(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Replace the user's recovery codes with new single-use ones, returned to show once;
    the database keeps only their keyed hashes."""
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCodeDevice.objects.filter(user=user).delete()
        device = RecoveryCodeDevice.objects.create(
            user=user, name=str(_("Recovery codes")), confirmed=True
        )
        device.add_codes(codes)
        record_event(
            action=AuditEvent.Action.MFA_ENROLLED,
            actor=user,
            target=device,
            data={"method": Method.RECOVERY},
            request=request,
        )
    return codes


# --- removal -----------------------------------------------------------------------------


def record_enrolment(*, user: User, device: Device, request: HttpRequest | None = None) -> None:
    """Audit a method enrolled by a third-party flow (the passkey registration)."""
    record_event(
        action=AuditEvent.Action.MFA_ENROLLED,
        actor=user,
        target=device,
        data={"method": METHOD_OF_MODEL[type(device)]},
        request=request,
    )


def remove_method(*, user: User, device: Device, request: HttpRequest | None = None) -> None:
    """Remove an authenticator app, a passkey or the recovery codes (never the phone).

    The phone is required by the CPMS gate; it is replaced, not removed.
    """
    method = METHOD_OF_MODEL[type(device)]
    if method == Method.SMS or device.user_id != user.pk:
        raise TwoFactorError(_("This method cannot be removed here."))
    with transaction.atomic():
        record_event(
            action=AuditEvent.Action.MFA_REMOVED,
            actor=user,
            target=device,
            data={"method": method},
            request=request,
        )
        device.delete()
