from django.urls import include, path

from oidc_provider import views

app_name = "oidc_provider"

urlpatterns = [
    path(
        "account/applications/<str:client_id>/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
]

# Mounted by cpms_portal.urls under the namespace allauth reverses ("idp:oidc:…").
idp_urlpatterns = ([path("", include("oidc_provider.idp_urls"))], "idp")
