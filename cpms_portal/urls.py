from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from cpms_portal import views

admin.site.site_header = settings.ADMIN_SITE_HEADER
admin.site.site_title = _("ERN CPMS administration")
admin.site.index_title = _("Onboarding administration")

urlpatterns = [
    path("", views.landing, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("cpms/", views.cpms_home, name="cpms-home"),
    path("accounts/", include("allauth.urls")),
    path("requests/", include("access_requests.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
