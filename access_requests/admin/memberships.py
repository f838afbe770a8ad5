"""The members list: memberships revoked, extended and reinstated by the actions.

Upper apps add their own actions through ``register_membership_actions`` (reports: the
exports), called from their ``AppConfig.ready``.
"""

from collections.abc import Callable

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from access_requests import selectors, services
from access_requests.admin.base import BOTH_LOCATIONS, ExtendForm, NetworkScopedAdmin, ReasonForm
from access_requests.admin.filters import (
    CountryFilter,
    MembershipInstitutionFilter,
    MembershipProfileFilter,
    MembershipStatusFilter,
    NetworkFilter,
)
from access_requests.app_settings import app_settings
from access_requests.models import Membership
from accounts.admin_mixins import action_confirmation, reset_second_factor_action, selected_objects


@admin.register(Membership)
class MembershipAdmin(NetworkScopedAdmin):
    list_display = [
        "user",
        "profile",
        "institution_label",
        "network_code",
        "status",
        "granted_at",
        "expires_at",
        "ended_at",
    ]
    list_filter = [
        MembershipStatusFilter,
        NetworkFilter,
        CountryFilter,
        MembershipInstitutionFilter,
        MembershipProfileFilter,
    ]
    search_fields = [
        "user__email",
        "user__first_name",
        "user__last_name",
        "institution__name",
        "institution__code",
    ]
    show_full_result_count = False
    actions = [
        "revoke_selected",
        "extend_selected",
        "reinstate_selected",
        reset_second_factor_action(permission="manage"),
    ]

    def get_queryset(self, request):
        # What the list and the actions' pages show; who ended a membership and the
        # request that granted it are read on the membership's own page only.
        return selectors.memberships_for_administrator(request.user).select_related(
            "user", "profile", "institution", "network"
        )

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm(
            "access_requests.change_membership"
        ) and self.administers_any_network(request)

    @admin.display(description=_("institution"), ordering="institution__code")
    def institution_label(self, obj: Membership) -> str:
        return obj.institution.label

    @admin.display(description=_("network"), ordering="network__code")
    def network_code(self, obj: Membership) -> str:
        return obj.network.code

    @admin.action(
        description=_("Revoke the selected memberships…"),
        permissions=["manage"],
        location=BOTH_LOCATIONS,
    )
    def revoke_selected(self, request, queryset):
        chosen = selected_objects(self, request, queryset)
        form = ReasonForm(request.POST if request.POST.get("post") == "yes" else None)
        form.fields["reason"].help_text = _("Sent to the member in the e-mail.")
        if not form.is_valid():
            return action_confirmation(
                self,
                request,
                action="revoke_selected",
                objects=chosen,
                title=_("Revoke memberships"),
                question=_(
                    "Revoke these memberships now? Give the reason: it is recorded and sent "
                    "to each member."
                ),
                button=_("Yes, revoke"),
                form=form,
            )
        self.apply_service(
            request,
            chosen,
            lambda membership: services.revoke_membership(
                membership=membership,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            ),
            done_message=lambda n: (
                ngettext("%(count)d membership revoked.", "%(count)d memberships revoked.", n)
                % {"count": n}
            ),
            skipped_message=lambda n: (
                ngettext(
                    "%(count)d membership skipped because it had already ended:",
                    "%(count)d memberships skipped because they had already ended:",
                    n,
                )
                % {"count": n}
            ),
        )
        return None

    @admin.action(
        description=_("Extend the expiry of the selected guest memberships…"),
        permissions=["manage"],
        location=BOTH_LOCATIONS,
    )
    def extend_selected(self, request, queryset):
        chosen = selected_objects(self, request, queryset)
        form = ExtendForm(
            request.POST if request.POST.get("post") == "yes" else None,
            initial={"days": app_settings.GUEST_ACCESS_DAYS},
        )
        if not form.is_valid():
            return action_confirmation(
                self,
                request,
                action="extend_selected",
                objects=chosen,
                title=_("Extend guest memberships"),
                question=_("Extend the expiry date of these memberships? Each member is told."),
                button=_("Yes, extend"),
                form=form,
            )
        self.apply_service(
            request,
            chosen,
            lambda membership: services.extend_membership(
                membership=membership,
                actor=request.user,
                days=form.cleaned_data["days"],
                request=request,
            ),
            skip=services.RequestError,
            done_message=lambda n: (
                ngettext("%(count)d membership extended.", "%(count)d memberships extended.", n)
                % {"count": n}
            ),
            skipped_message=lambda n: (
                ngettext(
                    "%(count)d membership skipped because it has ended or does not expire:",
                    "%(count)d memberships skipped because they have ended or do not expire:",
                    n,
                )
                % {"count": n}
            ),
        )
        return None

    @admin.action(
        description=_("Reinstate the selected revoked memberships…"),
        permissions=["manage"],
        location=BOTH_LOCATIONS,
    )
    def reinstate_selected(self, request, queryset):
        chosen = selected_objects(self, request, queryset)
        form = ReasonForm(request.POST if request.POST.get("post") == "yes" else None)
        form.fields["reason"].help_text = _("Recorded in the audit trail.")
        if not form.is_valid():
            return action_confirmation(
                self,
                request,
                action="reinstate_selected",
                objects=chosen,
                title=_("Reinstate memberships"),
                question=_(
                    "Reinstate these revoked memberships? Each member gets their access "
                    "profile back and an e-mail. Give the reason: it is recorded."
                ),
                button=_("Yes, reinstate"),
                form=form,
            )
        self.apply_service(
            request,
            chosen,
            lambda membership: services.reinstate_membership(
                membership=membership,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            ),
            done_message=lambda n: (
                ngettext(
                    "%(count)d membership reinstated.", "%(count)d memberships reinstated.", n
                )
                % {"count": n}
            ),
            skipped_message=lambda n: (
                ngettext(
                    "%(count)d membership skipped because it was not revoked:",
                    "%(count)d memberships skipped because they were not revoked:",
                    n,
                )
                % {"count": n}
            ),
        )
        return None


def register_membership_actions(*actions: Callable) -> None:
    """The hook by which an upper app adds actions to the members list (reports: the
    exports of the selected members), called from its ``AppConfig.ready``."""
    MembershipAdmin.actions = [
        *MembershipAdmin.actions,
        *(a for a in actions if a not in MembershipAdmin.actions),
    ]
