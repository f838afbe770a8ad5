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
        from accounts.profile_sections import use_profile_layout
        from accounts.services import on_account_deletion

        registry.register(Action, app_label=self.label)
        on_account_deletion(services.delete_user_rows)
        scope_audit_trail(selectors.audit_events_for_administrator)
        # User Data details is a page of the authorisation system: it has its navigation.
        use_profile_layout("access_requests/base_authorisation.html")
