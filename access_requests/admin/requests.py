"""The queue of access requests: pending by default, decided by the actions."""

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from access_requests import selectors, services
from access_requests.admin.base import BOTH_LOCATIONS, NetworkScopedAdmin, ReasonForm
from access_requests.admin.filters import (
    AgeFilter,
    CountryFilter,
    NetworkFilter,
    ProfileFilter,
    RequestStatusFilter,
)
from access_requests.models import AccessRequest
from accounts.admin_mixins import action_confirmation, selected_objects


@admin.register(AccessRequest)
class AccessRequestAdmin(NetworkScopedAdmin):
    list_display = [
        "id",
        "applicant",
        "verified_phone",
        "network_and_country",
        "institution_and_profiles",
        "short_comment",
        "submitted_and_age",
        "status",
    ]
    list_display_links = ["id"]
    list_filter = [RequestStatusFilter, NetworkFilter, CountryFilter, ProfileFilter, AgeFilter]
    search_fields = [
        "user__first_name",
        "user__last_name",
        "user__email",
        "institution__name",
        "institution__code",
    ]
    ordering = ["submitted_at", "id"]
    list_per_page = 50
    # A full COUNT(*) of 100,000 rows on every page view buys little here.
    show_full_result_count = False
    actions = ["approve_selected", "reject_selected"]
    fields = [
        "user",
        "applicant_email",
        "verified_phone",
        "network",
        "institution_label",
        "profile_names",
        "comment",
        "status",
        "submitted_at",
        "age_in_days",
        "reminder_sent_at",
        "decided_at",
        "decided_by",
        "decision_reason",
        "granted_memberships",
    ]
    readonly_fields = list(fields)  # type: ignore[arg-type]  # the stubs widen the list

    def get_queryset(self, request):
        return selectors.with_queue_columns(selectors.requests_for_administrator(request.user))

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        # The queue needs the width (at 1280 px the app list left 630 px for the table);
        # the breadcrumbs lead back to the other lists.
        extra_context.setdefault("is_nav_sidebar_enabled", False)
        if request.GET.get(RequestStatusFilter.parameter_name) in (None, "submitted"):
            extra_context.setdefault("title", _("Access requests waiting for a decision"))
        return super().changelist_view(request, extra_context=extra_context)

    def get_list_display(self, request):
        # The queue shows only pending requests: a status column would say so 50 times.
        if request.GET.get(RequestStatusFilter.parameter_name, "submitted") == "submitted":
            return [name for name in self.list_display if name != "status"]
        return self.list_display

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm(
            "access_requests.change_accessrequest"
        ) and self.administers_any_network(request)

    # Columns --------------------------------------------------------------------

    @admin.display(description=_("applicant"), ordering="user__last_name")
    def applicant(self, obj: AccessRequest) -> str:
        return format_html("{}<br>{}", obj.user.get_full_name(), obj.user.email)

    @admin.display(description=_("E-mail"), ordering="user__email")
    def applicant_email(self, obj: AccessRequest) -> str:
        return obj.user.email

    @admin.display(description=_("phone"), boolean=True)
    def verified_phone(self, obj: AccessRequest) -> bool:
        if hasattr(obj.user, "confirmed_sms_devices"):
            return bool(obj.user.confirmed_sms_devices)
        return obj.user.has_verified_phone()

    @admin.display(description=_("network"), ordering="network__code")
    def network_code(self, obj: AccessRequest) -> str:
        return obj.network.code

    @admin.display(description=_("country"), ordering="institution__country_code")
    def country(self, obj: AccessRequest) -> str:
        parent = obj.institution.parent
        return parent.name if parent is not None else ""

    @admin.display(description=_("institution"), ordering="institution__code")
    def institution_label(self, obj: AccessRequest) -> str:
        return obj.institution.label

    @admin.display(description=_("access profiles"))
    def profile_names(self, obj: AccessRequest) -> str:
        return ", ".join(p.name for p in obj.profiles.all())

    # The queue at 1280 px: profiles under the institution, the age under the date, the
    # comment cut short (the whole of it in the tooltip and on the request's page).

    @admin.display(description=_("network / country"), ordering="network__code")
    def network_and_country(self, obj: AccessRequest) -> str:
        return format_html("{}<br>{}", obj.network.code, self.country(obj))

    @admin.display(description=_("institution / access profiles"), ordering="institution__code")
    def institution_and_profiles(self, obj: AccessRequest) -> str:
        return format_html("{}<br><em>{}</em>", obj.institution.label, self.profile_names(obj))

    @admin.display(description=_("Comments"))
    def short_comment(self, obj: AccessRequest) -> str:
        if not obj.comment:
            return ""
        return format_html(
            '<span title="{}">{}</span>', obj.comment, Truncator(obj.comment).chars(40)
        )

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted_and_age(self, obj: AccessRequest) -> str:
        days = self.age_in_days(obj)
        return format_html(
            "{}<br>{}",
            date_format(timezone.localdate(obj.submitted_at), "SHORT_DATE_FORMAT"),
            ngettext("%(days)d day", "%(days)d days", days) % {"days": days},
        )

    @admin.display(description=_("age (days)"), ordering="submitted_at")
    def age_in_days(self, obj: AccessRequest) -> int:
        end = obj.decided_at or timezone.now()
        return (end - obj.submitted_at).days

    @admin.display(description=_("memberships granted"))
    def granted_memberships(self, obj: AccessRequest) -> str:
        return ", ".join(str(m) for m in obj.memberships.select_related("profile", "institution"))

    # Actions --------------------------------------------------------------------

    @admin.action(
        description=_("Approve the selected requests"),
        permissions=["decide"],
        location=BOTH_LOCATIONS,
    )
    def approve_selected(self, request, queryset):
        chosen = selected_objects(self, request, queryset).order_by("submitted_at", "id")
        if request.POST.get("post") != "yes":
            return action_confirmation(
                self,
                request,
                action="approve_selected",
                objects=chosen,
                title=_("Approve access requests"),
                question=_(
                    "Approve these requests? Each applicant gets the memberships requested "
                    "and an e-mail. A decision cannot be changed afterwards."
                ),
                button=_("Yes, approve"),
            )
        self.apply_service(
            request,
            chosen,
            lambda access_request: services.approve_request(
                access_request=access_request, actor=request.user, request=request
            ),
            done_message=lambda n: (
                ngettext("%(count)d request approved.", "%(count)d requests approved.", n)
                % {"count": n}
            ),
            skipped_message=_skipped_message,
        )
        return None

    @admin.action(
        description=_("Reject the selected requests…"),
        permissions=["decide"],
        location=BOTH_LOCATIONS,
    )
    def reject_selected(self, request, queryset):
        chosen = selected_objects(self, request, queryset).order_by("submitted_at", "id")
        form = ReasonForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_valid():
            return action_confirmation(
                self,
                request,
                action="reject_selected",
                objects=chosen,
                title=_("Reject access requests"),
                question=_(
                    "Reject these requests? Give the reason: it is recorded and sent to "
                    "each applicant. A decision cannot be changed afterwards."
                ),
                button=_("Yes, reject"),
                form=form,
            )
        self.apply_service(
            request,
            chosen,
            lambda access_request: services.reject_request(
                access_request=access_request,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            ),
            done_message=lambda n: (
                ngettext("%(count)d request rejected.", "%(count)d requests rejected.", n)
                % {"count": n}
            ),
            skipped_message=_skipped_message,
        )
        return None


def _skipped_message(count: int) -> str:
    return ngettext(
        "%(count)d request skipped because it was already decided or withdrawn:",
        "%(count)d requests skipped because they were already decided or withdrawn:",
        count,
    ) % {"count": count}
