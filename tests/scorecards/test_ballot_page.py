"""The public ballot page: named as a ballot, the survey form's look, errors
summarised at the top with links to their fields, and a confirmation step
before the once-only submit."""

import pytest
from django.test import override_settings

from wagtail_pilots.scorecards.models import AccessCode, Ballot
from wagtail_pilots.scorecards.services import access_codes_generate

from .helpers import assessment, structured

pytestmark = pytest.mark.django_db


def ballot_url(page):
    return page.url + page.reverse_subpage("score")


def all_scores(page, value="7"):
    return {
        f"score-{s.pk}-{c.pk}": value
        for s in page.subjects.all()
        for c in page.criteria.all()
    }


def test_the_page_is_titled_as_a_ballot_not_as_results(client, home_page):
    page = assessment(home_page, title="年度乡镇综合考核评价结果")
    html = client.get(ballot_url(page)).content.decode()
    assert "<h1>Ballot: 年度乡镇综合考核评价结果</h1>" in html
    page.ballot_title = "年度乡镇综合考核评价票"
    page.save()
    html = client.get(ballot_url(page)).content.decode()
    assert "<h1>年度乡镇综合考核评价票</h1>" in html
    assert "<title>年度乡镇综合考核评价票 · " in html


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_code_is_called_canyuma_and_its_error_is_summarised(client, home_page):
    page = assessment(home_page)
    response = client.post(
        ballot_url(page), {"code": "ZZZZ-ZZZZ"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "参与码" in html and "访问码" not in html
    # The survey form's error summary, its item linking to the field.
    assert 'class="wp-error-summary"' in html
    assert '<a href="#id_code">' in html
    assert 'aria-invalid="true"' in html


def test_a_ballot_uses_the_survey_forms_styles(client, home_page):
    page = assessment(home_page)
    (access,) = access_codes_generate(scorecard=page, group=page.groups.get(), count=1)
    html = client.post(ballot_url(page), {"code": access.code}).content.decode()
    assert 'class="wp-survey scorecard-ballot"' in html
    assert "wagtail_pilots/public.css" in html
    # No inline script or handler (CSP): the running total is a static file.
    assert "<script>" not in html and "oninput" not in html
    assert "wagtail_pilots/scorecards/ballot.js" in html


def test_errors_are_summarised_at_the_top_with_links_to_their_fields(client, home_page):
    page = assessment(home_page)
    (access,) = access_codes_generate(scorecard=page, group=page.groups.get(), count=1)
    data = {"code": access.code, "action": "review", **all_scores(page)}
    subject = page.subjects.order_by("sort_order").first()
    criteria = list(page.criteria.order_by("sort_order"))
    data[f"score-{subject.pk}-{criteria[0].pk}"] = "11"
    data[f"score-{subject.pk}-{criteria[1].pk}"] = ""
    response = client.post(ballot_url(page), data)
    html = response.content.decode()
    assert response.status_code == 400
    start = html.index('id="wp-error-summary"')
    summary = html[start : html.index("</div>", start)]
    assert "There are 2 problems with your ballot" in summary
    first = f'<a href="#id_score-{subject.pk}-{criteria[0].pk}">'
    second = f'<a href="#id_score-{subject.pk}-{criteria[1].pk}">'
    assert first in summary and second in summary
    assert summary.index(first) < summary.index(second)
    assert "Enter a value from 0 to 10." in summary
    # The field is marked and described by its error; the value is kept.
    assert f'aria-describedby="id_score-{subject.pk}-{criteria[0].pk}_error"' in html
    assert 'value="11"' in html
    assert Ballot.objects.count() == 0


def test_review_shows_a_confirmation_and_writes_nothing(client, home_page):
    page = structured(home_page)
    group = page.groups.get(name="A层")
    (access,) = access_codes_generate(scorecard=page, group=group, count=1)
    votes = {f"vote-{s.pk}": "yes" for s in page.subjects.all()}
    response = client.post(
        ballot_url(page), {"code": access.code, "action": "review", **votes}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Once submitted, the ballot cannot be changed." in html
    assert 'name="confirmed" value="1"' in html
    assert 'value="submit"' in html and 'value="edit"' in html
    assert Ballot.objects.count() == 0
    assert AccessCode.objects.get().used_at is None
    # A submit that skipped the confirmation gets the confirmation too.
    skipped = client.post(
        ballot_url(page), {"code": access.code, "action": "submit", **votes}
    )
    assert "Once submitted, the ballot cannot be changed." in skipped.content.decode()
    assert Ballot.objects.count() == 0
    # "Change my answers" goes back to the ballot with the votes kept.
    back = client.post(
        ballot_url(page),
        {"code": access.code, "action": "edit", "confirmed": "1", **votes},
    ).content.decode()
    assert 'value="yes" checked' in back and "Review my ballot" in back
    assert Ballot.objects.count() == 0
    done = client.post(
        ballot_url(page),
        {"code": access.code, "action": "submit", "confirmed": "1", **votes},
    )
    assert "Your ballot has been recorded" in done.content.decode()
    assert Ballot.objects.filter(vote="yes").count() == 3


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_confirmation_says_it_cannot_be_changed_in_chinese(client, home_page):
    page = structured(home_page)
    (access,) = access_codes_generate(
        scorecard=page, group=page.groups.get(name="A层"), count=1
    )
    votes = {f"vote-{s.pk}": "no" for s in page.subjects.all()}
    html = client.post(
        ballot_url(page),
        {"code": access.code, "action": "review", **votes},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "提交后不可修改" in html
