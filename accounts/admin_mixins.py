"""Admin building blocks shared by every app (they sit in the bottom app)."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.services import reset_second_factor

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # What the mixins below are mixed into, for the type checker only.
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


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


class ActionsWithinQuerysetMixin(_ModelAdmin):
    """An action posted with none of the rows the admin's own queryset holds (another
    network's, for a scoped administrator) is refused as an action on nothing: no
    confirmation page listing nothing, no export of nothing. The same answer as for ids
    that do not exist, and as the object's page gives for such a row."""

    def response_action(self, request, queryset, action_location=ActionLocation.CHANGE_LIST):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        across = forms.BooleanField(required=False).clean(request.POST.get("select_across"))
        if (
            selected
            and not across
            and not self.get_queryset(request).filter(pk__in=selected).exists()
        ):
            # Django's own words (and translations) for an action with nothing selected.
            self.message_user(
                request,
                _(
                    "Items must be selected in order to perform "
                    "actions on them. No items have been changed."
                ),
                messages.WARNING,
            )
            return None
        return super().response_action(request, queryset, action_location=action_location)


def selected_objects(modeladmin, request, queryset):
    """The rows an action was asked to act on, read again from the admin's own (scoped)
    queryset rather than the filtered list: a row decided since the page was loaded is
    still reported as skipped instead of silently vanishing."""
    if request.POST.get("select_across") == "1":
        return queryset
    ids = request.POST.getlist(ACTION_CHECKBOX_NAME)
    return modeladmin.get_queryset(request).filter(pk__in=ids)


def action_confirmation(
    modeladmin,
    request,
    *,
    action: str,
    objects,
    title: "StrOrPromise",
    question: "StrOrPromise",
    button: "StrOrPromise",
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
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "form": form,
    }
    return TemplateResponse(request, "admin/cpms_action_confirmation.html", context)


MAX_LISTED = 100


def reset_second_factor_action(*, permission: str):
    """The "Reset the second factor" action of any admin whose rows are users or have a
    ``user`` (memberships): one confirmation page, one service call per person."""

    @admin.action(
        description=_("Reset the second factor of the selected users…"),
        permissions=[permission],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def reset_second_factor_of_selected(modeladmin, request, queryset):
        rows = selected_objects(modeladmin, request, queryset)
        users = {user.pk: user for user in (getattr(row, "user", row) for row in rows)}
        if request.POST.get("post") != "yes":
            return action_confirmation(
                modeladmin,
                request,
                action="reset_second_factor_of_selected",
                objects=users.values(),
                title=_("Reset second factor"),
                question=_(
                    "Remove the verified mobile phone and every other second factor of these "
                    "users? They are logged out, must verify a phone again at their next "
                    "login, and are told by e-mail."
                ),
                button=_("Yes, reset"),
            )
        for user in users.values():
            reset_second_factor(user=user, actor=request.user, request=request)
        modeladmin.message_user(
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

    return reset_second_factor_of_selected
