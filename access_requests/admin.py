from django.contrib import admin

from access_requests.models import (
    AccessProfile,
    AccessRequest,
    Application,
    Membership,
    NetworkAdministrator,
    Organisation,
)
from accounts.admin_mixins import ReadOnlyModelAdmin


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


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "user", "institution", "network", "status", "submitted_at"]
    list_filter = ["status", "network"]
    search_fields = ["user__email", "user__last_name", "institution__name", "institution__code"]
    list_select_related = ["user", "institution", "network"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyModelAdmin):
    list_display = [
        "user",
        "profile",
        "institution",
        "network",
        "status",
        "granted_at",
        "expires_at",
    ]
    list_filter = ["status", "network", "profile"]
    search_fields = ["user__email", "user__last_name", "institution__name"]
    list_select_related = ["user", "profile", "institution", "network"]


@admin.register(NetworkAdministrator)
class NetworkAdministratorAdmin(admin.ModelAdmin):
    list_display = ["user", "network"]
    list_filter = ["network"]
    raw_id_fields = ["user"]
