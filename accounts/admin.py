import csv
from collections.abc import Callable
from typing import ClassVar

# Imported first so that their registrations exist to be undone below.
import allauth.account.admin
import allauth.usersessions.admin  # noqa: F401
import django_otp.plugins.otp_static.admin
import django_otp.plugins.otp_totp.admin  # noqa: F401
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_mixins import (
    ActionsWithinQuerysetMixin,
    ReadOnlyModelAdmin,
    reset_second_factor_action,
    selected_objects,
)
from accounts.models import AuditEvent, SMSDevice, User
from accounts.services import (
    AccountDeletionError,
    create_user_by_admin,
    delete_account,
    disable_account,
    enable_account,
    record_rights_change,
    rights_of,
    set_staff_status,
    update_profile,
)

# Second factors and addresses are managed by their owners' own pages, verified, and
# reset by the audited "Reset the second factor" action, never edited in the admin.
admin.site.unregister(EmailAddress)
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
# Sessions are their owner's to see and end (User Data details, audited).
admin.site.unregister(UserSession)


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
        # The form only proposes values: each change is written by its audited service,
        # which writes nothing when nothing changed. Never ``obj.save()``.
        if not change:
            cleaned = form.cleaned_data
            created = create_user_by_admin(
                email=obj.email,
                first_name=obj.first_name,
                last_name=obj.last_name,
                email_language=obj.email_language,
                password=cleaned["password1"] if cleaned.get("set_usable_password") else None,
                actor=request.user,
                request=request,
            )
            _adopt_saved_row(obj, created)
            return
        update_profile(
            user=obj,
            first_name=obj.first_name,
            last_name=obj.last_name,
            email_language=obj.email_language,
            actor=request.user,
            request=request,
        )
        if obj.is_active:
            enable_account(user=obj, actor=request.user, request=request)
        else:
            disable_account(user=obj, actor=request.user, reason="administrator", request=request)
        set_staff_status(
            user=obj,
            is_staff=obj.is_staff,
            is_superuser=obj.is_superuser,
            actor=request.user,
            request=request,
        )

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


def _adopt_saved_row(obj: User, saved: User) -> None:
    """Make the add form's unsaved instance the row a service saved: the admin goes on
    with that instance (its history entry, the redirect to the new account)."""
    for field in User._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding, obj._state.db = False, saved._state.db


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


AuditScope = Callable[[User], QuerySet[AuditEvent]]


def scope_audit_trail(scope: AuditScope) -> None:
    """The hook by which an upper app limits the audit trail to what an administrator may
    see (access_requests: the events of their networks), called from its
    ``AppConfig.ready``: accounts cannot know networks, since imports flow downwards."""
    AuditEventAdmin.scope = staticmethod(scope)


@admin.register(AuditEvent)
class AuditEventAdmin(ActionsWithinQuerysetMixin, ReadOnlyModelAdmin):
    # Set through ``scope_audit_trail``; None: every event, to whoever may view them.
    scope: ClassVar[AuditScope | None] = None

    list_display = ["created_at", "action", "actor", "target_type", "target_repr", "ip"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["actor__email", "target_repr", "target_id", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    show_full_result_count = False
    actions = ["export_csv"]

    def get_queryset(self, request):
        scope = type(self).scope  # a plain function, not a method: read it off the class
        if scope is None:
            return super().get_queryset(request)
        return scope(request.user).select_related("actor")

    def has_view_permission(self, request, obj=None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

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
