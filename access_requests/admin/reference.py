"""The reference data (applications, organisations, access profiles) and the
administrators' network scopes."""

from django.contrib import admin

from access_requests import services
from access_requests.models import AccessProfile, Application, NetworkAdministrator, Organisation


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
