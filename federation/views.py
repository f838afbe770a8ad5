"""The federation's own page: unlinking from User Data details (linking is allauth's
connect flow, started from the same section)."""

from allauth.account.decorators import reauthentication_required
from allauth.socialaccount.forms import DisconnectForm
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.two_factor.views import second_factor_required
from federation.app_settings import app_settings


@require_POST
@second_factor_required(come_back_to="accounts:profile")
@reauthentication_required  # the password again; allauth resumes this POST after it
def unlink(request: AuthenticatedHttpRequest):
    """allauth's disconnect: refused when the account would have no way in left."""
    form = DisconnectForm(request.POST, request=request)
    if form.is_valid():
        form.save()  # allauth's social_account_removed signal writes the audit event
        messages.success(
            request, _("Your %(name)s account is unlinked.") % {"name": app_settings.NAME}
        )
    else:
        for error in form.non_field_errors() or [_("Choose the account to unlink.")]:
            messages.error(request, str(error))
    return redirect("accounts:profile")
