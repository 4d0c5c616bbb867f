"""Dashboard panels: open surveys and scorecards, counted in SQL, bounded in
queries, showing only what the user may edit."""

import datetime

import pytest
from django.utils import timezone

from wagtail_pilots.surveys.models import Channel
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import response_submit

from ..scorecards.helpers import assessment

pytestmark = pytest.mark.django_db


def answer(survey, overall, n, channel=Channel.PAPER):
    questions = survey_questions(survey)
    scale = next(q for q in questions if q.field_type == "scale")
    option = next(o for o in scale.options if o.label == overall)
    for _ in range(n):
        response_submit(survey=survey, data={scale.key: option.pk}, channel=channel)


def panel_rows(html, panel_id):
    start = html.index(f'id="{panel_id}')
    end = html.index("</table>", start)
    return html[start:end]


def test_open_surveys_panel(admin_client, make_survey, django_assert_max_num_queries):
    # Noon, ten calendar days ahead in the site's time zone: "days left" counts
    # calendar days, so a time near midnight must not tip it to 11.
    closes = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=10), datetime.time(12)
        )
    )
    low = make_survey(title="窗口服务测评", slug="low", closes_at=closes)
    answer(low, "不满意", 2)
    answer(low, "满意", 1)
    fine = make_survey(title="村务公开测评", slug="fine")
    answer(fine, "满意", 3)
    make_survey(
        title="已结束测评",
        slug="closed",
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    admin_client.get("/admin/")  # warm caches (site, menus)
    with django_assert_max_num_queries(60):
        html = admin_client.get("/admin/").content.decode()
    panel = panel_rows(html, "open-surveys")
    assert "已结束测评" not in panel
    # Closing soonest first; today 3 of 3; 10 days left; 总体评价 at 33% < 60%.
    assert panel.index("窗口服务测评") < panel.index("村务公开测评")

    def cells(title):
        return [
            c.strip()
            for c in panel.split(title, 1)[1].split("</tr>", 1)[0].split("<td")[1:]
        ]

    low_cells = cells("窗口服务测评")
    assert low_cells[0].endswith(">3</td>") and low_cells[1].endswith(">3</td>")
    assert low_cells[2].endswith(">10</td>")
    assert "1 个题目" in low_cells[3] and "总体评价" in low_cells[3]
    assert "—" in cells("村务公开测评")[3]


def test_open_surveys_query_count_does_not_grow(
    admin_client, make_survey, django_assert_max_num_queries
):
    for i in range(3):
        answer(make_survey(title=f"测评{i}", slug=f"s{i}"), "不满意", 2)
    admin_client.get("/admin/")
    with django_assert_max_num_queries(60) as few:
        admin_client.get("/admin/")
    for i in range(3, 9):
        answer(make_survey(title=f"测评{i}", slug=f"s{i}"), "不满意", 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = admin_client.get("/admin/").content.decode()
    assert "测评8" in panel_rows(html, "open-surveys")


def test_panels_show_only_editable_pages(make_survey, page_editor, home_page):
    visible = make_survey(title="可见测评", slug="visible")
    assessment(visible.get_parent(), title="可见考核", slug="card")
    client = page_editor(visible, "change", username="clerk")
    html = client.get("/admin/").content.decode()
    assert "可见测评" in html
    assert "可见考核" not in html  # no rights on the scorecard


def test_scorecards_panel(admin_client, home_page):
    from wagtail_pilots.scorecards.models import ScorecardSnapshot

    card = assessment(home_page, title="年度考核")
    html = admin_client.get("/admin/").content.decode()
    panel = panel_rows(html, "scorecards")
    assert "年度考核" in panel and "未公示" in panel
    assert ScorecardSnapshot.objects.filter(scorecard=card).count() == 0


def answer_as(survey, group, n):
    """``n`` paper responses of ``group``, rating everything 满意."""
    data = {}
    for q in survey_questions(survey):
        if q.field_type == "group":
            data[q.key] = group
        elif q.field_type == "scale":
            data[q.key] = q.options[0].pk
        elif q.field_type == "matrix":
            data[q.key] = {row.key: q.options[0].pk for row in q.rows}
    for _ in range(n):
        response_submit(survey=survey, data=data, channel=Channel.PAPER)


def test_open_surveys_panel_shows_quota_fill_levels(
    admin_client, make_survey, villages, django_assert_max_num_queries
):
    from wagtail_pilots.surveys.models import SurveyQuota

    def quota_survey(i):
        survey = make_survey(title=f"配额测评{i}", slug=f"q{i}")
        SurveyQuota.objects.create(page=survey, group="党员", limit=2)
        SurveyQuota.objects.create(page=survey, unit=villages[0], limit=5)
        answer_as(survey, "党员", 2)
        return survey

    quota_survey(0)
    make_survey(title="无配额测评", slug="none")
    admin_client.get("/admin/")
    with django_assert_max_num_queries(60) as few:
        html = admin_client.get("/admin/").content.decode()
    panel = panel_rows(html, "open-surveys")
    row = panel.split("配额测评0", 1)[1].split("</tr>", 1)[0]
    # 党员: 2 of 2, full; 石桥村: rated by both responses, 2 of 5.
    assert "党员 2 / 2" in row and "已满" in row
    assert "石桥村 2 / 5" in row
    assert "—" in panel.split("无配额测评", 1)[1].split("</tr>", 1)[0]
    for i in range(1, 4):
        quota_survey(i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = admin_client.get("/admin/").content.decode()
    assert "配额测评3" in panel_rows(html, "open-surveys")
