"""Password rules Django does not ship (NIST SP 800-63B §5.1.1.2, ASVS 5.0 V6.2)."""

import itertools

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """Refuse passwords longer than ``max_length`` characters (default 128).

    Long passphrases are welcome; the cap only keeps a megabyte "password" from
    costing a hash's worth of memory and CPU at every login attempt.
    """

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d "
                    "characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can contain at most %(max_length)d character.",
            "Your password can contain at most %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}

    def __eq__(self, other) -> bool:
        return isinstance(other, MaximumLengthValidator) and other.max_length == self.max_length


class RepetitiveOrSequentialValidator:
    """Refuse passwords made mostly of repeated or consecutive characters.

    NIST SP 800-63B asks verifiers to refuse "repetitive or sequential characters
    (e.g. 'aaaaaa', '1234abcd')"; Django's common-password list misses long ones
    such as "123456789012" or "abcdefghijkl". This is not a composition rule:
    any character may appear, only runs like these are refused.
    """

    def validate(self, password: str, user=None) -> None:
        steps = [ord(b) - ord(a) for a, b in itertools.pairwise(password)]
        if steps and sum(abs(step) <= 1 for step in steps) / len(steps) >= 0.75:
            raise ValidationError(
                _("This password is made of repeated or consecutive characters."),
                code="password_sequential",
            )

    def get_help_text(self) -> str:
        return _("Your password can’t be mostly repeated or consecutive characters.")  # noqa: RUF001 (Django's apostrophe)
