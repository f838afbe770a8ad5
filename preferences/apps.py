from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreferencesConfig(AppConfig):
    name = "preferences"
    verbose_name = _("Preferences")

    def ready(self) -> None:
        from accounts.audit_actions import registry
        from preferences.audit_actions import Action

        registry.register(Action, app_label=self.label)
