"""What the queue and the members list share: the network scope, the action forms and
the one way an action calls a service and reports."""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import messages
from django.contrib.admin import ActionLocation, helpers
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from access_requests import services
from access_requests.models import NetworkAdministrator
from accounts.admin_mixins import ActionsWithinQuerysetMixin, ReadOnlyModelAdmin
from accounts.pagination import CappedCountPaginator

BOTH_LOCATIONS = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text=_("Sent to the applicant in the e-mail."),
    )


class ExtendForm(forms.Form):
    days = forms.IntegerField(
        label=_("Extend by (days)"),
        min_value=1,
        max_value=3650,
        help_text=_("Counted from the current expiry date, or from today if it has passed."),
    )


class ListedColumnsChangeList(ChangeList):
    """The page of rows without the columns ``list_deferred`` names: the actions still
    get the admin's whole queryset (``get_queryset``).

    Each row's link is the change URL resolved once for the page, with the row's key
    put in: Django resolves it again for every row (a tenth of the members list)."""

    def get_results(self, request):
        self.queryset = self.queryset.defer(*getattr(self.model_admin, "list_deferred", ()))
        super().get_results(request)

    def url_for_result(self, result):
        if not hasattr(self, "_change_url_around_key"):
            # The admin's change URL is ".../<path:object_id>/change/": split at a key.
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=("0",),
                current_app=self.model_admin.admin_site.name,
            )
            head, tail = url.rsplit("/0/", 1)
            self._change_url_around_key = (f"{head}/", f"/{tail}")
        head, tail = self._change_url_around_key
        return f"{head}{quote(getattr(result, self.pk_attname))}{tail}"


class NetworkScopedAdmin(ActionsWithinQuerysetMixin, ReadOnlyModelAdmin):
    """Rows of the networks the user administers; other rows do not exist for them."""

    # No column shows the user's phone number, and parsing it was a third of the
    # time spent on each row of the lists.
    list_deferred = ["user__mobile_phone"]
    # The rows through access_requests.templatetags.cpms_admin_rows.
    change_list_template = "admin/access_requests/scoped_change_list.html"
    # No COUNT of every row on every view (41 ms at a million memberships): counted up
    # to the cap, "More than …" beyond (templates/admin/access_requests/pagination.html).
    paginator = CappedCountPaginator

    def get_queryset(self, request):
        raise NotImplementedError

    def get_changelist(self, request, **kwargs):
        return ListedColumnsChangeList

    def action_checkbox(self, obj):
        """Django's checkbox column, written out rather than rendered through the form
        renderer's template for every row (the same HTML, several times faster)."""
        # format_html's HTML, escaped once: the label is Django's translated sentence
        # (trusted, as format_html takes it) around the escaped object.
        label = gettext("Select this object for an action - {}").format(escape(str(obj)))
        return SafeString(
            f'<input type="checkbox" name="{helpers.ACTION_CHECKBOX_NAME}" '
            f'value="{escape(obj.pk)}" class="action-select" aria-label="{label}">'
        )

    def administers_any_network(self, request) -> bool:
        if request.user.is_superuser:
            return True
        if not hasattr(request, "_cpms_administers_any_network"):
            request._cpms_administers_any_network = NetworkAdministrator.objects.filter(
                user=request.user
            ).exists()
        return request._cpms_administers_any_network

    def has_view_permission(self, request, obj=None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        if obj is None:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def apply_service(
        self,
        request,
        objects: Iterable,
        call: Callable,
        *,
        done_message: Callable[[int], str],
        skipped_message: Callable[[int], str],
        skip: type[Exception] = services.TransitionNotAllowed,
    ) -> None:
        """What every action does once confirmed: the service for each object, then one
        report. Objects refused with ``skip`` are listed together under
        ``skipped_message``; any other refusal of the service is listed with its reason."""
        done, skipped, refused = [], [], []
        for obj in objects:
            try:
                call(obj)
            except skip:
                skipped.append(obj)
            except services.RequestError as exc:
                refused.append((obj, str(exc)))
            else:
                done.append(obj)
        if done:
            self.message_user(request, done_message(len(done)), messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                skipped_message(len(skipped)) + " " + ", ".join(f"#{o.pk}" for o in skipped),
                messages.WARNING,
            )
        for obj, reason in refused:
            self.message_user(
                request,
                _("#%(id)s skipped: %(reason)s") % {"id": obj.pk, "reason": reason},
                messages.WARNING,
            )
