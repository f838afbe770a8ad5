"""The administrators' side: the queue of pending requests, memberships, audit trail.

Every row an administrator sees or acts on comes from a selector scoped to the
networks they administer (superusers: all). Requests, memberships and audit
events are read-only here; they change only through the actions, which call
the services.
"""

from collections.abc import Callable, Iterable
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation, helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from access_requests import selectors, services
from access_requests.app_settings import app_settings
from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Application,
    Membership,
    NetworkAdministrator,
    Organisation,
)
from accounts.admin import AuditEventAdmin
from accounts.admin_mixins import (
    ActionsWithinQuerysetMixin,
    ReadOnlyModelAdmin,
    action_confirmation,
    reset_second_factor_action,
    selected_objects,
)
from accounts.models import AuditEvent

BOTH_LOCATIONS = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_open"]
    list_filter = ["is_open"]
    search_fields = ["name", "code"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "network", "country_code", "is_open"]
    list_filter = ["kind", "is_open", "application", "network"]
    search_fields = ["code", "name", "city"]
    list_select_related = ["network"]
    raw_id_fields = ["parent", "network"]


@admin.register(AccessProfile)
class AccessProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "application", "code", "position"]
    list_filter = ["application"]


# --- Filters ------------------------------------------------------------------------


class ChoiceFilter(admin.SimpleListFilter):
    """A value the filter does not offer (a hand-edited URL: NUL, a huge number…) is
    refused as the admin refuses any bad lookup, before it reaches a query."""

    def __init__(self, request, params, model, model_admin) -> None:
        super().__init__(request, params, model, model_admin)
        value = self.value()
        if value is not None and value not in {str(v) for v, _label in self.lookup_choices}:
            raise IncorrectLookupParameters(f"Unknown {self.parameter_name} value")


class RequestStatusFilter(ChoiceFilter):
    """Pending by default: the list opens as the queue of requests to decide."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*AccessRequest.Status.choices, (self.ALL, _("All"))]

    def selected(self) -> str:
        return self.value() or AccessRequest.Status.SUBMITTED

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.selected() == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.selected() == self.ALL:
            return queryset
        return queryset.filter(status=self.selected())


class NetworkFilter(ChoiceFilter):
    title = _("network")
    parameter_name = "network"

    def lookups(self, request, model_admin):
        networks = selectors.administered_networks(request.user)
        if networks is None:
            networks = Organisation.objects.filter(kind=Organisation.Kind.NETWORK)
        return [(n.pk, n.code) for n in networks.order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(network_id=self.value())
        return queryset


class CountryFilter(ChoiceFilter):
    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        countries = Organisation.objects.filter(kind=Organisation.Kind.COUNTRY)
        networks = selectors.administered_networks(request.user)
        if networks is not None:
            countries = countries.filter(network__in=networks)
        return list(
            countries.exclude(country_code="")
            .values_list("country_code", "name")
            .order_by("name")
            .distinct()
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(institution__country_code=self.value())
        return queryset


class MembershipInstitutionFilter(ChoiceFilter):
    """Institutions of the chosen network and country only: listing every institution
    that has members (10,000 of them at scale) made the membership list take seconds."""

    title = _("institution")
    parameter_name = "institution"

    def lookups(self, request, model_admin):
        network, country = request.GET.get("network", ""), request.GET.get("country", "")
        if not (network.isdigit() and country):
            return []
        return list(
            Organisation.objects.filter(
                kind=Organisation.Kind.INSTITUTION, network_id=network, country_code=country
            )
            .order_by("code")
            .values_list("pk", "code")
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(institution_id=self.value())
        return queryset


class ProfileFilter(ChoiceFilter):
    title = _("access profile")
    parameter_name = "profile"
    lookup = "profiles"

    def lookups(self, request, model_admin):
        return [(p.pk, p.name) for p in AccessProfile.objects.order_by("position", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class MembershipProfileFilter(ProfileFilter):
    lookup = "profile"


class AgeFilter(ChoiceFilter):
    title = _("waiting for")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("2", _("more than 2 days")),
            ("7", _("more than a week")),
            ("30", _("more than 30 days")),
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                submitted_at__lt=timezone.now() - timedelta(days=int(self.value()))
            )
        return queryset


class MembershipStatusFilter(ChoiceFilter):
    """Expired includes a membership past its date that cron has not marked yet."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Membership.Status.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case Membership.Status.ACTIVE:
                return queryset.active(at=now)
            case Membership.Status.REVOKED:
                return queryset.filter(status=Membership.Status.REVOKED)
            case Membership.Status.EXPIRED:
                return queryset.filter(status=Membership.Status.EXPIRED) | queryset.filter(
                    status=Membership.Status.ACTIVE, expires_at__lte=now
                )
        return queryset


# --- Forms of the intermediate pages ---------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text=_("Sent to the applicant in the e-mail."),
    )


class ExtendForm(forms.Form):
    days = forms.IntegerField(
        label=_("Extend by (days)"),
        min_value=1,
        max_value=3650,
        help_text=_("Counted from the current expiry date, or from today if it has passed."),
    )


# --- Scope --------------------------------------------------------------------------


class ListedColumnsChangeList(ChangeList):
    """The page of rows without the columns ``list_deferred`` names: the actions still
    get the admin's whole queryset (``get_queryset``)."""

    def get_results(self, request):
        self.queryset = self.queryset.defer(*self.model_admin.list_deferred)
        super().get_results(request)


class NetworkScopedAdmin(ActionsWithinQuerysetMixin, ReadOnlyModelAdmin):
    """Rows of the networks the user administers; other rows do not exist for them."""

    # No column shows the user's phone number, and parsing it was a third of the
    # time spent on each row of the lists.
    list_deferred = ["user__mobile_phone"]

    def get_queryset(self, request):
        raise NotImplementedError

    def get_changelist(self, request, **kwargs):
        return ListedColumnsChangeList

    def action_checkbox(self, obj):
        """Django's checkbox column, written out rather than rendered through the form
        renderer's template for every row (the same HTML, several times faster)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )

    def administers_any_network(self, request) -> bool:
        if request.user.is_superuser:
            return True
        if not hasattr(request, "_cpms_administers_any_network"):
            request._cpms_administers_any_network = NetworkAdministrator.objects.filter(
                user=request.user
            ).exists()
        return request._cpms_administers_any_network

    def has_view_permission(self, request, obj=None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        if obj is None:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def apply_service(
        self,
        request,
        objects: Iterable,
        call: Callable,
        *,
        done_message: Callable[[int], str],
        skipped_message: Callable[[int], str],
        skip: type[Exception] = services.TransitionNotAllowed,
    ) -> None:
        """What every action does once confirmed: the service for each object, then one
        report. Objects refused with ``skip`` are listed together under
        ``skipped_message``; any other refusal of the service is listed with its reason."""
        done, skipped, refused = [], [], []
        for obj in objects:
            try:
                call(obj)
            except skip:
                skipped.append(obj)
            except services.RequestError as exc:
                refused.append((obj, str(exc)))
            else:
                done.append(obj)
        if done:
            self.message_user(request, done_message(len(done)), messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                skipped_message(len(skipped)) + " " + ", ".join(f"#{o.pk}" for o in skipped),
                messages.WARNING,
            )
        for obj, reason in refused:
            self.message_user(
                request,
                _("#%(id)s skipped: %(reason)s") % {"id": obj.pk, "reason": reason},
                messages.WARNING,
            )


# --- Access requests: the queue ------------------------------------------------------


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
    readonly_fields = fields

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
        return obj.institution.parent.name if obj.institution.parent_id else ""

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


# --- Memberships ----------------------------------------------------------------------


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


@admin.register(NetworkAdministrator)
class NetworkAdministratorAdmin(admin.ModelAdmin):
    """Scopes are granted and withdrawn (audited), never edited in place."""

    list_display = ["user", "network"]
    list_filter = ["network"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "network"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if not change:
            scope = services.grant_network_admin(
                user=obj.user, network=obj.network, actor=request.user, request=request
            )
            obj.pk, obj._state.adding = scope.pk, False  # the admin logs and links to it

    def delete_model(self, request, obj):
        services.revoke_network_admin(scope=obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for scope in queryset.select_related("user", "network"):
            services.revoke_network_admin(scope=scope, actor=request.user, request=request)


# --- Audit trail, scoped --------------------------------------------------------------


class ScopedAuditEventAdmin(ActionsWithinQuerysetMixin, AuditEventAdmin):
    """The audit trail as accounts shows it, limited to the administrator's networks
    (accounts cannot know networks: imports flow upwards only)."""

    def get_queryset(self, request):
        return selectors.audit_events_for_administrator(request.user).select_related("actor")

    def has_view_permission(self, request, obj=None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()


admin.site.unregister(AuditEvent)
admin.site.register(AuditEvent, ScopedAuditEventAdmin)
