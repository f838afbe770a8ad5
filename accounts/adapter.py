"""allauth's adapter: sign-up without a password, e-mails through our queue in the user's
language, and the password chosen after the address is verified."""

from typing import cast

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.core import context as allauth_context
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device

from accounts import mail, services
from accounts.models import User

# allauth's reset flow sets the first password too: its message then says "set".
FIRST_CHOICE_MESSAGES = {
    "account/messages/password_changed.txt": "account/messages/password_set.txt",
}


LOGGED_IN_MESSAGE = "account/messages/logged_in.txt"
# allauth's messages that repeat what the next page says in the portal's words:
# "We have sent you an e-mail…" (or "this address is waiting for verification") after a
# confirmation is sent, and "Your e-mail address … is verified. Choose the password…"
# after the first confirmation.
CONFIRMATION_SENT_MESSAGE = "account/messages/email_confirmation_sent.txt"
CONFIRMED_MESSAGE = "account/messages/email_confirmed.txt"


def _password_is_chosen_next(message_context: dict | None) -> bool:
    """Whether the address just confirmed leads on to choosing the first password
    (``get_email_verification_redirect_url``)."""
    email = (message_context or {}).get("email")
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user")
        if email
        else EmailAddress.objects.none()
    ).first()
    return address is not None and not address.user.has_usable_password()


def _second_factor_follows(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return False
    # The phone first: almost every member has one, and it answers in one query where
    # django-otp's user_has_device asks each kind of device in turn (four queries).
    return user.has_verified_phone() or user_has_device(user)


def _recipient(email: str, context: dict) -> User | None:
    user = context.get("user")
    if isinstance(user, get_user_model()):
        return user
    return get_user_model().objects.filter(email__iexact=email).first()


# One message for a wrong password, an unknown address and a throttled account, so that
# the answer tells an attacker neither which accounts exist nor which are under attack.
LOGIN_REFUSED = _(
    "The e-mail address and/or password you specified are not correct, or there were too "
    "many attempts. Please check them, or try again in a few minutes."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": LOGIN_REFUSED,
        "too_many_login_attempts": LOGIN_REFUSED,
    }

    # allauth types its users as AbstractBaseUser; they are AUTH_USER_MODEL's, a User.
    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form, commit: bool = True
    ) -> User:
        new_user = cast(User, super().save_user(request, user, form, commit=False))
        if not commit:
            return new_user
        return services.register_user(
            user=new_user,
            email_language=form.cleaned_data.get("email_language") or "en",
            request=request,
        )

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Queue the message (sent on commit, retried on failure) in the recipient's language.

        An address that belongs to nobody yet gets the page's language.
        """
        request = allauth_context.request
        recipient = _recipient(email, context)
        language = (
            mail.language_for(recipient)
            if recipient is not None
            else (translation.get_language() or "en")[:2]
        )
        ctx = {"request": request, "email": email, **context}
        mail.queue_mail(
            to=email,
            template_prefix=template_prefix,
            context=ctx,
            language=language,
            user=recipient,
        )

    def set_password(self, user: AbstractBaseUser, password: str) -> None:
        request = allauth_context.request
        if request is not None and not user.has_usable_password():
            request._cpms_first_password = True  # read by add_message below
        services.set_password(user=cast(User, user), password=password, request=request)

    def add_message(
        self, request, level, message_template=None, message_context=None, *args, **kwargs
    ) -> None:
        """allauth's messages, but "Password successfully set." for the first password,
        and none where the page that follows says it already."""
        if message_template == LOGGED_IN_MESSAGE and _second_factor_follows(request):
            return  # "Successfully signed in" would show on the challenge, before the code
        if message_template == CONFIRMATION_SENT_MESSAGE:
            return
        if message_template == CONFIRMED_MESSAGE and _password_is_chosen_next(message_context):
            return
        if getattr(request, "_cpms_first_password", False):
            message_template = FIRST_CHOICE_MESSAGES.get(message_template, message_template)
        super().add_message(request, level, message_template, message_context, *args, **kwargs)

    def get_email_verification_redirect_url(self, email_address: EmailAddress) -> str:
        """After sign-up the verified address leads straight on to choosing the password."""
        user = email_address.user
        if not user.has_usable_password():
            return reverse(
                "account_reset_password_from_key",
                kwargs={
                    "uidb36": user_pk_to_url_str(user),
                    "key": default_token_generator.make_token(user),
                },
            )
        if self.request.user.is_authenticated:
            return reverse("accounts:profile")
        return super().get_email_verification_redirect_url(email_address)
