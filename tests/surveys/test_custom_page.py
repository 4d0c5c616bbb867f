"""A survey on the site's own base page (tests/custom_site): the survey mixin,
the abstract question model and every main flow, without the suite's SurveyPage.
"""

import csv
import io

import pytest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.crypto import get_random_string

from tests.custom_site.models import (
    DepartmentPage,
    DepartmentQuestion,
    DepartmentSurveyPage,
)
from tests.fixtures.imports import csv_bytes, upload_check_import
from tests.fixtures.surveys import old_started, post_data
from wagtail_pilots.blocks import suite_blocks
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.surveys.blocks import SurveyFormBlock
from wagtail_pilots.surveys.models import SurveyResponse
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.selectors import survey_results
from wagtail_pilots.surveys.services import access_codes_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def department_survey(home_page, scale):
    """Built the way an editor builds it: a page, its questions, published."""
    page = DepartmentSurveyPage(
        title="政务服务满意度",
        slug="dept-survey",
        office="县政务服务中心",
        minimum_sample=1,
        results_visibility="live",
    )
    home_page.add_child(instance=page)
    DepartmentQuestion.objects.create(
        page=page, sort_order=0, label="总体评价", field_type="scale", scale=scale
    )
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def answer(client, page, label):
    question = survey_questions(page)[0]
    option = next(o for o in question.options if o.label == label)
    token = get_random_string(16)
    return client.post(
        page.url,
        {
            "wp_started": old_started(token),
            "wp_token": token,
            question.key: str(option.pk),
        },
        follow=True,
    )


def test_the_custom_page_is_a_department_page_with_the_suites_questions(
    department_survey,
):
    assert isinstance(department_survey, DepartmentPage)
    assert DepartmentSurveyPage.get_question_model() is DepartmentQuestion
    assert [q.label for q in department_survey.get_form_fields()] == ["总体评价"]


def test_answered_on_its_own_template_and_counted(client, department_survey):
    page = client.get(department_survey.url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Office in charge: 县政务服务中心" in content  # the site's template
    assert "总体评价" in content  # the suite's form inside it

    # Each answer is stored, then the browser is redirected to the thank-you page
    # (POST/redirect/GET), which shows the receipt.
    for label in ("满意", "不满意"):
        thanks = answer(client, department_survey, label)
        assert thanks.status_code == 200
        assert thanks.redirect_chain and thanks.redirect_chain[0][1] == 302
        assert 'class="wp-receipt"' in thanks.content.decode()
    assert SurveyResponse.objects.filter(survey=department_survey).count() == 2
    results = survey_results(survey=department_survey)
    assert results.responses == 2
    public = client.get(department_survey.get_results_url())
    assert public.status_code == 200


def test_the_admin_edits_results_and_compares_it(
    admin_client, department_survey, make_survey
):
    edit = admin_client.get(
        reverse("wagtailadmin_pages:edit", args=[department_survey.pk])
    )
    assert edit.status_code == 200
    assert "总体评价" in edit.content.decode()

    # Results of the custom survey, and the suite's own survey offers it for
    # comparison (and compares with it).
    results_url = reverse("wagtail_pilots_surveys:results", args=[department_survey.pk])
    assert admin_client.get(results_url).status_code == 200
    other = make_survey(slug="last-year")
    # The comparison is offered beside results (a survey without responses
    # shows its empty state instead).
    assert admin_client.post(other.url, post_data(other)).status_code == 302
    other_url = reverse("wagtail_pilots_surveys:results", args=[other.pk])
    listing = admin_client.get(other_url).content.decode()
    assert "政务服务满意度" in listing
    compared = admin_client.get(f"{other_url}?compare={department_survey.pk}")
    assert compared.status_code == 200
    assert compared.context["compared_with"].pk == department_survey.pk


def test_access_codes_are_exported(admin_client, department_survey):
    # A code's group is one of the survey's respondent groups.
    DepartmentQuestion.objects.create(
        page=department_survey,
        sort_order=1,
        label="您的身份",
        field_type="group",
        choices="群众\n企业",
    )
    access_codes_generate(survey=department_survey, count=3, group="群众", batch="一批")
    url = reverse("wagtail_pilots_importexport:export", args=["survey-codes", "csv"])
    response = admin_client.get(f"{url}?page={department_survey.pk}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4
    assert {r[3] for r in rows[1:]} == {"群众"}


def test_paper_questionnaires_are_imported(department_survey):
    batch = upload_check_import(
        "responses",
        csv_bytes([["总体评价"], ["满意"], ["基本满意"], ["不满意"]]),
        page=department_survey,
        name="paper.csv",
        force=True,
    )
    assert batch.status == ImportBatch.Status.DONE
    results = survey_results(survey=department_survey)
    assert results.responses == 3


def test_the_survey_blocks_offer_and_render_the_custom_page(
    department_survey, client, rf
):
    block = SurveyFormBlock()
    chooser = block.child_blocks["survey"]
    assert DepartmentSurveyPage in chooser.target_models
    # Migrations see a plain PageChooserBlock with the page types.
    path, _args, kwargs = chooser.deconstruct()
    assert path == "wagtail.blocks.PageChooserBlock"
    assert "custom_site.DepartmentSurveyPage" in kwargs["page_type"]
    assert any(name == "survey_form" for name, _b in suite_blocks())

    value = block.to_python({"survey": department_survey.pk, "heading": "请评价"})
    request = rf.get("/")
    html = block.render(
        value, context={"request": request, "csrf_token": get_token(request)}
    )
    assert "总体评价" in html
    # Without a request (``{{ page.body }}``) there is no CSRF token: a link.
    linked = block.render(value, context={"request": None})
    assert "总体评价" not in linked
    assert f'href="{department_survey.url}"' in linked


def test_listed_among_the_open_surveys_with_the_suites_own(
    department_survey, make_survey
):
    from wagtail_pilots.surveys.selectors import surveys_open

    other = make_survey(slug="suite-survey")
    listed = {entry.page.pk: entry for entry in surveys_open()}
    assert set(listed) == {department_survey.pk, other.pk}
    # Its minutes come from its own questions (one scale question).
    assert listed[department_survey.pk].minutes >= 1
    assert [e.page.pk for e in surveys_open(limit=1)] == [
        min((department_survey, other), key=lambda p: p.title).pk
    ]


def test_the_system_check_accepts_it_and_names_a_missing_question_model():
    from wagtail_pilots.pages import check_inlines
    from wagtail_pilots.surveys.models import (
        AbstractSurveyField,
        SurveyPageMixin,
        check_survey_pages,
    )

    assert check_survey_pages() == []
    assert DepartmentSurveyPage.get_group_population_model() is None
    errors = check_inlines(
        SurveyPageMixin, {"questions": AbstractSurveyField}, check_id="x"
    )
    assert any(
        e.obj is DepartmentSurveyPage
        and "has no 'questions' inline built on AbstractSurveyField" in e.msg
        for e in errors
    )


def test_the_admin_lists_and_shows_its_responses(admin_client, department_survey):
    """The responses list and detail read the custom page's own questions."""
    assert answer(admin_client, department_survey, "基本满意").status_code == 200
    stored = SurveyResponse.objects.get(survey_id=department_survey.pk)
    url = reverse("wagtail_pilots_surveys:responses", args=[department_survey.pk])
    listing = admin_client.get(url).content.decode()
    detail_url = reverse(
        "wagtail_pilots_surveys:response_detail",
        args=[department_survey.pk, stored.pk],
    )
    assert detail_url in listing
    detail = admin_client.get(detail_url).content.decode()
    row = detail.split('<th scope="row">总体评价</th>', 1)[1].split("</tr>", 1)[0]
    assert "基本满意" in row


def test_built_and_published_in_the_admin_then_answered_and_exported(
    admin_client, home_page, scale
):
    """The editor's path on the custom page type: created with a question of
    the site's own question model and published in one go, answered on the
    site, then both exports of its data (results, responses) read its rows."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    data = nested_form_data(
        {
            "title": "窗口服务评价",
            "slug": "window-service",
            "office": "县行政审批局",
            "intro": rich_text(""),
            "thank_you_text": rich_text(""),
            "form_fields": inline_formset(
                [
                    {
                        "label": "总体评价",
                        "field_type": "scale",
                        "scale": scale.pk,
                        "required": "on",
                        "rows": "",
                        "choices": "",
                        "default_value": "",
                        "help_text": "",
                        "conditions_match": "all",
                    }
                ]
            ),
            "minimum_sample": "1",
            "threshold": "60",
            "access": "anyone",
            "results_visibility": "live",
            "anonymous": "on",
            "notify_to": "",
            "action-publish": "action-publish",
        }
    )
    url = reverse(
        "wagtailadmin_pages:add",
        args=["custom_site", "departmentsurveypage", home_page.pk],
    )
    created = admin_client.post(url, data)
    if created.status_code != 302:
        form = created.context["form"]
        pytest.fail(str((form.errors, {n: f.errors for n, f in form.formsets.items()})))
    page = DepartmentSurveyPage.objects.get(slug="window-service")
    assert page.live and page.office == "县行政审批局"
    (question,) = DepartmentQuestion.objects.filter(page=page)
    assert question.label == "总体评价"

    for label in ("满意", "满意", "不满意"):
        assert answer(admin_client, page, label).status_code == 200
    assert survey_results(survey=page).responses == 3

    export = reverse(
        "wagtail_pilots_importexport:export", args=["survey-results", "csv"]
    )
    results = admin_client.get(f"{export}?page={page.pk}")
    assert results.status_code == 200
    text = b"".join(results.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert any("总体评价" in row for row in rows), rows

    export = reverse("wagtail_pilots_importexport:export", args=["responses", "csv"])
    responses = admin_client.get(f"{export}?page={page.pk}")
    assert responses.status_code == 200
    rows = list(
        csv.reader(
            io.StringIO(b"".join(responses.streaming_content).decode("utf-8-sig"))
        )
    )
    column = rows[0].index("总体评价")
    assert sorted(row[column] for row in rows[1:]) == ["不满意", "满意", "满意"]


def test_saved_and_resumed_on_its_own_template(client, department_survey):
    """Save and resume on the site's own page type: the draft points at the
    base page model, like responses."""
    import re

    from wagtail_pilots.surveys.models import SurveyDraft

    question = survey_questions(department_survey)[0]
    option = next(o for o in question.options if o.label == "基本满意")
    html = client.get(department_survey.url).content.decode()
    assert "Office in charge: 县政务服务中心" in html
    token = re.search(r'name="wp_token" value="([^"]+)"', html)[1]
    saved = client.post(
        department_survey.url,
        {"wp_token": token, question.key: str(option.pk), "wp_nav": "save"},
    ).content.decode()
    code = re.search(r'class="wp-resume-code"[^>]*><strong lang="en">([^<]+)<', saved)
    assert SurveyDraft.objects.get().survey_id == department_survey.pk
    resumed = client.post(department_survey.url, {"wp_resume_code": code[1]})
    html = resumed.content.decode()
    assert "Office in charge: 县政务服务中心" in html
    assert re.search(rf'value="{option.pk}"[^>]*checked', html)
