"""Admin building blocks shared by every app (they sit in the bottom app)."""

from django.contrib import admin
from django.template.response import TemplateResponse


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


def selected_objects(modeladmin, request, queryset):
    """The rows an action was asked to act on, read again from the admin's own (scoped)
    queryset rather than the filtered list: a row decided since the page was loaded is
    still reported as skipped instead of silently vanishing."""
    if request.POST.get("select_across") == "1":
        return queryset
    ids = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
    return modeladmin.get_queryset(request).filter(pk__in=ids)


def action_confirmation(
    modeladmin,
    request,
    *,
    action: str,
    objects,
    title: str,
    question: str,
    button: str,
    form=None,
) -> TemplateResponse:
    """The intermediate page of an action: what will be done to which rows, an
    optional form (e.g. the reason), and "Yes, I'm sure" (Django's delete pattern)."""
    objects = list(objects)
    # An action started on an object's page posts its name with that page's prefix.
    action_field = next(
        (name for name in request.POST if name.endswith("-action")),
        "action",
    )
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "question": question,
        "button": button,
        "objects": objects[:MAX_LISTED],
        "more": max(len(objects) - MAX_LISTED, 0),
        "object_ids": [obj.pk for obj in objects],
        "action": action,
        "action_field": action_field,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "form": form,
    }
    return TemplateResponse(request, "admin/cpms_action_confirmation.html", context)


MAX_LISTED = 100
