from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from access_requests.admin import register_membership_actions
        from accounts.audit_actions import registry
        from reports.admin import export_members_csv, export_members_xlsx
        from reports.audit_actions import Action

        registry.register(Action, app_label=self.label)
        register_membership_actions(export_members_csv, export_members_xlsx)
