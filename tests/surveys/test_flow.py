"""The respondent's path: numbered questions, the error summary, the thank-you
page after a redirect, the access code's help, the hidden honeypot, the block
outside a request, and the page's byte budget."""

import re
import time

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template

from example_site.demo.core import ensure_standard_pages
from example_site.home.models import StandardPage
from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys.forms import sign_started
from wagtail_pilots.surveys.models import Access, SurveyResponse
from wagtail_pilots.surveys.questions import survey_questions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


def test_thank_you_comes_after_a_redirect_with_a_receipt(client, survey):
    from wagtail_pilots.surveys.views.public import receipt_number

    response = client.post(survey.url, post_data(survey, token="prg"))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(survey.url + "?done=")
    stored = SurveyResponse.objects.get()
    page = client.get(location)
    html = page.content.decode()
    assert page.status_code == 200
    assert f"<strong>{receipt_number(stored)}</strong>" in html
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}", receipt_number(stored))
    assert 'href="/"' in html and "Back to the home page" in html
    # Reloading is a GET: the same page, nothing stored again.
    again = client.get(location)
    assert again.status_code == 200
    assert f"<strong>{receipt_number(stored)}</strong>" in again.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_a_forged_receipt_shows_the_form(client, survey, make_survey):
    other = make_survey(slug="other")
    response = client.post(other.url, post_data(other, token="x"))
    value = response["Location"].split("?done=")[1]
    for forged in (value + "x", "abc"):
        html = client.get(f"{survey.url}?done={forged}").content.decode()
        assert "receipt" not in html and 'name="wp_token"' in html
    # Another survey's receipt does not show here either.
    html = client.get(f"{survey.url}?done={value}").content.decode()
    assert 'name="wp_token"' in html


def test_questions_are_numbered(client, survey):
    html = client.get(survey.url).content.decode()
    numbers = re.findall(r'<span class="wp-qnum">(\d+)/(\d+)</span>', html)
    assert numbers == [("1", "4"), ("2", "4"), ("3", "4"), ("4", "4")]


def test_error_summary_links_each_problem_to_its_question(client, survey):
    questions = survey_questions(survey)
    overall = next(q for q in questions if q.field_type == "scale")
    matrix = next(q for q in questions if q.field_type == "matrix")
    data = post_data(survey, overall=None, rows={"红山村": None})
    html = client.post(survey.url, data).content.decode()
    summary = html.split('class="wp-error-summary"', 1)[1].split("</div>", 1)[0]
    # Focus lands on the summary (no script needed) and it is announced.
    assert 'tabindex="-1" autofocus' in summary and 'role="alert"' in summary
    assert "There are 2 problems with your answers" in summary
    assert (
        f'<a href="#q-{overall.key}">Question 2: Please answer this question.</a>'
        in summary
    )
    assert (
        f'<a href="#q-{matrix.key}">Question 3 (红山村): Please answer this question.</a>'
        in summary
    )
    # The questions are marked and can take the focus the links give them.
    for key in (overall.key, matrix.key):
        assert f'<fieldset id="q-{key}" class="wp-invalid" tabindex="-1">' in html
    group = next(q for q in questions if q.field_type == "group")
    assert f'<fieldset id="q-{group.key}">' in html
    # The summary comes before the form.
    assert html.index("wp-error-summary") < html.index('<form class="wp-survey"')


def test_instant_empty_submit_says_what_is_missing(client, survey):
    data = {"wp_started": sign_started(time.time()), "wp_token": "fast"}
    response = client.post(survey.url, data)
    html = response.content.decode()
    assert "too quickly" not in html
    assert "Question 1: Please answer this question." in html
    assert SurveyResponse.objects.count() == 0


def test_a_complete_but_instant_submit_is_still_refused(client, survey):
    data = post_data(survey, wp_started=sign_started(time.time()))
    response = client.post(survey.url, data)
    assert "too quickly" in response.content.decode()
    assert SurveyResponse.objects.count() == 0


def test_code_field_is_described_by_its_help(client, make_survey):
    survey = make_survey(access=Access.CODE)
    html = client.get(survey.url).content.decode()
    code_input = re.search(r'<input[^>]*name="wp_code"[^>]*>', html).group(0)
    assert 'aria-describedby="id_wp_code_help"' in code_input
    assert '<p class="wp-help" id="id_wp_code_help">' in html


def test_honeypot_is_hidden_without_any_stylesheet(client, survey):
    html = client.get(survey.url).content.decode()
    trap = re.search(r'<div class="wp-hp"[^>]*>.*?</div>', html, re.S).group(0)
    assert " hidden " in trap
    field = re.search(r'<input[^>]*name="wp_website"[^>]*>', trap).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field


def test_suite_stylesheet_is_loaded_inside_the_content(client, survey):
    """A site whose base template has no ``extra_head`` still gets the styles."""
    html = client.get(survey.url).content.decode()
    main = html.split('<main id="main"', 1)[1]
    assert "wagtail_pilots/public.css" in main


def _body_page(home_page, survey):
    ensure_standard_pages(home_page)
    page = StandardPage.objects.get(slug="about")
    stream = StandardPage.body.field.stream_block.child_blocks
    page.body = [
        ("survey_form", stream["survey_form"].to_python({"survey": survey.pk}))
    ]
    page.save_revision().publish()
    return page


def test_form_block_rendered_without_request_links_to_the_survey(home_page, survey):
    page = _body_page(home_page, survey)
    html = Template("{{ page.body }}").render(Context({"page": page}))
    assert "<form" not in html
    assert f'href="{survey.url}"' in html and "Open the survey" in html


def test_form_block_with_include_block_posts_with_a_token(client, home_page, survey):
    page = _body_page(home_page, survey)
    html = client.get(page.url).content.decode()
    assert f'action="{survey.url}"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_survey_page_byte_and_request_budget(client, make_survey, scale, villages):
    """≤ 50 KB and ≤ 4 requests (page, site stylesheet, suite stylesheet, …),
    nothing required from JavaScript, for a long survey."""
    fields = [
        {"label": f"第{i}项工作评价", "field_type": "scale", "scale": scale}
        for i in range(10)
    ] + [
        {
            "label": "村委会评价",
            "field_type": "matrix",
            "scale": scale,
            "units": villages,
        },
        {"label": "意见建议", "field_type": "multiline", "required": False},
    ]
    survey = make_survey(slug="long", fields=fields)
    response = client.get(survey.url)
    html = response.content.decode()
    resources = re.findall(
        r'<(?:link[^>]*href|script[^>]*src|img[^>]*src)="([^"]+)"', html
    )
    assert len(resources) + 1 <= 4, resources
    assert "<script" not in html
    total = len(response.content)
    for url in resources:
        path = finders.find(url.removeprefix("/static/"))
        assert path, url
        with open(path, "rb") as handle:
            total += len(handle.read())
    assert total <= 50 * 1024, total


class TestCodeFirst:
    @pytest.fixture
    def coded(self, make_survey):
        from wagtail_pilots.surveys.services import access_codes_generate

        survey = make_survey(access=Access.CODE)
        return survey, access_codes_generate(survey=survey, count=2)

    def test_asks_for_the_code_before_the_questions(self, client, coded):
        survey, _codes = coded
        html = client.get(survey.url).content.decode()
        assert 'name="wp_step" value="code"' in html
        assert 'name="wp_code"' in html
        assert "wp-qnum" not in html  # no question yet

    def test_a_wrong_code_is_refused_at_the_first_step(self, client, coded):
        survey, _codes = coded
        response = client.post(survey.url, {"wp_step": "code", "wp_code": "ZZZZ-ZZZZ"})
        html = response.content.decode()
        assert "This access code is not valid." in html
        assert 'class="wp-error-summary"' in html and "wp-qnum" not in html

    def test_a_used_code_is_refused_at_the_first_step(self, client, coded):
        survey, codes = coded
        client.post(survey.url, post_data(survey, token="a", wp_code=codes[0].code))
        response = client.post(
            survey.url, {"wp_step": "code", "wp_code": codes[0].code}
        )
        assert "already been used" in response.content.decode()

    def test_a_good_code_opens_the_questions_and_is_used_on_submit(self, client, coded):
        survey, codes = coded
        code = codes[1].code
        response = client.post(survey.url, {"wp_step": "code", "wp_code": code.lower()})
        html = response.content.decode()
        assert "wp-qnum" in html
        assert re.search(
            rf'<input type="hidden" name="wp_code" value="{code.lower()}"', html
        )
        # Checking did not use the code up; answering does.
        assert SurveyResponse.objects.count() == 0
        response = client.post(survey.url, post_data(survey, token="b", wp_code=code))
        assert response.status_code == 302
        assert SurveyResponse.objects.count() == 1
