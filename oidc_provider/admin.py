"""Administrators register each application's OpenID Connect client here: its name, the
application it signs users in to, redirect URIs, confidential or public (PKCE) and the
scopes it may ask. Saved through ``services.save_client``, audited."""

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.admin import ClientAdmin as AllauthClientAdmin
from allauth.idp.oidc.models import Client, Token
from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from access_requests.models import Application
from oidc_provider import services
from oidc_provider.adapter import MEMBERSHIPS_SCOPE
from oidc_provider.models import ClientApplication

# Tokens are ended by the services (revocation, withdrawal), never edited by hand.
admin.site.unregister(Token)
admin.site.unregister(Client)

SUPPORTED_SCOPES = ["openid", "email", "profile", MEMBERSHIPS_SCOPE]


class ClientForm(forms.ModelForm):
    application = forms.ModelChoiceField(
        label=_("application"),
        queryset=Application.objects.all(),
        help_text=_("Its users need an active membership of this application."),
    )

    class Meta:
        model = Client
        fields = ["name", "type", "redirect_uris", "scopes", "default_scopes", "grant_types"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        link = ClientApplication.objects.filter(client_id=self.instance.pk).first()
        if link is not None:
            self.fields["application"].initial = link.application_id
        self.fields["type"].help_text = _(
            "Confidential: a server that keeps a secret. Public: a browser or mobile app, "
            "which must use PKCE."
        )
        self.fields["scopes"].initial = "\n".join(SUPPORTED_SCOPES)
        self.fields["grant_types"].initial = "authorization_code\nrefresh_token"

    def clean_scopes(self) -> str:
        scopes = [s.strip() for s in self.cleaned_data["scopes"].splitlines() if s.strip()]
        unknown = sorted(set(scopes) - set(SUPPORTED_SCOPES))
        if unknown:
            raise forms.ValidationError(
                _("Unknown scopes: %(scopes)s. Supported: %(supported)s.")
                % {"scopes": ", ".join(unknown), "supported": ", ".join(SUPPORTED_SCOPES)}
            )
        if "openid" not in scopes:
            raise forms.ValidationError(_("An OpenID Connect client needs the openid scope."))
        return "\n".join(scopes)

    def clean_redirect_uris(self) -> str:
        uris = [u.strip() for u in self.cleaned_data["redirect_uris"].splitlines() if u.strip()]
        if not uris:
            raise forms.ValidationError(_("Give at least one redirect URI."))
        validator = forms.URLField().clean
        for uri in uris:
            validator(uri)
        return "\n".join(uris)


@admin.register(Client)
class ClientAdmin(AllauthClientAdmin):
    form = ClientForm
    # allauth's admin has no annotations: its tuples are read as fixed-length ones.
    list_display = ("name", "application_name", "id", "type", "created_at")  # type: ignore[assignment]
    list_filter = ("type",)  # type: ignore[assignment]
    readonly_fields = ("id", "created_at")
    fieldsets = [
        (None, {"fields": ["name", "application", "type", "id", "created_at"]}),
        (_("Sign-in"), {"fields": ["redirect_uris", "scopes", "default_scopes", "grant_types"]}),
    ]

    @admin.display(description=_("application"))
    def application_name(self, obj: Client) -> str:
        link = ClientApplication.objects.filter(client_id=obj.pk).select_related("application")
        found = link.first()
        return found.application.name if found else "—"

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            secret = get_adapter().generate_client_secret()
            obj.set_secret(secret)
            if obj.type == Client.Type.CONFIDENTIAL:
                self.message_user(
                    request,
                    format_html(
                        '{} <input readonly size="{}" type="text" value="{}" aria-label="{}">',
                        _("The client secret is shown once only: copy it now."),
                        len(secret),
                        secret,
                        _("Client secret"),
                    ),
                    messages.WARNING,
                )
        services.save_client(
            client=obj,
            application=form.cleaned_data["application"],
            created=not change,
            actor=request.user,
            request=request,
        )

    def delete_model(self, request, obj) -> None:
        services.delete_client(client=obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset) -> None:
        for client in queryset:
            services.delete_client(client=client, actor=request.user, request=request)
