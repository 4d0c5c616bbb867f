"""Submissions: our survey page against a stock Wagtail form page with the same
questions, through the same Django test client.

    .venv/bin/python bench/bench_surveys_submit.py              # 200 posts each
    .venv/bin/python bench/bench_surveys_submit.py --posts 2000

Prints submissions per second, the ratio, and queries per submission for both.
Ours does more per post on purpose: idempotency token, counter, access rules and
normalised answer rows written in the same transaction.
"""

import argparse
import time

from _surveys_bench import setup_django


def stock_form_page_model():
    """A concrete stock Wagtail form page, created for this run only."""
    from django.db import connection, models
    from modelcluster.fields import ParentalKey
    from wagtail.contrib.forms.models import AbstractForm, AbstractFormField

    class BenchFormPage(AbstractForm):
        template = "wagtail_pilots/surveys/survey_page.html"
        landing_page_template = "wagtail_pilots/surveys/survey_page_landing.html"

        class Meta:
            app_label = "home"

    class BenchFormField(AbstractFormField):
        page = ParentalKey(
            BenchFormPage, on_delete=models.CASCADE, related_name="form_fields"
        )

        class Meta:
            app_label = "home"

    with connection.schema_editor() as editor:
        editor.create_model(BenchFormPage)
        editor.create_model(BenchFormField)
    return BenchFormPage, BenchFormField


def make_stock_page(questions):
    from wagtail.models import Site

    page_model, field_model = stock_form_page_model()
    page = page_model(title="stock", slug="stock")
    Site.objects.get(is_default_site=True).root_page.add_child(instance=page)
    for i in range(questions):
        field_model.objects.create(
            page=page,
            sort_order=i,
            label=f"问题{i + 1}",
            field_type="radio",
            choices="满意\n基本满意\n不满意",
        )
    return page


def run(client, url, make_data, posts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        for i in range(posts):
            response = client.post(url, make_data(i))
            assert response.status_code == 200, response.status_code
        elapsed = time.perf_counter() - start
    return posts / elapsed, len(queries) / posts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    setup_django()
    from _surveys_bench import make_survey
    from django.conf import settings
    from django.test import Client, override_settings
    from wagtail.contrib.forms.models import FormSubmission

    from wagtail_pilots.surveys.forms import sign_started
    from wagtail_pilots.surveys.models import SurveyResponse
    from wagtail_pilots.surveys.questions import survey_questions

    settings.ALLOWED_HOSTS = ["*"]
    survey = make_survey(slug="ours", questions=args.questions)
    survey.save_revision().publish()
    stock = make_stock_page(args.questions)
    stock.save_revision().publish()
    questions = survey_questions(survey)
    signed_at = time.time() - 60
    labels = ["满意", "基本满意", "不满意"]

    def ours_data(i):
        # One form load per post: the start time is signed for its token.
        token = f"bench-{i}"
        data = {"wp_started": sign_started(signed_at, token=token), "wp_token": token}
        for n, q in enumerate(questions):
            data[q.key] = str(q.options[(i + n) % 3].pk)
        return data

    stock_fields = list(stock.form_fields.all())

    def stock_data(i):
        return {f.clean_name: labels[(i + n) % 3] for n, f in enumerate(stock_fields)}

    client = Client()
    with override_settings(
        WAGTAIL_PILOTS={"SURVEY_SUBMIT_RATE": "1000000/m", "SURVEY_MIN_FILL_SECONDS": 0}
    ):
        client.get(survey.url)  # warm up both
        client.get(stock.url)
        ours_rate, ours_queries = run(client, survey.url, ours_data, args.posts)
        stock_rate, stock_queries = run(client, stock.url, stock_data, args.posts)
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == args.posts
    assert FormSubmission.objects.filter(page_id=stock.pk).count() == args.posts
    print(f"{'':>8} {'posts/s':>9} {'queries/post':>13}")
    print(f"{'ours':>8} {ours_rate:>9.1f} {ours_queries:>13.1f}")
    print(f"{'stock':>8} {stock_rate:>9.1f} {stock_queries:>13.1f}")
    print(f"ours/stock throughput: {ours_rate / stock_rate:.2f}x")


if __name__ == "__main__":
    main()
