from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OIDCProviderConfig(AppConfig):
    name = "oidc_provider"
    label = "oidc_provider"
    verbose_name = _("Applications (OpenID Connect)")

    def ready(self) -> None:
        from access_requests.audit_actions import Action as RequestAction
        from accounts.audit_actions import Action as AccountsAction
        from accounts.audit_actions import registry
        from accounts.profile_sections import register_profile_section
        from oidc_provider import selectors, services
        from oidc_provider.audit_actions import Action

        registry.register(Action, app_label=self.label)
        # Access ends with these facts: the application's tokens end with them.
        registry.follow(
            [
                RequestAction.MEMBERSHIP_REVOKED,
                RequestAction.MEMBERSHIP_EXPIRED,
                AccountsAction.ACCOUNT_DISABLED,
                AccountsAction.MFA_RESET,
            ],
            services.end_tokens_after,
        )
        register_profile_section(
            "oidc_provider/profile_applications.html",
            lambda request: {"application_consents": list(selectors.consents_of(request.user))},
        )
