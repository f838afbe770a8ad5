from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessRequestsConfig(AppConfig):
    name = "access_requests"
    verbose_name = _("Access requests")

    def ready(self) -> None:
        from access_requests import selectors, services
        from access_requests.audit_actions import Action
        from accounts.admin import scope_audit_trail
        from accounts.audit_actions import registry
        from accounts.services import on_account_deletion

        registry.register(Action, app_label=self.label)
        on_account_deletion(services.delete_user_rows)
        scope_audit_trail(selectors.audit_events_for_administrator)
