from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import set_language

from cpms_portal import views
from cpms_portal.admin_access import secure_admin_site
from cpms_portal.app_settings import app_settings
from oidc_provider import urls as oidc_urls

admin.site.site_header = app_settings.ADMIN_SITE_HEADER
admin.site.site_title = _("ERN CPMS administration")
admin.site.index_title = _("Onboarding administration")
secure_admin_site(admin.site)

urlpatterns = [
    path("", views.landing, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("cpms/", views.cpms_home, name="cpms-home"),
    path("cpms/preferences/", include("preferences.urls")),
    path("cpms/reports/", include("reports.urls")),
    # allauth's page of linked accounts: User Data details is that page (linking and
    # unlinking there ask the second factor, federation.views).
    path(
        "accounts/3rdparty/",
        RedirectView.as_view(pattern_name="accounts:profile"),
    ),
    # allauth's page of sessions: "Your sessions" in User Data details is that page (ending
    # one there is audited and asks the second factor, accounts.views).
    path(
        "accounts/sessions/",
        RedirectView.as_view(pattern_name="accounts:profile"),
    ),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("account/federation/", include("federation.urls")),
    path("security/", include("accounts.two_factor.urls")),
    path("security/webauthn/", include("accounts.two_factor.webauthn_urls")),
    path("requests/", include("access_requests.urls")),
    # The language switcher must work before login too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    # The OpenID provider of the applications: discovery, JWKS, authorize, token, userinfo.
    path("", include(oidc_urls.idp_urlpatterns)),
    path("", include("oidc_provider.urls")),
]

if app_settings.BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/floor", views.bench_floor, name="bench-floor"))
