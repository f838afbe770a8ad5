from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from access_requests.selectors import administered_networks
from accounts.admin_mixins import ReadOnlyModelAdmin
from preferences import services
from preferences.models import DirectoryListing, Expertise, ThematicArea


class RetiredFilter(admin.SimpleListFilter):
    title = _("offered on the form")
    parameter_name = "offered"

    def lookups(self, request, model_admin):
        return [("yes", _("Offered")), ("no", _("Retired"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(retired_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(retired_at__isnull=False)
        return queryset


@admin.register(ThematicArea)
class ThematicAreaAdmin(admin.ModelAdmin):
    """Add, rename and reorder (position) here; retire instead of deleting, so that
    the answers naming an area keep it as history."""

    list_display = ["name", "network", "position", "retired_at"]
    list_display_links = ["name"]
    list_filter = ["network", RetiredFilter]
    list_editable = ["position"]
    list_select_related = ["network"]
    search_fields = ["name"]
    fields = ["network", "name", "position", "retired_at"]
    readonly_fields = ["retired_at"]
    actions = ["retire", "restore"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # ERN administrators manage the areas of their own networks only.
        networks = administered_networks(request.user)
        return queryset if networks is None else queryset.filter(network__in=networks)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        networks = administered_networks(request.user)
        if db_field.name == "network" and networks is not None:
            kwargs["queryset"] = networks
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # An area stays in its network: moving it would move the answers that name it.
        if obj is not None:
            return [*self.readonly_fields, "network"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        services.save_area(
            area=obj, actor=request.user, changed=form.changed_data, request=request
        )

    @admin.action(description=_("Retire the selected areas (keep them on existing answers)"))
    def retire(self, request, queryset):
        count = 0
        for area in queryset:
            if area.retired_at is None:
                services.retire_area(area=area, actor=request.user, request=request)
                count += 1
        self.message_user(
            request,
            ngettext("%(count)d area retired.", "%(count)d areas retired.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Offer the selected areas on the form again"))
    def restore(self, request, queryset):
        count = 0
        for area in queryset:
            if area.retired_at is not None:
                services.restore_area(area=area, actor=request.user, request=request)
                count += 1
        self.message_user(
            request,
            ngettext("%(count)d area restored.", "%(count)d areas restored.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Expertise)
class ExpertiseAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "network", "is_none", "answered_at"]
    list_filter = ["network", "is_none"]
    search_fields = ["user__email", "user__last_name"]
    list_select_related = ["user", "network"]


@admin.register(DirectoryListing)
class DirectoryListingAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "hidden", "changed_at"]
    list_filter = ["hidden"]
