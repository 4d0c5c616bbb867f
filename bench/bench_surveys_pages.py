"""Pages and conditions: a 3-page conditional survey against a one-page survey
with the same 21 questions and the same answers, through the same Django test
client.

    .venv/bin/python bench/bench_surveys_pages.py               # 200 responses each
    .venv/bin/python bench/bench_surveys_pages.py --responses 1000

The 3-page survey: page 2 is shown only when question 1 was answered and its
last question only after 不满意 in question 8 (met by every third response, so
both surveys store the same answers but the 3-page one also stores its "not
asked" rows). A 3-page response is three posts (next, next, send); the one-page
response is one. Each response starts with the GET of the survey's form, as a
respondent's does. Prints, side by side, the cost of the sending post (which
checks every page again, decides what was shown and stores the response), of
the posts of a response, and of the complete response (the form's GET and
every post), with the ratios; the goal is a complete 3-page response at most
1.2× the complete one-page response (the ratio is printed next to it).
"""

import argparse
import re
import time

from _surveys_bench import database_label, setup_django

HIDDEN = re.compile(r'<input type="hidden" name="(wp_\w+)" value="([^"]*)"')


def make_pages_survey(slug, questions):
    """The survey of ``_surveys_bench.make_survey`` with two page breaks and
    conditions."""
    from _surveys_bench import make_survey

    survey = make_survey(slug=slug, questions=questions)
    fields = list(survey.form_fields.order_by("sort_order"))
    first, trigger = fields[0], fields[7]
    third = len(fields) // 3
    for field in fields:
        changed = False
        if field.sort_order in (third, 2 * third):
            field.page_break = True
            changed = True
        if field.sort_order == third:
            field.conditions = [{"question": first.clean_name, "op": "answered"}]
            changed = True
        if field is fields[-1]:
            field.required = False
            field.conditions = [
                {"question": trigger.clean_name, "op": "in", "values": ["不满意"]}
            ]
            changed = True
        if changed:
            field.save()
    return survey


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=200)
    parser.add_argument("--questions", type=int, default=21)
    args = parser.parse_args()
    setup_django()
    from _surveys_bench import make_survey
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    # The query log is a bounded deque: keep it short so counts stay exact.
    connection.queries_limit = 10**6

    from wagtail_pilots.surveys.forms import sign_started
    from wagtail_pilots.surveys.models import SurveyNotAsked, SurveyResponse
    from wagtail_pilots.surveys.questions import survey_questions

    settings.ALLOWED_HOSTS = ["*"]
    one = make_survey(slug="one-page", questions=args.questions)
    # Its last question optional, as the conditional one is when hidden.
    one.form_fields.order_by("sort_order").last().__class__.objects.filter(
        pk=one.form_fields.order_by("sort_order").last().pk
    ).update(required=False)
    one.save_revision().publish()
    paged = make_pages_survey("three-pages", args.questions)
    paged.save_revision().publish()
    signed_at = time.time() - 60

    def answers(survey, i):
        questions = survey_questions(survey)
        data = {}
        for n, q in enumerate(questions):
            if n == len(questions) - 1 and q.options[(i + 7) % 3].label != "不满意":
                continue  # the conditional question: answered only when shown
            data[q.key] = str(q.options[(i + n) % 3].pk)
        return data

    one_answers = [answers(one, i) for i in range(args.responses)]
    paged_answers = [answers(paged, i) for i in range(args.responses)]
    # Question 8 is 不满意 when (i + 7) % 3 == 2: the last question shown.

    client = Client()
    with override_settings(
        WAGTAIL_PILOTS={"SURVEY_SUBMIT_RATE": "1000000/m", "SURVEY_MIN_FILL_SECONDS": 0}
    ):
        client.get(one.url)  # warm up both
        client.get(paged.url)

        # Interleaved, one response of each in turn, each post timed alone.
        paged_keys = [q.key for q in survey_questions(paged)]
        third = len(paged_keys) // 3
        page_keys = [
            paged_keys[:third],
            paged_keys[third : 2 * third],
            paged_keys[2 * third :],
        ]
        one_time = flow_time = send_time = 0.0
        one_get = paged_get = 0.0
        one_queries = send_queries = 0
        flow_queries = one_get_queries = paged_get_queries = 0
        for i in range(args.responses):
            # The respondent opens the form.
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                assert client.get(one.url).status_code == 200
                one_get += time.perf_counter() - start
            one_get_queries += len(queries)
            # One page: one post.
            token = f"one-{i}"
            post = {"wp_started": sign_started(signed_at, token=token)}
            post.update(one_answers[i], wp_token=token)
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                assert client.post(one.url, post).status_code == 302
                one_time += time.perf_counter() - start
            one_queries += len(queries)

            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                assert client.get(paged.url).status_code == 200
                paged_get += time.perf_counter() - start
            paged_get_queries += len(queries)
            # Three pages: next, next (each renders the next page), then send.
            data = paged_answers[i]
            token = f"paged-{i}"
            hidden = {
                "wp_started": sign_started(signed_at, token=token),
                "wp_token": token,
            }
            start = time.perf_counter()
            for step, keys in enumerate(page_keys):
                post = {**hidden, **{k: data[k] for k in keys if k in data}}
                if step < 2:
                    with CaptureQueriesContext(connection) as queries:
                        response = client.post(paged.url, {**post, "wp_nav": "next"})
                    flow_queries += len(queries)
                    assert response.status_code == 200
                    hidden.update(HIDDEN.findall(response.content.decode()))
                    assert hidden["wp_page"] == str(step + 1), hidden
                    continue
                with CaptureQueriesContext(connection) as queries:
                    send_start = time.perf_counter()
                    assert client.post(paged.url, post).status_code == 302
                    send_time += time.perf_counter() - send_start
                send_queries += len(queries)
                flow_queries += len(queries)
            flow_time += time.perf_counter() - start

    n = args.responses
    assert SurveyResponse.objects.filter(survey_id=one.pk).count() == n
    assert SurveyResponse.objects.filter(survey_id=paged.pk).count() == n
    not_asked = SurveyNotAsked.objects.filter(survey_id=paged.pk).count()
    print(database_label(), f"· {n} responses of {args.questions} questions")
    one_whole = one_get + one_time
    paged_whole = paged_get + flow_time
    rows = [
        ("one page: GET form", one_get, one_get_queries),
        ("one page: send", one_time, one_queries),
        ("one page: complete", one_whole, one_get_queries + one_queries),
        ("3 pages: GET form", paged_get, paged_get_queries),
        ("3 pages: send", send_time, send_queries),
        ("3 pages: posts (3)", flow_time, flow_queries),
        ("3 pages: complete", paged_whole, paged_get_queries + flow_queries),
    ]
    print(f"{'':>22} {'ms/response':>12} {'queries':>8}")
    for label, seconds, count in rows:
        print(f"{label:>22} {seconds / n * 1000:>12.2f} {count / n:>8.1f}")
    print(f"'not asked' rows stored: {not_asked}")
    print(
        "complete response (GET + posts), 3 pages / one page: "
        f"{paged_whole / one_whole:.2f}x (goal ≤ 1.2x)"
    )
    print(f"sending post, 3 pages / one page: {send_time / one_time:.2f}x")
    print(f"posts only (3 posts / 1 post): {flow_time / one_time:.2f}x")


if __name__ == "__main__":
    main()
