"""Identity: the user, the SMS, recovery-code and authenticator-app second factors, the
append-only audit trail."""

import hashlib
import hmac
import secrets
from base64 import b32encode
from binascii import unhexlify
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import CooldownMixin, Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from phonenumber_field.modelfields import PhoneNumberField

from accounts.app_settings import app_settings
from accounts.audit_actions import Action as AccountsAction
from accounts.audit_actions import action_choices
from accounts.languages import EmailLanguage
from accounts.two_factor import encryption


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser needs is_staff and is_superuser.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an EU-Login-style account: the e-mail address is the login."""

    email = models.EmailField(_("E-mail"), max_length=254, unique=True)
    first_name = models.CharField(_("First name"), max_length=150)
    last_name = models.CharField(_("Last name"), max_length=150)
    email_language = models.CharField(
        _("E-mail language"),
        max_length=2,
        choices=EmailLanguage.choices,
        default=EmailLanguage.EN,
    )
    mobile_phone = PhoneNumberField(
        _("Mobile phone"),
        blank=True,
        help_text=_(
            "International format including country code, e.g. for Belgium: +32 123 45 67 89"
        ),
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    privacy_version = models.CharField(_("privacy statement version"), max_length=32, blank=True)
    privacy_acknowledged_at = models.DateTimeField(
        _("privacy statement acknowledged at"), null=True, blank=True
    )
    inactivity_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped to end every session of the user at once (see get_session_auth_hash).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    if TYPE_CHECKING:

        def is_verified(self) -> bool:
            """Set on ``request.user`` by django-otp's ``OTPMiddleware``."""
            ...

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # UPPER, not LOWER: Django's ``email__iexact`` (the login, allauth, the
            # adapter) compiles to UPPER("email") = UPPER(%s) on PostgreSQL, so this one
            # index both keeps addresses unique regardless of case and finds the user at
            # login; with LOWER the login scanned every user (78 ms at 100,000).
            models.UniqueConstraint(Upper("email"), name="accounts_user_email_ci_unique"),
        ]
        indexes = [
            # The directory of experts pages through active users in this order: read
            # along the index, a page costs its 25 rows instead of sorting every user.
            models.Index(
                Lower("last_name"),
                Lower("first_name"),
                "id",
                name="user_directory_order_idx",
                condition=Q(is_active=True),
            ),
            # The directory's count rules out the (few) inactive users by an anti-join
            # on this small index instead of reading every user.
            models.Index(fields=["id"], name="user_inactive_idx", condition=Q(is_active=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_full_name()} <{self.email}>" if self.first_name else self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    def get_session_auth_hash(self) -> str:
        """Sessions carry this hash; a new password or a new epoch invalidates them all."""
        key_salt = "accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_epoch}", algorithm="sha256"
        ).hexdigest()

    def has_verified_phone(self) -> bool:
        return SMSDevice.verified_of(self).exists()


def _keyed_digest(message: str, *, secret: str | None = None) -> bytes:
    """HMAC-SHA256 of ``message`` keyed with ``SECRET_KEY`` (or ``secret``, one of its
    fallbacks): how one-time codes are stored. Codes are short, so a plain hash could be
    reversed by trying them all; keyed, a copy of the database alone is worth nothing.
    Each kind of code starts its message with its own name (``sms:``, ``recovery:``)."""
    return hmac.new(
        (secret or settings.SECRET_KEY).encode(), message.encode(), hashlib.sha256
    ).digest()


def _hash_token(device_pk: int, token: str, binding: str = "") -> str:
    # ``binding`` ties a code to the login in progress (a secret of the session
    # that asked for it): the same code typed in another session does not match.
    return _keyed_digest(f"sms:{device_pk}:{binding}:{token}").hex()


class SMSDevice(TimestampMixin, ThrottlingMixin, CooldownMixin, Device):
    """A mobile phone that receives one-time codes by SMS; confirmed once verified.

    Unlike django-otp's SideChannelDevice the code is stored as a keyed hash,
    never in plain text.
    """

    @classmethod
    def verified_of(cls, user) -> models.QuerySet:
        """The user's verified phones; ``user`` may be an ``OuterRef`` (the CPMS gate)."""
        return cls.objects.filter(user=user, confirmed=True)

    number = PhoneNumberField(_("Mobile phone"))
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    valid_until = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("SMS device")
        verbose_name_plural = _("SMS devices")

    def get_throttle_factor(self) -> int:
        return app_settings.SMS_THROTTLE_FACTOR

    def get_cooldown_duration(self) -> int:
        return app_settings.SMS_RESEND_COOLDOWN_SECONDS

    def issue_token(self, *, binding: str = "") -> str:
        """Make a new six-digit code, store its hash, and return it for sending."""
        token = f"{secrets.randbelow(1_000_000):06d}"
        self.token_hash = _hash_token(self.pk, token, binding)
        self.valid_until = timezone.now() + timedelta(
            seconds=app_settings.SMS_CODE_VALIDITY_SECONDS
        )
        self.cooldown_set(commit=False)
        self.save(update_fields=["token_hash", "valid_until", "last_generated_timestamp"])
        return token

    def verify_token(self, token, *, binding: str = "") -> bool:
        """Check a code: single use, before expiry, in the session it was issued for
        (``binding``), with django-otp's growing delays."""
        allowed, _data = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token or "").strip()
        ok = (
            bool(self.token_hash)
            and timezone.now() < self.valid_until
            and hmac.compare_digest(self.token_hash, _hash_token(self.pk, token, binding))
        )
        if ok:
            self.token_hash = ""
            self.valid_until = timezone.now()
        return settle_attempt(self, ok)


def settle_attempt(device: SMSDevice | StaticDevice, ok: bool) -> bool:
    """django-otp's bookkeeping once a code was checked: a success resets the throttle
    and stamps the use (saving the device), a failure makes the next try wait longer."""
    if ok:
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save()
    else:
        device.throttle_increment()
    return ok


def normalise_recovery_code(code) -> str:
    """A recovery code as it was made: lower case, without spaces or dashes."""
    return "".join(str(code or "").split()).replace("-", "").lower()


def recovery_code_digest(device_pk: int, code: str, *, secret: str | None = None) -> str:
    """The stored form of a recovery code: 16 base32 characters, ``StaticToken.token``'s
    size (80 bits of HMAC-SHA256).

    80 bits are plenty: a code itself carries 40 (eight base32 characters), so guessing
    a code is always the easier attack, and a wrong code matches one of a device's ten
    stored forms with odds of 10 in 2**80. Keyed with ``SECRET_KEY`` (see
    ``_keyed_digest``): a database copy alone cannot be searched for the codes, which
    with 40 bits an unkeyed hash could not prevent (whoever also has the key can: it
    stays secret, as for the SMS codes). Upper case, so it cannot be typed back as a
    code (codes are lower-cased first).
    """
    digest = _keyed_digest(f"recovery:{device_pk}:{code}", secret=secret)
    return b32encode(digest[:10]).decode()


class RecoveryCodeDevice(StaticDevice):
    """django-otp's static device (single-use recovery codes) with its codes stored as
    keyed hashes, never in plain text (ASVS 5.0 V6.5.2).

    A proxy: same rows, same ``StaticToken``s, django-otp's throttling; only the making
    and the checking of a code differ. Recovery codes must be made and checked through
    this class: ``StaticDevice.verify_token`` compares plain text. django-otp's device
    lists (``devices_for_user``, ``device_classes``) skip proxies and give the same rows
    as ``StaticDevice``: good for listing and removing, not for checking a code.
    """

    class Meta:
        proxy = True
        verbose_name = _("Recovery codes")
        verbose_name_plural = _("Recovery codes")

    def add_codes(self, codes) -> None:
        StaticToken.objects.bulk_create(
            StaticToken(
                device=self, token=recovery_code_digest(self.pk, normalise_recovery_code(c))
            )
            for c in codes
        )

    def _stored_forms(self, code: str) -> list[str]:
        # SECRET_KEY first, then its fallbacks, as Django's signing does: after a key
        # rotation, codes made before it keep working while the old key is a fallback
        # (and stop working once it is dropped: the user makes new ones).
        keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        return [recovery_code_digest(self.pk, code, secret=key) for key in keys]

    def verify_token(self, token) -> bool:
        """StaticDevice.verify_token on the stored form: single use, throttled alike."""
        allowed, _data = self.verify_is_allowed()
        if not allowed:
            return False
        match = self.token_set.filter(
            token__in=self._stored_forms(normalise_recovery_code(token))
        ).first()
        # The count of deleted rows: a code used meanwhile (0 rows) is refused.
        ok = match is not None and match.delete()[0] == 1
        return settle_attempt(self, ok)


# What django-otp's ``key`` column holds once the secret is encrypted: not hex, so that
# django-otp's own TOTPDevice, handed such a row, fails instead of checking codes.
TOTP_KEY_ENCRYPTED = "encrypted"


class EncryptedTOTPDevice(TOTPDevice):
    """django-otp's TOTP device (an authenticator app) with its secret encrypted at rest.

    django-otp owns the model and its migrations, so ``key`` stays its varchar(80) of hex;
    a Fernet token of the 20-byte secret is 120 characters, too long for it. The token
    goes in ``EncryptedTOTPKey`` (one row per device, deleted with it) and ``key`` holds
    ``TOTP_KEY_ENCRYPTED``. A proxy, so the rest is django-otp's: the rows (the audit trail
    and the data download name them ``otp_totp.totpdevice``), ``verify_token`` with its
    tolerance, drift, ``last_t`` and throttling, ``config_url``. Only ``bin_key``, which
    both read, decrypts; ``save`` (django-otp's verification saves too) encrypts a secret
    still in clear (a new device, a row made by ``TOTPDevice`` itself) and writes the
    token in the same transaction.

    Authenticator apps must be made and checked through this class. As for
    ``RecoveryCodeDevice``, django-otp's lists (``devices_for_user``, ``device_classes``)
    skip proxies and give the same rows as ``TOTPDevice``: right for listing and removing;
    checking a code there raises (``key`` is not hex). A session verified with it keeps
    ``accounts.encryptedtotpdevice/<id>``; one from before keeps
    ``otp_totp.totpdevice/<id>``, the same row, which OTPMiddleware still accepts.
    """

    class Meta:
        proxy = True
        verbose_name = _("Authenticator app")
        verbose_name_plural = _("Authenticator apps")

    @property
    def is_encrypted(self) -> bool:
        return self.key == TOTP_KEY_ENCRYPTED

    @property
    def bin_key(self) -> bytes:
        if not self.is_encrypted:  # not saved yet (the set-up page), or a row in clear
            return unhexlify(self.key.encode())
        return encryption.decrypt(self.encrypted_key.ciphertext)

    def save(self, **kwargs) -> None:
        if self.is_encrypted:
            super().save(**kwargs)
            return
        ciphertext = encryption.encrypt(self.bin_key)
        self.key = TOTP_KEY_ENCRYPTED
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "key"}
        with transaction.atomic(using=kwargs.get("using")):
            super().save(**kwargs)
            self.encrypted_key, _created = EncryptedTOTPKey.objects.update_or_create(
                device_id=self.pk, defaults={"ciphertext": ciphertext}
            )


class EncryptedTOTPKey(models.Model):
    """The Fernet token of an authenticator app's secret (see ``EncryptedTOTPDevice``)."""

    device = models.OneToOneField(
        TOTPDevice, on_delete=models.CASCADE, primary_key=True, related_name="encrypted_key"
    )
    ciphertext = models.TextField(editable=False)

    def __str__(self) -> str:
        return f"encrypted key of TOTP device {self.pk}"


class AuditEvent(models.Model):
    """One audited fact. Append-only: written by services, never changed."""

    # The accounts app's actions; every app's actions are in ``audit_actions.registry``.
    Action = AccountsAction

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32, choices=action_choices, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(_("target"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_action_display()}"


class OutboundEmail(models.Model):
    """An e-mail written in the transaction of the change it reports, sent after commit.

    A mail server that is down loses nothing: the row stays unsent and the
    ``send_queued_mail`` command (cron) retries it.
    """

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set by the process that sends the row, so that no other sends it too.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class KnownBrowser(models.Model):
    """A browser the user has logged in from: a login from any other one is mailed.

    The browser holds a random id in a long-lived cookie; only its SHA-256 is kept here,
    so these rows cannot be turned back into a cookie that passes for the browser.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_browsers"
    )
    browser_hash = models.CharField(max_length=64, editable=False)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("known browser")
        verbose_name_plural = _("known browsers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "browser_hash"], name="known_browser_unique_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.first_seen:%Y-%m-%d}"
