from django.urls import path

from .views import admin

app_name = "wagtail_pilots_surveys"

urlpatterns = [
    path("<int:page_id>/results/", admin.results, name="results"),
    path("<int:page_id>/responses/", admin.responses, name="responses"),
    path(
        "<int:page_id>/responses/<int:response_id>/",
        admin.response_detail,
        name="response_detail",
    ),
    path(
        "<int:page_id>/results/export/<str:fmt>/",
        admin.export_results,
        name="export_results",
    ),
    path(
        "<int:page_id>/responses/export/<str:fmt>/",
        admin.export_responses,
        name="export_responses",
    ),
    path("<int:page_id>/codes/", admin.access_codes, name="codes"),
    path("<int:page_id>/codes/print/", admin.print_codes, name="print_codes"),
    path("<int:page_id>/paper/", admin.paper_entry, name="paper"),
    path(
        "<int:page_id>/questionnaire/",
        admin.print_questionnaire,
        name="questionnaire",
    ),
    path("<int:page_id>/question-sets/", admin.question_sets, name="question_sets"),
]
