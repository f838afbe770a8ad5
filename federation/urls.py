from django.urls import path

from federation import views

app_name = "federation"

urlpatterns = [
    path("unlink/", views.unlink, name="unlink"),
]
