from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.network_list, name="index"),
    path("<str:network_code>/", views.network_report, name="network"),
    path(
        "<str:network_code>/export.csv",
        views.network_export,
        {"fmt": "csv"},
        name="export-csv",
    ),
    path(
        "<str:network_code>/export.xlsx",
        views.network_export,
        {"fmt": "xlsx"},
        name="export-xlsx",
    ),
]
