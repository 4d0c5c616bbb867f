"""Small cells on public pages: a slice with fewer than k respondents shows
"少于 5 份" (with a complementary slice hidden), editors see every figure, and
free text is never public."""

import re

import pytest
from django.test import override_settings

from example_site.demo.core import ensure_standard_pages
from example_site.home.models import StandardPage
from wagtail_pilots.surveys.models import Channel
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import response_submit

pytestmark = pytest.mark.django_db

SECRET = "我家住在石桥村三组，村主任是我表哥"


def _submit(survey, group, overall, *, channel=Channel.WEB, text=""):
    questions = {q.field_type: q for q in survey_questions(survey)}
    scale, matrix = questions["scale"], questions["matrix"]
    satisfied = {o.label: str(o.pk) for o in scale.options}
    data = {
        questions["group"].key: group,
        scale.key: satisfied[overall],
        matrix.key: {row.key: satisfied["满意"] for row in matrix.rows},
        questions["multiline"].key: text,
    }
    response_submit(survey=survey, data=data, channel=channel)


@pytest.fixture
def published(make_survey):
    """党员 6 (all satisfied), 村民代表 2 (both not), 其他群众 5; one by paper."""
    survey = make_survey(results_visibility="live")
    for _ in range(6):
        _submit(survey, "党员", "满意")
    _submit(survey, "村民代表", "不满意", text=SECRET)
    _submit(survey, "村民代表", "不满意", channel=Channel.PAPER)
    for _ in range(5):
        _submit(survey, "其他群众", "基本满意")
    survey.refresh_from_db()
    return survey


def _group_rows(html):
    """{group: text of its row} of the first "by respondent group" table."""
    table = html.split("<caption>按答卷人类别</caption>")[1].split("</table>")[0]
    return {
        m.group(1): re.sub(r"<[^>]+>", " ", m.group(2))
        for m in re.finditer(
            r'<th scope="row">([^<]+)</th>(.*?)</tr>', table, flags=re.S
        )
    }


def test_public_page_hides_small_groups_and_their_complement(client, published):
    html = client.get(
        published.get_results_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    rows = _group_rows(html)
    # 村民代表 has 2 < 5; 其他群众 (5) is the next-smallest and goes too, or
    # 13 − 6 − 5 would give 村民代表's 2 back.
    assert "少于 5 份" in rows["村民代表"] and "%" not in rows["村民代表"]
    assert "少于 5 份" in rows["其他群众"] and "%" not in rows["其他群众"]
    assert "100.00%" in rows["党员"] and "少于" not in rows["党员"]
    # The public summary gives the total only: no channel counts that would
    # give away the only paper response (web 12 + paper 1).
    summary = html.split('class="wp-summary"')[1].split("</section>")[0]
    summary = re.sub(r"\d{4}-\d{2}-\d{2}", "", summary)  # the dates
    assert "13" in summary and "12" not in summary and "纸质" not in summary
    # The note explains it.
    assert "不足 5 份" in html
    # The group question's own counts are the groups' sizes: hidden alike.
    sizes = html.split("<caption>您的身份 — ")[1].split("</table>")[0]
    assert "<td>6</td>" in sizes and "<td>2</td>" not in sizes
    assert sizes.count("少于 5 份") == 2


def test_editors_see_every_figure(admin_client, published):
    html = admin_client.get(
        f"/admin/pilots/surveys/{published.pk}/results/",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "少于 5 份" not in html
    assert "0.00%" in html  # 村民代表: 0 of 2 satisfied


@override_settings(WAGTAIL_PILOTS={"SURVEY_MIN_CELL_SIZE": 2})
def test_k_comes_from_the_setting(client, published):
    html = client.get(
        published.get_results_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    rows = _group_rows(html)
    assert "少于" not in rows["村民代表"] and "0.00%" in rows["村民代表"]
    # Paper (1) is below 2 and web its complement: neither is in the summary.
    summary = html.split('class="wp-summary"')[1].split("</section>")[0]
    summary = re.sub(r"\d{4}-\d{2}-\d{2}", "", summary)  # the dates
    assert "纸质" not in summary and "12" not in summary


def test_english_says_fewer_than_k(client, published):
    html = client.get(
        published.get_results_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "fewer than 5 responses" in html


def test_results_block_suppresses_too(client, published, home_page):
    ensure_standard_pages(home_page)
    page = StandardPage.objects.get(slug="about")
    stream = StandardPage.body.field.stream_block.child_blocks
    page.body = [
        (
            "survey_results",
            stream["survey_results"].to_python({"survey": published.pk}),
        )
    ]
    page.save_revision().publish()
    html = client.get(page.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    rows = _group_rows(html)
    assert "少于 5 份" in rows["村民代表"] and "少于 5 份" in rows["其他群众"]


def test_free_text_is_never_public(client, published, home_page):
    assert SECRET not in client.get(published.get_results_url()).content.decode()
    ensure_standard_pages(home_page)
    page = StandardPage.objects.get(slug="about")
    stream = StandardPage.body.field.stream_block.child_blocks
    page.body = [
        (
            "survey_results",
            stream["survey_results"].to_python({"survey": published.pk}),
        )
    ]
    page.save_revision().publish()
    assert SECRET not in client.get(page.url).content.decode()
    # The written answers are not even a question of the public results.
    assert "意见建议" not in client.get(published.get_results_url()).content.decode()


def test_two_tiny_groups_do_not_hide_only_each_other(client, make_survey):
    """1 + 1 would still be "what the two 村民代表 said together": the
    next-smallest group is hidden as well."""
    survey = make_survey(results_visibility="live")
    for _ in range(8):
        _submit(survey, "党员", "满意")
    _submit(survey, "村民代表", "不满意")
    _submit(survey, "其他群众", "不满意")
    rows = _group_rows(
        client.get(
            survey.get_results_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    )
    assert all("少于 5 份" in rows[g] for g in ("党员", "村民代表", "其他群众"))
    assert not any("%" in row for row in rows.values())


@pytest.fixture
def why_survey(make_survey, scale):
    """A follow-up choice asked only after 不满意: 9 responses, 3 of them asked."""
    survey = make_survey(
        results_visibility="live",
        fields=[
            {"label": "您的身份", "field_type": "group", "choices": "党员\n群众"},
            {"label": "总体评价", "field_type": "scale", "scale": scale},
            {
                "label": "不满意的原因",
                "field_type": "dropdown",
                "choices": "办事慢\n态度差",
                "conditions": [
                    {"question": "总体评价", "op": "in", "values": ["不满意"]}
                ],
            },
        ],
    )
    questions = {q.label: q for q in survey_questions(survey)}
    scale_q = questions["总体评价"]
    option = {o.label: str(o.pk) for o in scale_q.options}
    for i in range(9):
        overall = "不满意" if i < 3 else "满意"
        data = {questions["您的身份"].key: "党员", scale_q.key: option[overall]}
        if overall == "不满意":
            data[questions["不满意的原因"].key] = "办事慢"
        response_submit(survey=survey, data=data)
    return survey


def _section(html, label):
    start = html.index(f"<h3>{label}</h3>")
    return html[start : html.index("</section>", start)]


def test_a_question_asked_of_fewer_than_k_is_hidden_whole(
    client, admin_client, why_survey
):
    html = client.get(
        why_survey.get_results_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    why = _section(html, "不满意的原因")
    # Asked of 3 (those who said 不满意): no count, share or chart of theirs.
    assert "少于 5 人" in why and "不公布" in why
    assert "办事慢" not in why and "<table" not in why and "<svg" not in why
    # The question everyone was asked is published as before.
    assert "66.67%" in _section(html, "总体评价")
    english = client.get(
        why_survey.get_results_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Asked of fewer than 5 respondents" in english
    # Editors see it all.
    admin = admin_client.get(
        f"/admin/pilots/surveys/{why_survey.pk}/results/"
    ).content.decode()
    assert "办事慢" in _section(admin, "不满意的原因")


def test_a_survey_with_fewer_than_k_responses_publishes_no_figure(client, make_survey):
    survey = make_survey(results_visibility="live")
    for overall in ("满意", "满意", "不满意"):
        _submit(survey, "党员", overall)
    html = client.get(
        survey.get_results_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    summary = html.split('class="wp-summary"')[1].split("</section>")[0]
    assert "wp-summary__rate" not in summary and "达标线" not in summary
    # The count of questionnaires is a total, not a figure about anyone.
    assert "3 份答卷" in summary and "答卷总数少于 5 份" in summary
    assert "%" not in html.split("</aside>")[1].split('class="wp-results__method"')[0]
    assert html.count("不公布本题的数据") >= 3
