from django.urls import path

from preferences import views

app_name = "preferences"

urlpatterns = [
    path("", views.expertise_update, name="update"),
    path("directory/", views.directory, name="directory"),
    path("directory/listing/", views.directory_listing_update, name="directory-listing"),
]
