"""The provider's login and callback, under allauth's own names (allauth includes them)."""

from django.urls import include, path, re_path

from federation.oidc import views

urlpatterns = [
    re_path(
        r"^oidc/(?P<provider_id>[^/]+)/",
        include(
            [
                path("login/", views.login, name="openid_connect_login"),
                path("login/callback/", views.callback, name="openid_connect_callback"),
            ]
        ),
    )
]
