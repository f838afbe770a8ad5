from allauth.account import app_settings as allauth_settings
from django import template

register = template.Library()


@register.simple_tag
def email_link_expiry_days() -> int:
    """How long a verification link stays valid (ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS)."""
    return allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS
