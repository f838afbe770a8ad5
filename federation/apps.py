from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "federation"
    label = "federation"
    verbose_name = _("Federation (EU Login)")

    def ready(self) -> None:
        from accounts.audit_actions import registry
        from accounts.profile_sections import register_profile_section
        from federation import selectors, signals  # noqa: F401  (connects the receivers)
        from federation.audit_actions import Action

        registry.register(Action, app_label=self.label)
        # allauth's admin of social apps, accounts and tokens: the one app comes from the
        # environment, tokens are not stored, and a link is made or ended by its holder
        # in User Data details (audited). Nothing there for an administrator to edit.
        from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
        from django.contrib import admin

        for model in (SocialApp, SocialAccount, SocialToken):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
        register_profile_section("federation/profile_federation.html", selectors.profile_context)
