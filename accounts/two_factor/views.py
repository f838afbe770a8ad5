"""Pages of the mobile phone and second factors. Thin: authorise, bind, call a service."""

from functools import wraps
from urllib.parse import urlencode

import segno
from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from accounts.http import AuthenticatedHttpRequest
from accounts.models import EncryptedTOTPDevice, RecoveryCodeDevice, SMSDevice
from accounts.sms import SMSDeliveryError
from accounts.two_factor import selectors, services
from accounts.two_factor.forms import CodeForm, PhoneForm, RecoveryCodeForm
from accounts.two_factor.selectors import Method
from accounts.urls_utils import safe_next_url

TOTP_KEY_SESSION_KEY = "_cpms_totp_pending_key"
# Lazy: a module-level constant is built once, at import, in no request's language.
WRONG_CODE = gettext_lazy("The code is not valid. Check it, or ask for a new one.")


def _with_next(url: str, request: HttpRequest, **params) -> str:
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if next_url:
        params[REDIRECT_FIELD_NAME] = next_url
    return f"{url}?{urlencode(params)}" if params else url


def _throttled(retry_in: int) -> str:
    return _("Too many wrong codes. Please wait %(seconds)d seconds and try again.") % {
        "seconds": retry_in
    }


def _challenge_first(request: AuthenticatedHttpRequest, come_back_to: str | None = None):
    """The challenge, when the user has a second factor the session has not verified."""
    if user_has_device(request.user) and not request.user.is_verified():
        next_url = resolve_url(come_back_to) if come_back_to else request.get_full_path()
        return redirect(
            f"{reverse('two_factor:challenge')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
        )
    return None


def second_factor_required(come_back_to: str | None = None):
    """A sensitive page needs a session verified with the user's second factor, if any.

    ``come_back_to``: where the challenge leads afterwards when the view only takes a POST.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs):
            return _challenge_first(request, come_back_to) or view(request, *args, **kwargs)

        return wrapper

    return decorator


def verified_session_required(view):
    """Managing second factors needs a session verified with one (or none enrolled yet)."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs):
        if not request.user.has_verified_phone():
            return redirect(_with_next(reverse("two_factor:phone"), request))
        return _challenge_first(request) or view(request, *args, **kwargs)

    return wrapper


# --- mobile phone ------------------------------------------------------------------------


def _replacing_a_verified_number(request: AuthenticatedHttpRequest) -> bool:
    return request.method == "POST" and request.user.has_verified_phone()


def _phone_page(request, *, form=None, code_form=None, status=200) -> HttpResponse:
    pending = selectors.pending_phone(request.user)
    return render(
        request,
        "two_factor/phone_edit.html",
        {
            "verified": selectors.verified_phone(request.user),
            "pending": pending,
            "form": form or PhoneForm(),
            "code_form": code_form or CodeForm(label=_("Verification code")),
            "resend_wait": services.resend_wait_seconds(pending) if pending else 0,
            "next": request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME),
        },
        status=status,
    )


def _second_factor_before_replacing(view):
    """Replacing a verified number needs that number (or another factor) first: with the
    password alone, anyone could move the second factor to their own phone."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs):
        if _replacing_a_verified_number(request) and not request.user.is_verified():
            return redirect(
                f"{reverse('two_factor:challenge')}?"
                f"{urlencode({REDIRECT_FIELD_NAME: reverse('two_factor:phone')})}"
            )
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
@_second_factor_before_replacing
@reauthentication_required(enabled=_replacing_a_verified_number)
def phone(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add a mobile number (or replace it, after the password again) and send its code."""
    if request.method != "POST":
        return _phone_page(request)
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return _phone_page(request, form=form)
    device = services.add_phone(
        user=request.user, number=form.cleaned_data["number"], request=request
    )
    try:
        services.send_sms_code(device=device, request=request)
    except (SMSDeliveryError, services.SendNotAllowed) as exc:
        form.add_error(None, str(exc))
        return _phone_page(request, form=form)
    messages.success(
        request, _("We sent a code to %(number)s.") % {"number": device.number.as_international}
    )
    return redirect(_with_next(reverse("two_factor:phone"), request))


@never_cache
@require_POST
def phone_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enter the code sent to the new number; it then counts as the user's phone."""
    pending = selectors.pending_phone(request.user)
    code_form = CodeForm(request.POST, label=_("Verification code"))
    if pending is None:
        return redirect(_with_next(reverse("two_factor:phone"), request))
    if code_form.is_valid():
        result = services.verify_phone(
            device=pending, code=code_form.cleaned_data["code"], request=request
        )
        if result.ok:
            messages.success(request, _("Your mobile phone is verified."))
            return HttpResponseRedirect(safe_next_url(request, default="two_factor:phone"))
        code_form.add_error("code", _throttled(result.retry_in) if result.retry_in else WRONG_CODE)
    return _phone_page(request, code_form=code_form)


@never_cache
@require_POST
def phone_resend(request: AuthenticatedHttpRequest) -> HttpResponse:
    pending = selectors.pending_phone(request.user)
    if pending is not None:
        try:
            services.send_sms_code(device=pending, request=request)
            messages.success(request, _("We sent a new code."))
        except (SMSDeliveryError, services.SendNotAllowed) as exc:
            messages.error(request, str(exc))
    return redirect(_with_next(reverse("two_factor:phone"), request))


# --- the challenge -----------------------------------------------------------------------


@never_cache
def challenge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Second authentication: the strongest enrolled method by default, SMS otherwise."""
    if request.user.is_verified():
        return HttpResponseRedirect(safe_next_url(request))
    enrolled = selectors.enrolled_methods(request.user)
    if not enrolled:
        return redirect(_with_next(reverse("two_factor:phone"), request))
    kinds = [m.method for m in enrolled]
    chosen = request.POST.get("method") or request.GET.get("method")
    method = chosen if chosen in kinds else selectors.default_method(enrolled) or kinds[0]
    device = next(m.device for m in enrolled if m.method == method)
    labels = {
        Method.SMS: _("SMS text challenge"),
        Method.TOTP: _("Code from your authenticator app"),
    }
    form = (
        RecoveryCodeForm(request.POST or None)
        if method == Method.RECOVERY
        else CodeForm(request.POST or None, label=labels.get(method))
    )
    if (
        request.method == "POST"
        and request.POST.get("action") == "send"
        and isinstance(device, SMSDevice)
    ):
        try:
            services.send_sms_code(device=device, request=request)
        except (SMSDeliveryError, services.SendNotAllowed) as exc:
            messages.error(request, str(exc))
        return redirect(_with_next(reverse("two_factor:challenge"), request, method=method))
    if request.method == "POST" and method != Method.PASSKEY and form.is_valid():
        result = services.verify_second_factor(
            request=request, device=device, token=form.cleaned_data["code"]
        )
        if result.ok:
            return HttpResponseRedirect(safe_next_url(request))
        form.add_error("code", _throttled(result.retry_in) if result.retry_in else WRONG_CODE)
    # After a refused code the code form stays, with its message, even if no code is live.
    code_sent = isinstance(device, SMSDevice) and (
        bool(form.errors) or (bool(device.token_hash) and device.valid_until > timezone.now())
    )
    return render(
        request,
        "two_factor/challenge.html",
        {
            "enrolled": enrolled,
            "kinds": kinds,
            "method": method,
            "method_label": Method.LABELS[method],
            "device": device,
            "masked_number": (
                selectors.mask_number(device.number) if isinstance(device, SMSDevice) else ""
            ),
            "code_sent": code_sent,
            "resend_wait": (
                services.resend_wait_seconds(device) if isinstance(device, SMSDevice) else 0
            ),
            "form": form,
            "next": safe_next_url(request),
            "Method": Method,
        },
    )


# --- methods ----------------------------------------------------------------------------


@never_cache
@verified_session_required
def methods(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The enrolled second factors, with the stronger ones recommended over SMS."""
    from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate

    enrolled = selectors.enrolled_methods(request.user)
    return render(
        request,
        "two_factor/methods_list.html",
        {
            "enrolled": enrolled,
            "kinds": {m.method for m in enrolled},
            "Method": Method,
            "recently_reauthenticated": did_recently_reauthenticate(request),
            "recovery_left": sum(
                m.device.token_set.count()
                for m in enrolled
                if isinstance(m.device, RecoveryCodeDevice)
            ),
        },
    )


@never_cache
@verified_session_required
@reauthentication_required
def totp_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, then prove it with one code."""
    key = request.session.get(TOTP_KEY_SESSION_KEY)
    if not key:
        key = request.session[TOTP_KEY_SESSION_KEY] = services.new_totp_key()
    form = CodeForm(request.POST or None, label=_("Code from your authenticator app"))
    if request.method == "POST" and form.is_valid():
        device = services.enrol_totp(
            user=request.user, key=key, code=form.cleaned_data["code"], request=request
        )
        if device is not None:
            del request.session[TOTP_KEY_SESSION_KEY]
            messages.success(request, _("Your authenticator app is set up."))
            return redirect("two_factor:methods")
        form.add_error("code", WRONG_CODE)
    # Never saved: it only makes the otpauth:// URL of the key (held in clear until then).
    unsaved = EncryptedTOTPDevice(user=request.user, name=_("Authenticator app"), key=key)
    qr_svg = segno.make(unsaved.config_url, error="m").svg_inline(
        scale=4, title=_("QR code for your authenticator app"), omitsize=False
    )
    return render(
        request,
        "two_factor/totp_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(qr_svg),  # noqa: S308 - SVG made by segno from our own URL
            "secret": _group(unsaved.config_url.split("secret=")[1].split("&")[0]),
        },
    )


def _group(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@verified_session_required
@reauthentication_required(allow_get=True)
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Make new recovery codes (the old ones stop working); they are shown only once."""
    codes = None
    if request.method == "POST":
        codes = services.generate_recovery_codes(user=request.user, request=request)
    return render(request, "two_factor/recovery_codes.html", {"codes": codes})


@never_cache
@require_POST
@verified_session_required
@reauthentication_required
def remove_method(request: AuthenticatedHttpRequest) -> HttpResponse:
    target = (request.POST.get("method"), request.POST.get("device"))
    for enrolled in selectors.enrolled_methods(request.user):
        if (enrolled.method, str(enrolled.device.pk)) == target and enrolled.method != Method.SMS:
            services.remove_method(user=request.user, device=enrolled.device, request=request)
            messages.success(request, _("%(method)s removed.") % {"method": enrolled.label})
            break
    else:
        messages.error(request, _("This method cannot be removed here."))
    return redirect("two_factor:methods")
