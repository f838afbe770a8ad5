"""Admin actions that export memberships; the reports app registers no model.

``access_requests`` may not import ``reports`` (imports flow downward), so
``ReportsConfig.ready`` adds these actions to the members list through
``access_requests.admin.register_membership_actions``. The selection passed in is the
admin's own queryset, so an administrator scoped to some networks exports only those.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reports.exports import export_memberships_response


@admin.action(
    description=_("Export the members of the selected memberships (CSV)"), permissions=["view"]
)
def export_members_csv(modeladmin, request, queryset):
    return export_memberships_response(queryset, "csv", request.user, request)


@admin.action(
    description=_("Export the members of the selected memberships (XLSX)"), permissions=["view"]
)
def export_members_xlsx(modeladmin, request, queryset):
    return export_memberships_response(queryset, "xlsx", request.user, request)
