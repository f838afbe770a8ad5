"""What the pages show of the federation."""

from typing import Any

from allauth.socialaccount.models import SocialAccount

from accounts.http import AuthenticatedHttpRequest
from federation.app_settings import app_settings


def claims_of_account(account: SocialAccount) -> dict[str, Any]:
    """The ID token's claims, with the user info's over them (what allauth stores)."""
    data = account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


def linked_accounts(user) -> list[SocialAccount]:
    return list(SocialAccount.objects.filter(user=user, provider=app_settings.PROVIDER_ID))


def profile_context(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    """The "EU Login" section of User Data details (nothing when the federation is off)."""
    accounts = linked_accounts(request.user) if app_settings.ENABLED else []
    return {
        "federation_enabled": app_settings.ENABLED,
        "federation_name": app_settings.NAME,
        "federation_provider_id": app_settings.PROVIDER_ID,
        "federation_accounts": [
            {"account": a, "email": claims_of_account(a).get("email", "")} for a in accounts
        ],
        "federation_can_unlink": request.user.has_usable_password(),
    }
