from django.urls import path

from accounts.two_factor import views

app_name = "two_factor"

urlpatterns = [
    path("", views.methods, name="methods"),
    path("phone/", views.phone, name="phone"),
    path("phone/verify/", views.phone_verify, name="phone-verify"),
    path("phone/resend/", views.phone_resend, name="phone-resend"),
    path("challenge/", views.challenge, name="challenge"),
    path("authenticator-app/", views.totp_setup, name="totp-setup"),
    path("recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("remove/", views.remove_method, name="remove"),
]
