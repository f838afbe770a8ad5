from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("privacy/", views.privacy_statement, name="privacy_statement"),
    path("privacy/acknowledge/", views.privacy_acknowledge, name="privacy_acknowledge"),
    path("sessions/end/", views.session_end, name="session_end"),
    path("sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
    path("my-data/", views.data_export, name="data_export"),
    path("delete/", views.account_delete, name="account_delete"),
    path("new-link/", views.new_link, name="new_link"),
    path("robot-check/challenge/", views.robot_challenge, name="robot_challenge"),
]
