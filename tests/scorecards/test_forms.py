"""Editor validation of a scorecard, through Wagtail's own page editor."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from wagtail_pilots.scorecards.models import ScorecardPage

pytestmark = pytest.mark.django_db


def criterion(name, weight, minimum=0, maximum=100, source="ballots", survey=""):
    return {
        "name": name,
        "weight": weight,
        "minimum": minimum,
        "maximum": maximum,
        "source": source,
        "survey": survey,
        "metric": "rate",
        "question_key": "",
    }


def group(
    name, weight, kind="scores", aggregation="mean", trim=0, min_ballots=0, scored=""
):
    return {
        "name": name,
        "weight": weight,
        "kind": kind,
        "aggregation": aggregation,
        "trim": trim,
        "min_ballots": min_ballots,
        "criteria_scored": scored,
        "expected_headcount": "",
    }


def subject(name):
    return {"unit": "", "name": name, "description": "", "home_unit": ""}


def gate(target, name, threshold):
    return {"target": target, "target_name": name, "threshold": threshold}


def post_data(**overrides):
    data = {
        "title": "年度考核",
        "slug": "kaohe",
        "intro": rich_text(""),
        "subjects": inline_formset([subject("城关镇"), subject("青石镇")]),
        "criteria": inline_formset([criterion("经济", 60), criterion("民生", 40)]),
        "groups": inline_formset([group("考核组", 100)]),
        "gates": inline_formset([]),
        "shortlist_size": 1,
        "bottom_size": 1,
        "tie_break": "criteria",
        "missing_group_policy": "renormalise",
        "small_sample": 0,
        "blind_mode": "on",
        "ballots_open": "on",
        "notice_days": 5,
    }
    data.update(overrides)
    return nested_form_data(data)


def add_url(home_page):
    return reverse(
        "wagtailadmin_pages:add",
        args=("wagtail_pilots_scorecards", "scorecardpage", home_page.pk),
    )


def errors_of(response):
    form = response.context["form"]
    result = {"page": dict(form.errors)}
    for name, formset in form.formsets.items():
        result[name] = [dict(f.errors) for f in formset.forms]
    return result


def test_valid_scorecard_is_saved(admin_client, home_page):
    response = admin_client.post(add_url(home_page), post_data())
    assert response.status_code == 302, errors_of(response)
    page = ScorecardPage.objects.get(slug="kaohe")
    assert page.criteria.count() == 2 and page.groups.count() == 1


@pytest.mark.parametrize(
    "overrides, where, field, text",
    [
        (
            {
                "criteria": inline_formset(
                    [criterion("经济", 60), criterion("民生", 30)]
                )
            },
            "criteria",
            "weight",
            "add up to 90.00, not 100",
        ),
        (
            {"groups": inline_formset([group("甲", 60), group("乙", 30)])},
            "groups",
            "weight",
            "add up to 90.00, not 100",
        ),
        (
            {
                "criteria": inline_formset(
                    [criterion("经济", 60, 5, 5), criterion("民生", 40)]
                )
            },
            "criteria",
            "maximum",
            "must be above",
        ),
        (
            {
                "groups": inline_formset(
                    [group("考核组", 100, aggregation="trimmed", trim=1, min_ballots=2)]
                )
            },
            "groups",
            "trim",
            "needs at least 3 ballots",
        ),
        ({"shortlist_size": 3}, "page", "shortlist_size", "longer than the 2 subjects"),
        (
            {"gates": inline_formset([gate("group", "不存在", 50)])},
            "gates",
            "target_name",
            "“不存在” is not a group or criterion of this scorecard.",
        ),
        (
            {"gates": inline_formset([gate("group", "经济", 50)])},
            "gates",
            "target_name",
            "no evaluator group called “经济”",
        ),
        (
            {"gates": inline_formset([gate("criterion", "考核组", 50)])},
            "gates",
            "target_name",
            "no criterion called",
        ),
        (
            {
                "criteria": inline_formset(
                    [criterion("经济", 60), criterion("民生", 40, source="survey")]
                )
            },
            "criteria",
            "survey",
            "Choose the survey",
        ),
        (
            {"groups": inline_formset([group("考核组", 100, scored="经济, 不存在")])},
            "groups",
            "criteria_scored",
            "不存在",
        ),
        (
            {"groups": inline_formset([group("考核组", 100, scored="经济")])},
            "criteria",
            "source",
            "No evaluator group scores",
        ),
        (
            {"subjects": inline_formset([subject(""), subject("青石镇")])},
            "subjects",
            "name",
            "Choose a unit or enter a name",
        ),
    ],
)
def test_field_level_messages(admin_client, home_page, overrides, where, field, text):
    response = admin_client.post(add_url(home_page), post_data(**overrides))
    assert response.status_code == 200
    assert not ScorecardPage.objects.exists()
    errors = errors_of(response)
    if where == "page":
        messages = errors["page"].get(field, [])
    else:
        messages = [m for f in errors[where] for m in f.get(field, [])]
    assert any(text in str(m) for m in messages), errors


def test_inline_with_ballots_cannot_be_removed(admin_client, home_page):
    from wagtail_pilots.scorecards.services import ballot_enter

    from .helpers import assessment

    page = assessment(home_page, slug="kaohe2")
    group = page.groups.get()
    subject = page.subjects.first()
    ballot_enter(
        scorecard=page,
        group=group,
        evaluator="a",
        subject=subject,
        criterion=page.criteria.first(),
        value=5,
    )
    subjects = [
        {
            "id": s.pk,
            "unit": "",
            "name": s.name,
            "description": "",
            "home_unit": "",
            "DELETE": "on" if s.pk == subject.pk else "",
        }
        for s in page.subjects.order_by("sort_order")
    ]
    criteria = [
        {**criterion(c.name, c.weight, c.minimum, c.maximum), "id": c.pk}
        for c in page.criteria.order_by("sort_order")
    ]
    groups = [{**group_data(group), "id": group.pk}]
    data = post_data(
        title=page.title,
        slug=page.slug,
        subjects=inline_formset(subjects, initial=3),
        criteria=inline_formset(criteria, initial=4),
        groups=inline_formset(groups, initial=1),
        shortlist_size=0,
        bottom_size=0,
    )
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "has ballots" in str(response.context["form"].non_field_errors())
    assert page.subjects.filter(pk=subject.pk).exists()


def group_data(g):
    return group(
        g.name,
        g.weight,
        aggregation=g.aggregation,
        trim=g.trim,
        min_ballots=g.min_ballots,
    )


def test_a_quorum_is_a_fraction_or_a_percentage(admin_client, home_page):
    """The editor refuses an unreadable or impossible quorum at the field, naming
    the value; 2/3 is kept as written."""
    response = admin_client.post(add_url(home_page), post_data(quorum="3/2"))
    assert response.status_code == 200
    (message,) = errors_of(response)["page"]["quorum"]
    assert "2/3" in message and "“3/2”" in message
    assert not ScorecardPage.objects.filter(slug="kaohe").exists()
    response = admin_client.post(add_url(home_page), post_data(quorum="2/3"))
    assert response.status_code == 302, errors_of(response)
    assert ScorecardPage.objects.get(slug="kaohe").quorum == "2/3"
