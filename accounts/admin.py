import csv

# Imported first so that their registrations exist to be undone below.
import allauth.account.admin  # noqa: F401
import django_otp.plugins.otp_static.admin
import django_otp.plugins.otp_totp.admin  # noqa: F401
from allauth.account.models import EmailAddress
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_mixins import ReadOnlyModelAdmin, reset_second_factor_action, selected_objects
from accounts.models import AuditEvent, SMSDevice, User
from accounts.services import (
    AccountDeletionError,
    delete_account,
    record_rights_change,
    rights_of,
    set_staff_status,
)

# Second factors and addresses are managed by their owners' own pages, verified, and
# reset by the audited "Reset the second factor" action, never edited in the admin.
admin.site.unregister(EmailAddress)
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "email_language", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "email_language"]
    search_fields = ["email", "first_name", "last_name"]
    # The address changes by verification, the phone by its SMS code, the password by
    # its owner (or the reset link): an administrator could otherwise take the account.
    readonly_fields = [
        "email",
        "password",
        "mobile_phone",
        "last_login",
        "date_joined",
        "privacy_version",
        "privacy_acknowledged_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        # A new account needs its address; it is read-only once the account exists.
        return self.readonly_fields if obj is not None else []

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        wanted = {"is_staff": obj.is_staff, "is_superuser": obj.is_superuser}
        # The rights change only through the audited service.
        stored = User.objects.get(pk=obj.pk)
        obj.is_staff, obj.is_superuser = stored.is_staff, stored.is_superuser
        super().save_model(request, obj, form, change)
        set_staff_status(user=obj, actor=request.user, request=request, **wanted)

    def save_related(self, request, form, formsets, change):
        # Groups and permissions are administrator rights too: their changes are audited.
        before = rights_of(form.instance) if change else None
        super().save_related(request, form, formsets, change)
        if before is not None:
            record_rights_change(
                user=form.instance, before=before, actor=request.user, request=request
            )

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
    actions = [reset_second_factor_action(permission="change")]

    # Deleting here is the account deletion the person can do themselves: the audit
    # trail stays without their identity, and it records which administrator did it.
    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        for user in queryset:
            try:
                delete_account(user=user, request=request, actor=request.user)
            except AccountDeletionError as exc:
                self.message_user(request, f"{user.email}: {exc}", messages.ERROR)


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
