"""Admin building blocks shared by every app (they sit in the bottom app)."""

from django.contrib import admin


class ReadOnlyAdminMixin:
    """Rows are shown, never added, edited or deleted here: services change them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass
