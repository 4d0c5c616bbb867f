"""Item 16.13: the satisfaction rate weighted by group population.

Hand-computed case: 党员 (population 100) 3 of 4 satisfied, 村民代表 (population
300) 1 of 4. Raw rate 4/8 = 50%. W = 0.25 and 0.75, so
p_w = 0.25 × 0.75 + 0.75 × 0.25 = 0.375;
V = 0.25² × 0.1875 / 4 + 0.75² × 0.1875 / 4 = 0.029296875;
n_eff = 0.375 × 0.625 / V = 8, and the interval is Wilson's for 3 of 8.
"""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from wagtail_pilots.surveys import selectors, stats
from wagtail_pilots.surveys.models import SurveyGroupPopulation

from .test_respondent_intervals import ALL, NONE
from .test_selectors import answer


def test_post_stratified_rate_by_hand():
    weighted = stats.post_stratify(
        {
            "党员": (100, stats.summarise(satisfied=3, valid=4)),
            "村民代表": (300, stats.summarise(satisfied=1, valid=4)),
        }
    )
    assert weighted.rate == D("0.375") and weighted.effective_n == 8
    assert weighted.weights == {"党员": D("0.25"), "村民代表": D("0.75")}
    assert weighted.interval == stats.wilson_interval(3, 8)
    assert tuple(round(v, 4) for v in weighted.interval) == (D("0.1368"), D("0.6943"))


def test_no_weighted_rate_when_a_group_is_unrepresented():
    missing = stats.post_stratify(
        {
            "党员": (100, stats.summarise(satisfied=3, valid=4)),
            "其他群众": (500, stats.summarise(satisfied=0, valid=0)),
        }
    )
    assert missing.rate is None and missing.missing == ("其他群众",)
    unweighted = stats.post_stratify(
        {"党员": (100, stats.summarise(satisfied=3, valid=4))}, unweighted=["村民代表"]
    )
    assert unweighted.rate is None and unweighted.unweighted == ("村民代表",)
    assert stats.post_stratify({}) is None


@pytest.fixture
def stratified(survey):
    for overall in ("满意", "满意", "基本满意", "不满意"):
        answer(survey, group="党员", overall=overall, rows=ALL)
    for overall in ("满意", "不满意", "不满意", "不满意"):
        answer(survey, group="村民代表", overall=overall, rows=NONE)
    return survey


@pytest.mark.django_db
def test_results_show_weighted_rate_beside_raw(stratified, admin_client):
    results = selectors.survey_results(survey=stratified)
    overall = next(q for q in results.rated if not q.rows)
    assert overall.weighted is None  # no populations entered yet
    SurveyGroupPopulation.objects.create(page=stratified, group="党员", population=100)
    SurveyGroupPopulation.objects.create(
        page=stratified, group="村民代表", population=300
    )
    results = selectors.survey_results(survey=stratified)
    overall = next(q for q in results.rated if not q.rows)
    assert overall.result.rate == D("0.5")
    assert overall.weighted.rate == D("0.375")
    assert overall.weighted.interval == stats.wilson_interval(3, 8)
    # The matrix: 党员 all satisfied on 3 rows, 村民代表 none → p_w = 0.25.
    matrix = next(q for q in results.rated if q.rows)
    assert matrix.weighted.rate == D("0.25")
    page = admin_client.get(
        reverse("wagtail_pilots_surveys:results", args=[stratified.pk])
    )
    body = page.content.decode()
    assert "按类别人数加权" in body and "37.50%" in body
    assert "50.00%" in body and "13.68–69.43%" in body


@pytest.mark.django_db
def test_a_group_without_population_is_named(stratified):
    SurveyGroupPopulation.objects.create(page=stratified, group="党员", population=100)
    results = selectors.survey_results(survey=stratified)
    overall = next(q for q in results.rated if not q.rows)
    assert overall.weighted.rate is None
    assert overall.weighted.unweighted == ("村民代表",)


def survey_post_data(scale, populations):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    return nested_form_data(
        {
            "title": "满意度测评",
            "slug": "pop-survey",
            "intro": rich_text(""),
            "thank_you_text": rich_text(""),
            "form_fields": inline_formset(
                [
                    {
                        "label": "您的身份",
                        "help_text": "",
                        "required": "on",
                        "field_type": "group",
                        "scale": "",
                        "rows": "",
                        "choices": "党员\n村民代表",
                        "default_value": "",
                    },
                    {
                        "label": "总体评价",
                        "help_text": "",
                        "required": "on",
                        "field_type": "scale",
                        "scale": str(scale.pk),
                        "rows": "",
                        "choices": "",
                        "default_value": "",
                    },
                ]
            ),
            "group_populations": inline_formset(
                [{"group": g, "population": str(n)} for g, n in populations]
            ),
            "quotas": inline_formset([]),
            "minimum_sample": "2",
            "threshold": "60",
            "access": "anyone",
            "results_visibility": "never",
            "notify_to": "",
        }
    )


@pytest.mark.django_db
def test_editor_is_told_about_an_unknown_or_repeated_group(
    admin_client, home_page, scale
):
    from wagtail_pilots.surveys.models import SurveyPage

    url = reverse(
        "wagtailadmin_pages:add",
        args=("wagtail_pilots_surveys", "surveypage", home_page.pk),
    )
    response = admin_client.post(
        url,
        survey_post_data(scale, [("党员", 100), ("群众", 900), ("党员", 50)]),
    )
    assert response.status_code == 200
    assert not SurveyPage.objects.filter(slug="pop-survey").exists()
    forms = response.context["form"].formsets["group_populations"].forms
    # The admin speaks Chinese (the site's language).
    assert "“群众”不是本调查的答卷人类别（身份题列出的类别为：党员、村民代表）" in str(
        forms[1].errors
    )
    assert "上面已填写过该类别的人数" in str(forms[2].errors)
    assert not forms[0].errors
    response = admin_client.post(
        url, survey_post_data(scale, [("党员", 100), ("村民代表", 900)])
    )
    page = SurveyPage.objects.get(slug="pop-survey")
    assert selectors.group_populations(survey=page) == {"党员": 100, "村民代表": 900}
