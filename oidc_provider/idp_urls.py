"""allauth's provider URLs (namespace ``idp:oidc``, which allauth reverses) with the
portal's authorization, token and userinfo views in place of allauth's."""

from allauth.idp.oidc import views as idp_views
from django.urls import include, path

from oidc_provider import views

app_name = "oidc"

_api = [
    path("token", views.token, name="token"),
    path("revoke", views.revoke, name="revoke"),
    path("userinfo", views.user_info, name="userinfo"),
    # allauth's discovery names it; the portal's clients have no device grant.
    path("device/code", views.device_code, name="device_code"),
]

urlpatterns = [
    path(
        ".well-known/",
        include(
            [
                path("openid-configuration", idp_views.configuration, name="configuration"),
                path("jwks.json", idp_views.jwks, name="jwks"),
            ]
        ),
    ),
    path(
        "identity/o/",
        include(
            [
                path("authorize", views.authorization, name="authorization"),
                path("logout", views.logout, name="logout"),
                path("api/", include(_api)),
            ]
        ),
    ),
]
