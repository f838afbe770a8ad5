from django.urls import path

from access_requests import views

app_name = "access_requests"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.wizard_application, name="wizard-application"),
    path("new/organisation/", views.wizard_organisation, name="wizard-organisation"),
    path("new/profile/", views.wizard_profile, name="wizard-profile"),
    path("new/recap/", views.wizard_recap, name="wizard-recap"),
    path("<int:pk>/submitted/", views.request_submitted, name="request-submitted"),
    path("<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("<int:pk>/remind/", views.request_remind, name="request-remind"),
]
