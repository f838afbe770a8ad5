from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and audit trail")

    def ready(self) -> None:
        from accounts import checks, receivers  # noqa: F401  (registers checks, receivers)
        from accounts.audit_actions import Action, registry

        registry.register(Action, app_label=self.label)
