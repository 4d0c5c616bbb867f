"""The public results page reads as a summary first: the headline rate, how many
ratings from how many questionnaires, the threshold verdict and the period; then
charts with a plain-language key; the tables folded under the charts."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.fixtures.surveys import post_data
from wagtail_pilots.templatetags.wagtail_pilots_format import num

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def every_figure_shown(settings):
    """These tests read the layout of a three-questionnaire survey: with k = 1
    its figures are published (small cells: test_small_cells.py)."""
    settings.WAGTAIL_PILOTS = {"SURVEY_MIN_CELL_SIZE": 1}


def _answered(make_survey, **settings):
    survey = make_survey(results_visibility="live", **settings)
    respondent = Client()
    # Each response rates the overall question and three villages: 4 ratings.
    for token in ("a", "b"):
        respondent.post(survey.url, post_data(survey, token=token))
    respondent.post(
        survey.url,
        post_data(
            survey,
            token="c",
            overall="不满意",
            rows={"石桥村": "不满意", "红山村": "不满意", "龙口村": "不满意"},
        ),
    )
    return survey


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_counts_have_thousands_separators():
    assert num(37824) == "37,824"
    assert num(3000) == "3,000"
    assert num(999) == "999"
    assert num(None) == "–"


def test_summary_comes_first_then_charts_then_folded_tables(
    client, make_survey, django_assert_max_num_queries
):
    survey = _answered(
        make_survey,
        opens_at=timezone.now() - datetime.timedelta(days=2),
        closes_at=timezone.now() + datetime.timedelta(days=5),
    )
    with django_assert_max_num_queries(20):
        response = client.get(survey.get_results_url())
    html = response.content.decode()
    text = _text(html)
    # 8 of 12 ratings satisfied; 66.67% ≥ the 60% threshold.
    summary = html[html.index('class="wp-summary"') : html.index("</section>")]
    summary_text = _text(summary)
    assert "结果概览" in summary_text
    assert "66.67% 总体满意率" in summary_text
    assert "12 项评价，来自 3 份答卷" in summary_text
    assert "已达标 满意率达到 60.00% 的达标线" in summary_text
    opens = timezone.localtime(survey.opens_at).date()
    closes = timezone.localtime(survey.closes_at).date()
    assert f"调查期间：{opens:%Y-%m-%d} 至 {closes:%Y-%m-%d}" in summary_text
    # The summary and the key to the figures come before the first chart.
    assert html.index('class="wp-summary"') < html.index("<svg")
    assert html.index('class="wp-explain"') < html.index("<svg")
    assert "置信区间" in text and "指数" in text
    assert "真实满意率很可能落在这个范围之内" in text
    assert "有效回答的平均分" in text
    # Counts are stated plainly, not as n=.
    assert "n=" not in text
    assert "3 项有效回答" in text  # the overall question, one per questionnaire
    assert "9 项有效回答，来自 3 名答卷人" in text  # the matrix, 3 rows each
    # Every table follows its chart inside a closed <details>, still in the HTML.
    tables = html.count("<table")
    assert tables > 0
    assert html.count('<details class="wp-table-details">') == tables
    assert "<details open" not in html
    first_table = html.index("<table")
    assert html.rindex("<svg", 0, first_table) < first_table
    assert html.rindex("<details", 0, first_table) > html.rindex("<svg", 0, first_table)


def test_summary_says_when_the_threshold_is_missed(client, make_survey):
    survey = _answered(make_survey, threshold=70)
    text = _text(client.get(survey.get_results_url()).content.decode())
    assert "低于达标线 满意率未达到 70.00% 的达标线" in text
    assert "已达标" not in text


def test_summary_does_not_judge_a_small_sample(client, make_survey):
    survey = _answered(make_survey, minimum_sample=50)
    text = _text(client.get(survey.get_results_url()).content.decode())
    assert "有效回答太少，暂不与 60.00% 的达标线比较（至少需要 50 项）" in text
    assert "已达标" not in text and "未达到" not in text


def test_summary_without_dates_gives_the_days_answers_came_in(client, make_survey):
    survey = _answered(make_survey)
    today = timezone.localdate()
    text = _text(client.get(survey.get_results_url()).content.decode())
    assert f"答卷收集时间：{today:%Y-%m-%d} 至 {today:%Y-%m-%d}" in text


def test_admin_results_screen_keeps_its_tables_open(admin_client, make_survey):
    survey = _answered(make_survey)
    html = admin_client.get(f"/admin/pilots/surveys/{survey.pk}/results/").content
    html = html.decode()
    assert "<table" in html
    assert "wp-table-details" not in html and 'class="wp-summary"' not in html
