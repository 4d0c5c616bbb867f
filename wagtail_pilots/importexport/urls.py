from django.urls import path

from . import views

app_name = "wagtail_pilots_importexport"

urlpatterns = [
    path("", views.BatchListView.as_view(), name="batches"),
    path("import/<slug:kind_name>/", views.ImportView.as_view(), name="import"),
    path("batch/<int:pk>/", views.BatchView.as_view(), name="batch"),
    path("batch/<int:pk>/rollback/", views.RollbackView.as_view(), name="rollback"),
    path(
        "batch/<int:pk>/rejected.<str:fmt>",
        views.RejectedRowsView.as_view(),
        name="rejected",
    ),
    path(
        "template/<slug:kind_name>.<str:fmt>",
        views.TemplateDownloadView.as_view(),
        name="template",
    ),
    path(
        "export/<slug:kind_name>.<str:fmt>", views.ExportView.as_view(), name="export"
    ),
]
