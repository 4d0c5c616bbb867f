from django.urls import path

from .views import admin

app_name = "wagtail_pilots_scorecards"

urlpatterns = [
    path("<int:page_id>/results/", admin.results, name="results"),
    path("<int:page_id>/results/export/<str:fmt>/", admin.export, name="export"),
    path("<int:page_id>/publish/", admin.publish, name="publish"),
    path("<int:page_id>/versions/<int:version>/", admin.snapshot, name="snapshot"),
    path("<int:page_id>/codes/", admin.codes, name="codes"),
    path("<int:page_id>/ballots/add/", admin.ballot_add, name="ballot_add"),
    path("<int:page_id>/ballots/sheet/", admin.ballot_sheet, name="ballot_sheet"),
    path(
        "survey-questions/<int:survey_id>/",
        admin.survey_questions,
        name="survey_questions",
    ),
]
