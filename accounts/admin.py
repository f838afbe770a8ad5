import csv

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_mixins import ReadOnlyModelAdmin, action_confirmation, selected_objects
from accounts.models import AuditEvent, SMSDevice, User
from accounts.services import reset_second_factor


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
    actions = ["reset_second_factor_of_selected"]

    @admin.action(
        description=_("Reset the second factor of the selected users…"),
        permissions=["change"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def reset_second_factor_of_selected(self, request, queryset):
        users = list(selected_objects(self, request, queryset))
        if request.POST.get("post") != "yes":
            return action_confirmation(
                self,
                request,
                action="reset_second_factor_of_selected",
                objects=users,
                title=_("Reset second factor"),
                question=_(
                    "Remove the verified mobile phone and every other second factor of these "
                    "users? They are logged out, must verify a phone again at their next "
                    "login, and are told by e-mail."
                ),
                button=_("Yes, reset"),
            )
        for user in users:
            reset_second_factor(user=user, actor=request.user, request=request)
        self.message_user(
            request,
            ngettext(
                "The second factor of %(count)d user was reset.",
                "The second factor of %(count)d users was reset.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )
        return None


@admin.register(SMSDevice)
class SMSDeviceAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "number", "confirmed", "last_used_at", "throttling_failure_count"]
    list_filter = ["confirmed"]
    search_fields = ["user__email", "number"]
    exclude = ["token_hash"]


CSV_COLUMNS = ["created_at", "action", "actor", "target_type", "target_id", "target", "ip", "data"]


def _csv_safe(value) -> str:
    """Spreadsheets run a cell that starts with = + - @ as a formula: neutralise it."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "action", "actor", "target_type", "target_repr", "ip"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["actor__email", "target_repr", "target_id", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    show_full_result_count = False
    actions = ["export_csv"]

    @admin.action(description=_("Export the selected events as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        """Select the events, or "all" of the filtered list, to download them."""
        events = selected_objects(self, request, queryset).select_related("actor")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for event in events.order_by("created_at", "id").iterator(chunk_size=2000):
            writer.writerow(
                _csv_safe(value)
                for value in (
                    event.created_at.isoformat(),
                    event.action,
                    event.actor.email if event.actor else "",
                    event.target_type,
                    event.target_id,
                    event.target_repr,
                    event.ip,
                    event.data,
                )
            )
        return response
