from django.contrib import admin

from accounts.admin_mixins import ReadOnlyModelAdmin
from preferences.models import DirectoryListing, Expertise, ThematicArea


@admin.register(ThematicArea)
class ThematicAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "position", "retired_at"]
    list_filter = ["network", "retired_at"]
    list_editable = ["position"]
    search_fields = ["name"]


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
