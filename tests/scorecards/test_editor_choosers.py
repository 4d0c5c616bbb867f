"""The scorecard editor picks instead of asking for typed names and keys (issue
13, item 4): a group ticks the criteria it scores, a gate chooses its group or
criterion, a survey criterion chooses a question of its survey. Stored as
before, so existing scorecards keep working."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset

from wagtail_pilots.scorecards.models import ScorecardCriterion, ScorecardPage
from wagtail_pilots.surveys.questions import survey_questions

from .helpers import make_scorecard
from .test_forms import add_url, criterion, errors_of, gate, group, post_data

pytestmark = pytest.mark.django_db


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


@pytest.fixture
def scorecard(home_page):
    return make_scorecard(
        home_page,
        subjects=["城关镇", "青石镇"],
        criteria=[("经济", 50, 0, 10), ("环境", 30, 0, 10), ("民生", 20, 0, 10)],
        groups=[
            ("考核组", 70, "scores", "mean", 0, 0, "经济, 民生"),
            ("群众代表", 30, "scores", "mean", 0, 0, ""),
        ],
        gates=[("group", "群众代表", 50)],
        slug="choosers",
    )


def test_group_ticks_its_criteria_from_the_scorecard(admin_client, scorecard):
    form = admin_client.get(edit_url(scorecard)).context["form"]
    groups = form.formsets["groups"].forms
    html = str(groups[0]["criteria_scored"])
    for name in ("经济", "环境", "民生"):
        assert f'type="checkbox" name="groups-0-criteria_scored" value="{name}"' in html
    assert html.count("checked") == 2  # 经济 and 民生, as stored
    assert 'value="环境" id="id_groups-0-criteria_scored_1">' in html  # not ticked
    assert str(groups[1]["criteria_scored"]).count("checked") == 0
    # The blank row the "add" button copies has the same boxes.
    empty = str(form.formsets["groups"].empty_form["criteria_scored"])
    assert 'name="groups-__prefix__-criteria_scored" value="环境"' in empty


def test_ticked_criteria_are_saved_as_before(admin_client, home_page):
    data = post_data(
        criteria=inline_formset(
            [criterion("经济", 50), criterion("环境", 30), criterion("民生", 20)]
        ),
        groups=inline_formset([group("考核组", 100)]),
    )
    data["groups-0-criteria_scored"] = ["经济", "环境", "民生"]
    response = admin_client.post(add_url(home_page), data)
    assert response.status_code == 302, errors_of(response)
    page = ScorecardPage.objects.get()
    assert page.groups.get().criteria_scored == "经济, 环境, 民生"
    assert page.groups.get().criteria_names() == ["经济", "环境", "民生"]


def test_a_criterion_added_in_the_same_edit_is_offered_after_an_error(
    admin_client, home_page
):
    # The weights do not add up: the form comes back, and the new criterion
    # (never saved) is offered to the group.
    data = post_data(
        criteria=inline_formset([criterion("经济", 50), criterion("新指标", 30)]),
        groups=inline_formset([group("考核组", 100)]),
    )
    response = admin_client.post(add_url(home_page), data)
    assert response.status_code == 200
    html = str(response.context["form"].formsets["groups"].forms[0]["criteria_scored"])
    assert 'value="新指标"' in html


def test_a_criterion_that_is_not_on_the_scorecard_cannot_be_ticked(
    admin_client, home_page
):
    data = post_data(groups=inline_formset([group("考核组", 100)]))
    data["groups-0-criteria_scored"] = ["经济", "不存在"]
    response = admin_client.post(add_url(home_page), data)
    assert response.status_code == 200
    errors = errors_of(response)["groups"][0]["criteria_scored"]
    assert any("不存在" in str(e) for e in errors)
    assert not ScorecardPage.objects.exists()


def test_gate_chooses_a_group_or_criterion(admin_client, scorecard):
    form = admin_client.get(edit_url(scorecard)).context["form"]
    html = str(form.formsets["gates"].forms[0]["target_name"])
    assert "<select" in html
    assert '<optgroup label="evaluator groups">' in html
    assert '<optgroup label="criteria">' in html
    assert '<option value="群众代表" selected>群众代表</option>' in html
    assert '<option value="民生">民生</option>' in html


def test_existing_scorecard_saves_unchanged_through_the_choosers(
    admin_client, scorecard
):
    """Re-saving what the editor shows keeps the stored names."""
    form = admin_client.get(edit_url(scorecard)).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    for formset in form.formsets.values():
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.forms)
        data[f"{formset.prefix}-INITIAL_FORMS"] = len(formset.forms)
        data[f"{formset.prefix}-MIN_NUM_FORMS"] = 0
        data[f"{formset.prefix}-MAX_NUM_FORMS"] = 1000
        for child in formset.forms:
            for name in child.fields:
                value = child[name].value()
                if value is None or value is False:
                    continue
                data[child.add_prefix(name)] = value
    data["intro"] = '{"blocks": [], "entityMap": {}}'
    for flag in ("blind_mode", "ballots_open"):
        data[flag] = "on"
    response = admin_client.post(edit_url(scorecard), data)
    assert response.status_code == 302, errors_of(response)
    page = ScorecardPage.objects.get(pk=scorecard.pk).get_latest_revision_as_object()
    assert [g.criteria_scored for g in page.groups.all()] == ["经济, 民生", ""]
    assert [g.target_name for g in page.gates.all()] == ["群众代表"]


def test_survey_criterion_chooses_a_question_of_its_survey(
    admin_client,
    home_page,
    survey,
):
    page = make_scorecard(
        home_page,
        subjects=["石桥村"],
        criteria=[("实绩", 60, 0, 10), ("满意度", 40, 0, 100, "survey")],
        groups=[("考核组", 100, "scores", "mean", 0, 0, "实绩")],
        slug="with-survey",
    )
    ScorecardCriterion.objects.filter(page=page, name="满意度").update(survey=survey)
    page.refresh_from_db()
    page.save_revision().publish()
    matrix = next(q for q in survey_questions(survey) if q.field_type == "matrix")
    form = admin_client.get(edit_url(page)).context["form"]
    html = str(form.formsets["criteria"].forms[1]["question_key"])
    assert "<select" in html
    assert f'<option value="{matrix.key}">村委会评价</option>' in html
    # Only questions that rate units: not the scale or the free text.
    assert "总体评价" not in html and "意见建议" not in html
    # A key that is not in the survey is refused on the field, nothing saved.
    data = post_data(
        criteria=inline_formset(
            [
                criterion("实绩", 60),
                criterion("满意度", 40, source="survey", survey=survey.pk),
            ]
        ),
        groups=inline_formset([group("考核组", 100, scored="实绩")]),
    )
    data["criteria-1-question_key"] = "u6751u59d4"
    response = admin_client.post(add_url(home_page), data)
    assert response.status_code == 200
    assert errors_of(response)["criteria"][1]["question_key"] == [
        "This question is not in the chosen survey; choose one of its questions."
    ]
    # Its real key is accepted and stored.
    data["criteria-1-question_key"] = matrix.key
    data["slug"] = "kaohe-survey"
    response = admin_client.post(add_url(home_page), data)
    assert response.status_code == 302, errors_of(response)
    stored = ScorecardPage.objects.get(slug="kaohe-survey").criteria.get(name="满意度")
    assert stored.question_key == matrix.key


def test_gate_naming_a_deleted_group_is_shown_and_refused(admin_client, scorecard):
    from wagtail_pilots.scorecards.models import ScorecardGate

    ScorecardGate.objects.filter(page=scorecard).update(target_name="旧名称")
    scorecard.refresh_from_db()
    scorecard.save_revision()
    form = admin_client.get(edit_url(scorecard)).context["form"]
    html = str(form.formsets["gates"].forms[0]["target_name"])
    assert '<option value="旧名称" selected>旧名称</option>' in html
    # Saving it as it is says what is wrong, on the field.
    response = admin_client.post(
        add_url(scorecard.get_parent()),
        post_data(gates=inline_formset([gate("group", "旧名称", 50)])),
    )
    errors = errors_of(response)["gates"][0]["target_name"]
    assert errors == ["“旧名称” is not a group or criterion of this scorecard."]


def test_the_editor_reads_a_chosen_surveys_questions(
    admin_client,
    client,
    django_user_model,
    home_page,
    survey,
):
    """The drop-down's list when a survey is chosen: the questions that rate
    units, by their text; a page that is not a survey has none; a user who
    may not edit the survey is refused."""
    matrix = next(q for q in survey_questions(survey) if q.field_type == "matrix")
    url = reverse("wagtail_pilots_scorecards:survey_questions", args=[survey.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.json() == {
        "questions": [{"key": matrix.key, "label": "村委会评价"}]
    }
    other = reverse("wagtail_pilots_scorecards:survey_questions", args=[home_page.pk])
    assert admin_client.get(other).json() == {"questions": []}
    missing = reverse("wagtail_pilots_scorecards:survey_questions", args=[999999])
    assert admin_client.get(missing).status_code == 404
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user("clerk", password="x")
    clerk.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(clerk)
    assert client.get(url).status_code == 403
