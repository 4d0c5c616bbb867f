from django.urls import path

from .views import PilotReportView

app_name = "wagtail_pilots_pilots"
urlpatterns = [
    path("report/", PilotReportView.as_view(), name="report"),
    path(
        "report/results/",
        PilotReportView.as_view(results_only=True),
        name="report_results",
    ),
]
