"""The list of individual responses of a survey and one response's answers
(issue 13, item 6): the results' filters, a serial-number search, Wagtail's
paginator, page-level permissions, escaping, bounded queries."""

import datetime
import re

import pytest
from django.utils import timezone

from wagtail_pilots.surveys.logic import OTHER
from wagtail_pilots.surveys.models import Channel
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import response_submit

pytestmark = pytest.mark.django_db


def list_url(survey):
    return f"/admin/pilots/surveys/{survey.pk}/responses/"


def detail_url(survey, response):
    return f"/admin/pilots/surveys/{survey.pk}/responses/{response.pk}/"


def submit(survey, *, group="党员", overall="满意", serial="", rows=None, **kwargs):
    qs = {q.field_type: q for q in survey_questions(survey)}
    pk = {o.label: o.pk for o in qs["scale"].options}
    matrix = qs["matrix"]
    data = {
        qs["group"].key: group,
        qs["scale"].key: pk[overall],
        matrix.key: {
            r.key: pk[label]
            for r in matrix.rows
            if (label := (rows or {}).get(r.label))
        },
    }
    kwargs.setdefault("channel", Channel.PAPER)
    response, _created = response_submit(
        survey=survey, data=data, serial=serial, **kwargs
    )
    return response


def numbers(html):
    """The response numbers listed, in order."""
    return [int(n) for n in re.findall(r"<td[^>]*><a [^>]*>#(\d+)</a></td>", html)]


@pytest.fixture
def answered(make_survey):
    survey = make_survey(anonymous=False)
    week_ago = timezone.now() - datetime.timedelta(days=7)
    first = submit(survey, serial="A-001", rows={"石桥村": "不满意"})
    second = submit(survey, overall="不满意", channel=Channel.WEB)
    third = submit(survey, group="其他群众", serial="B-002", now=week_ago)
    return survey, [first, second, third]


def test_list_shows_each_response_newest_first(admin_client, answered):
    survey, (first, second, third) = answered
    response = admin_client.get(list_url(survey))
    assert response.status_code == 200
    html = response.content.decode()
    assert numbers(html) == [third.pk, second.pk, first.pk]
    # One row: number, time, channel, serial, group, units, a link to the answers.
    row = html.split(f">#{first.pk}</a></td>", 1)[1].split("</tr>", 1)[0]
    assert "纸质录入" in row and "A-001" in row and "党员" in row and "石桥村" in row
    assert detail_url(survey, first) in row and "查看答案" in row
    assert timezone.localtime(first.submitted_at).strftime("%Y-%m-%d %H:%M") in row
    web_row = html.split(f">#{second.pk}</a></td>", 1)[1].split("</tr>", 1)[0]
    assert "网上" in web_row or "web" in web_row
    assert 'class="listing wp-responses"' in html
    assert "3 份答卷" in html


def test_filters_and_search_narrow_the_list(admin_client, answered, villages):
    survey, (first, second, third) = answered
    url = list_url(survey)
    assert numbers(admin_client.get(url, {"group": "党员"}).content.decode()) == [
        second.pk,
        first.pk,
    ]
    assert numbers(admin_client.get(url, {"channel": "web"}).content.decode()) == [
        second.pk
    ]
    assert numbers(
        admin_client.get(url, {"unit": villages[0].pk}).content.decode()
    ) == [first.pk]
    today = timezone.localdate()
    assert numbers(
        admin_client.get(
            url, {"date_to": today - datetime.timedelta(1)}
        ).content.decode()
    ) == [third.pk]
    # The serial number, part of it, or the response number.
    assert numbers(admin_client.get(url, {"q": "b-00"}).content.decode()) == [third.pk]
    assert numbers(admin_client.get(url, {"q": f"#{second.pk}"}).content.decode()) == [
        second.pk
    ]
    html = admin_client.get(url, {"group": "党员", "q": "B-002"}).content.decode()
    assert numbers(html) == []
    assert "没有符合这些筛选条件的答卷。" in html
    assert 'id="wp-empty-title"' not in html
    assert "清除筛选" in html or "Clear filters" in html


def test_bad_date_range_says_where_and_filters_nothing(admin_client, answered):
    survey, responses = answered
    response = admin_client.get(
        list_url(survey), {"date_from": "2026-12-05", "date_to": "2026-12-01"}
    )
    assert response.context["filter_form"].errors["date_to"]
    assert len(numbers(response.content.decode())) == 3


def test_pagination_keeps_the_filters_and_queries_are_bounded(
    admin_client, survey, django_assert_max_num_queries
):
    made = [
        submit(survey, serial=f"N-{i:03}", rows={"石桥村": "满意", "红山村": "不满意"})
        for i in range(55)
    ]
    submit(survey, group="其他群众", serial="X-1")
    url = list_url(survey)
    admin_client.get(url)
    with django_assert_max_num_queries(25):
        response = admin_client.get(url, {"group": "党员"})
    html = response.content.decode()
    listed = numbers(html)
    assert len(listed) == 50 and listed[0] == made[-1].pk
    assert "石桥村、红山村" in html
    # Wagtail's paginator; its links keep the filter.
    assert 'class="pagination"' in html
    assert "?group=%E5%85%9A%E5%91%98&amp;p=2" in html
    with django_assert_max_num_queries(25):
        second = admin_client.get(url, {"group": "党员", "p": 2}).content.decode()
    assert numbers(second) == [m.pk for m in reversed(made[:5])]
    # The more responses, not the more queries.
    with django_assert_max_num_queries(25) as few:
        admin_client.get(url, {"group": "党员", "p": 2})
    with django_assert_max_num_queries(25) as many:
        admin_client.get(url, {"group": "党员"})
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.fixture
def logic_survey(make_survey, scale):
    """A follow-up, an "other" choice shown only after 不满意, a question for
    party members only. Conditions name questions by their keys (q1, q2…)."""
    return make_survey(
        slug="logic",
        fields=[
            {"label": "您的身份", "field_type": "group", "choices": "党员\n群众"},
            {
                "label": "总体评价",
                "field_type": "scale",
                "scale": scale,
                "follow_up_options": "不满意",
                "follow_up_label": "请说明不满意的地方",
            },
            {
                "label": "主要原因",
                "field_type": "radio",
                "choices": "办事慢\n态度差",
                "other_option": True,
                "conditions": [{"question": "q2", "op": "in", "values": ["不满意"]}],
            },
            {"label": "村里的变化", "field_type": "scale", "scale": scale},
            {
                "label": "党建工作评价",
                "field_type": "scale",
                "scale": scale,
                "conditions": [{"question": "q1", "op": "in", "values": ["党员"]}],
            },
        ],
    )


def test_detail_shows_every_question_escaped(admin_client, logic_survey):
    qs = {q.label: q for q in survey_questions(logic_survey)}
    assert qs["主要原因"].conditions[0]["question"] == qs["总体评价"].key
    overall = qs["总体评价"]
    unsatisfied = next(o.pk for o in overall.options if o.label == "不满意")
    response, _ = response_submit(
        survey=logic_survey,
        data={
            qs["您的身份"].key: "群众",
            overall.key: unsatisfied,
            overall.key + "__followup": "<script>alert(1)</script>排队太久",
            qs["主要原因"].key: OTHER,
            qs["主要原因"].key + "__other": "窗口<b>少</b>",
            qs["村里的变化"].key: "",
        },
        channel=Channel.PAPER,
        serial="P-7",
    )
    page = admin_client.get(detail_url(logic_survey, response))
    assert page.status_code == 200
    html = page.content.decode()
    lines = dict(
        re.findall(r'<th scope="row">([^<]*)</th>\s*<td>(.*?)</td>', html, re.S)
    )
    assert "不满意" in lines["总体评价"]
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;排队太久" in lines["请说明不满意的地方"]
    )
    assert "<script>alert(1)" not in html
    assert "窗口&lt;b&gt;少&lt;/b&gt;" in html
    assert "其他" in lines["主要原因"]
    assert "未答" in lines["村里的变化"]
    # Hidden by its condition (party members only): not asked, not unanswered.
    assert "未问" in lines["党建工作评价"] and "未答" not in lines["党建工作评价"]
    assert "P-7" in html and "纸质录入" in html


def test_anonymous_survey_shows_the_day_only(admin_client, make_survey):
    survey = make_survey(slug="anon", anonymous=True)
    response = submit(survey, channel=Channel.WEB)
    assert response.submitted_at is None
    html = admin_client.get(list_url(survey)).content.decode()
    row = html.split(f">#{response.pk}</a></td>", 1)[1].split("</tr>", 1)[0]
    assert re.search(r">\d{4}-\d\d-\d\d</td>", row)
    assert not re.search(r"\d\d:\d\d", row)
    detail = admin_client.get(detail_url(survey, response)).content.decode()
    facts = detail.split('class="wp-response-facts"', 1)[1].split("</dl>", 1)[0]
    assert response.submitted_on.isoformat() in facts
    assert not re.search(r"\d\d:\d\d", facts)


def test_empty_survey_says_how_to_collect(admin_client, survey):
    html = admin_client.get(list_url(survey)).content.decode()
    assert 'id="wp-empty-title"' in html and "尚无答卷" in html
    assert f'href="/admin/pilots/surveys/{survey.pk}/paper/"' in html
    assert f"/import/responses/?page={survey.pk}" in html
    assert "<table" not in html.split("<main", 1)[1]


def test_reachable_from_the_results_and_the_page_buttons(admin_client, answered):
    survey, _responses = answered
    results = admin_client.get(f"/admin/pilots/surveys/{survey.pk}/results/")
    assert f'href="{list_url(survey)}"' in results.content.decode()
    html = admin_client.get(list_url(survey)).content.decode()
    current = re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]*)</a>', html)
    assert current == ["答卷"]
    # Header buttons of the page (its listing and view screens).
    header = admin_client.get(f"/admin/pages/{survey.get_parent().pk}/").content
    assert list_url(survey).encode() in header


def test_without_rights_on_the_survey_403(client, answered, make_editor):
    survey, (first, *_rest) = answered
    client.force_login(make_editor(username="li"))
    assert client.get(list_url(survey)).status_code == 403
    assert client.get(detail_url(survey, first)).status_code == 403


def test_rights_on_one_survey_do_not_open_anothers_responses(
    make_survey, page_editor, home_page
):
    mine = make_survey(slug="mine")
    other_parent = home_page.add_child(
        instance=type(home_page)(title="别的科室", slug="other-office")
    )
    theirs = make_survey(slug="theirs", parent=other_parent)
    their_response = submit(theirs, serial="T-1")
    client = page_editor(mine, "change", username="li")
    assert client.get(list_url(mine)).status_code == 200
    assert client.get(list_url(theirs)).status_code == 403
    assert client.get(detail_url(theirs, their_response)).status_code == 403
    # Their response asked for under my survey's address.
    assert client.get(detail_url(mine, their_response)).status_code == 403
    assert (
        client.get(f"/admin/pilots/surveys/{mine.pk}/responses/999999/").status_code
        == 404
    )


def test_editor_with_page_rights_sees_list_and_detail(answered, page_editor, home_page):
    survey, (first, *_rest) = answered
    client = page_editor(home_page, "change", username="li")
    assert client.get(list_url(survey)).status_code == 200
    assert client.get(detail_url(survey, first)).status_code == 200


def test_back_to_the_list_keeps_its_filters_and_stays_on_the_site(
    admin_client, answered, django_assert_max_num_queries
):
    survey, (first, *_rest) = answered
    html = admin_client.get(list_url(survey), {"group": "党员", "p": "1"}).content
    link = f"{detail_url(survey, first)}?back=group%3D%25E5%2585%259A%25E5%2591%2598%26p%3D1"
    assert link.encode() in html
    with django_assert_max_num_queries(20):
        detail = admin_client.get(link).content.decode()
    assert f'href="{list_url(survey)}?group=%E5%85%9A%E5%91%98&amp;p=1"' in detail
    evil = admin_client.get(
        detail_url(survey, first), {"back": "//evil.example/x"}
    ).content.decode()
    assert 'href="//evil.example' not in evil
    assert f'href="{list_url(survey)}?' in evil
