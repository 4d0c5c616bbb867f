"""Submissions: our survey page against a stock Wagtail form page with the same
questions, through the same Django test client.

    .venv/bin/python bench/bench_surveys_submit.py              # 200 posts each
    .venv/bin/python bench/bench_surveys_submit.py --posts 2000

Prints submissions per second, the ratio, and queries per submission for both.
Ours answers with POST/redirect/GET: its thank-you page (a second request, which
the stock page saves by rendering it in the POST's response) is timed and
counted on its own line, and the ratio is given with and without it.
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


class Timer:
    """Seconds and queries spent in the timed blocks."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def time(self, call, *args):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            result = call(*args)
            self.seconds += time.perf_counter() - start
        self.queries += len(queries)
        return result


def run(client, survey_url, ours_data, stock_url, stock_data, posts):
    """Post to both pages in turn (so a busy machine slows both alike).

    Ours answers a stored response with POST/redirect/GET: the thank-you page
    it redirects to is then fetched, as a respondent's browser does, and timed
    and counted on its own; the stock page renders its thank-you page in the
    POST's response."""
    ours, thanks, stock = Timer(), Timer(), Timer()
    for i in range(posts):
        response = ours.time(client.post, survey_url, ours_data(i))
        assert response.status_code == 302, response.status_code
        response = thanks.time(client.get, response["Location"])
        assert response.status_code == 200, response.status_code
        response = stock.time(client.post, stock_url, stock_data(i))
        assert response.status_code == 200, response.status_code
    return ours, thanks, stock


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
        # Warm up both (templates, caches) with one submission each.
        run(client, survey.url, lambda i: ours_data(-1), stock.url, stock_data, 1)
        ours, thanks, stock_timer = run(
            client, survey.url, ours_data, stock.url, stock_data, args.posts
        )
    stored = SurveyResponse.objects.filter(survey_id=survey.pk).count()
    assert stored == args.posts + 1, stored
    assert FormSubmission.objects.filter(page_id=stock.pk).count() == args.posts + 1
    n = args.posts
    rows = [
        ("ours: send (POST)", ours.seconds, ours.queries),
        ("ours: thank-you page", thanks.seconds, thanks.queries),
        ("ours: both", ours.seconds + thanks.seconds, ours.queries + thanks.queries),
        ("stock: send (POST)", stock_timer.seconds, stock_timer.queries),
    ]
    print(f"{'':>22} {'per s':>9} {'queries':>8}")
    for label, seconds, queries in rows:
        print(f"{label:>22} {n / seconds:>9.1f} {queries / n:>8.1f}")
    send = stock_timer.seconds / ours.seconds
    both = stock_timer.seconds / (ours.seconds + thanks.seconds)
    print(
        f"ours/stock throughput, send: {send:.2f}x (goal >= 0.9x); "
        f"send + thank-you page: {both:.2f}x"
    )
    print(f"queries per send: {ours.queries / n:.1f} (goal <= 12)")


if __name__ == "__main__":
    main()
