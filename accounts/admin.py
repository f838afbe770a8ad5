from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import ReadOnlyModelAdmin
from accounts.models import AuditEvent, SMSDevice, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "email_language", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "email_language"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["last_login", "date_joined", "privacy_version", "privacy_acknowledged_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email_language"]}),
        (_("Mobile phone"), {"fields": ["mobile_phone"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (
            _("Important dates"),
            {
                "fields": [
                    "last_login",
                    "date_joined",
                    "privacy_version",
                    "privacy_acknowledged_at",
                ]
            },
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        )
    ]


@admin.register(SMSDevice)
class SMSDeviceAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "number", "confirmed", "last_used_at", "throttling_failure_count"]
    list_filter = ["confirmed"]
    search_fields = ["user__email", "number"]
    exclude = ["token_hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "action", "actor", "target_repr", "ip"]
    list_filter = ["action", "created_at"]
    search_fields = ["actor__email", "target_repr", "target_id", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
