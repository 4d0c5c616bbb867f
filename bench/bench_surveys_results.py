"""Results of a survey: ours (the survey's tallies, kept up to date on write)
against the stock way (Wagtail FormSubmission JSON loaded and counted in
Python).

The responses are bulk-loaded around the services, so their tallies are
recounted once from the answer rows (``pilots_tallies --rebuild``; the time is
printed); then 100 submissions go through the service and the first view
folds their pending changes (``first view``), before the best of three views
(``ours``).

    .venv/bin/python bench/bench_surveys_results.py                  # small
    .venv/bin/python bench/bench_surveys_results.py --sizes 10000,50000,200000

Prints the time of each, the ratio, and how ours grows from the smallest to the
largest size.
"""

import argparse
import random
import time
from collections import Counter
from decimal import Decimal

from _surveys_bench import settle, setup_django


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def populate(survey, size, seed):
    from wagtail.contrib.forms.models import FormSubmission

    from wagtail_pilots.surveys.models import SurveyAnswer, SurveyResponse
    from wagtail_pilots.surveys.questions import survey_questions

    rng = random.Random(seed)
    questions = survey_questions(survey)
    weights = [0.6, 0.3, 0.1]
    batch = 2000
    for start in range(0, size, batch):
        count = min(batch, size - start)
        picks = [
            [rng.choices(q.options, weights)[0] for q in questions]
            for _ in range(count)
        ]
        responses = SurveyResponse.objects.bulk_create(
            [
                SurveyResponse(
                    survey_id=survey.pk,
                    submitted_on="2025-12-01",
                    data={q.key: o.label for q, o in zip(questions, row, strict=True)},
                )
                for row in picks
            ]
        )
        SurveyAnswer.objects.bulk_create(
            [
                SurveyAnswer(
                    response_id=r.pk,
                    survey_id=survey.pk,
                    question_key=q.key,
                    option_id=o.pk,
                    channel="web",
                )
                for r, row in zip(responses, picks, strict=True)
                for q, o in zip(questions, row, strict=True)
            ],
            batch_size=5000,
        )
        FormSubmission.objects.bulk_create(
            [
                FormSubmission(
                    page_id=survey.pk,
                    form_data={
                        q.key: o.label for q, o in zip(questions, row, strict=True)
                    },
                )
                for row in picks
            ]
        )


def stock_results(survey, questions):
    """What a site does with stock Wagtail forms: load every submission's JSON
    and count in Python."""
    from wagtail.contrib.forms.models import FormSubmission

    from wagtail_pilots.surveys import stats

    counters = {q.key: Counter() for q in questions}
    for data in FormSubmission.objects.filter(page_id=survey.pk).values_list(
        "form_data", flat=True
    ):
        for key, counter in counters.items():
            counter[data.get(key)] += 1
    results = {}
    for q in questions:
        counter = counters[q.key]
        satisfied = sum(counter[o.label] for o in q.options if o.satisfied)
        valid = sum(counter[o.label] for o in q.options if not o.excluded)
        score = sum((counter[o.label] * o.score for o in q.options), Decimal(0))
        results[q.key] = stats.summarise(
            satisfied=satisfied, valid=valid, score_sum=score
        )
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000", help="comma-separated sizes")
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    setup_django()
    from _surveys_bench import make_survey
    from wagtail.contrib.forms.models import FormSubmission

    from wagtail_pilots.surveys import tallies
    from wagtail_pilots.surveys.questions import survey_questions
    from wagtail_pilots.surveys.selectors import survey_results
    from wagtail_pilots.surveys.services import response_submit

    print(
        f"{'responses':>10} {'rebuild s':>10} {'first view s':>13} {'ours s':>9} "
        f"{'stock s':>9} {'stock/ours':>11}"
    )
    ours_times = {}
    for size in sizes:
        survey = make_survey(slug=f"bench-{size}", questions=args.questions)
        populate(survey, size, seed=size)
        settle()
        questions = survey_questions(survey)
        start = time.perf_counter()
        tallies.rebuild(survey.pk)
        t_rebuild = time.perf_counter() - start
        rng = random.Random(size)
        for _post in range(100):
            picks = {q.key: rng.choice(q.options) for q in questions}
            response_submit(
                survey=survey,
                data={key: o.pk for key, o in picks.items()},
                channel="paper",
                questions=questions,
            )
            FormSubmission.objects.create(
                page_id=survey.pk, form_data={key: o.label for key, o in picks.items()}
            )
        start = time.perf_counter()
        ours = survey_results(survey=survey, questions=questions)
        t_first = time.perf_counter() - start
        stock = stock_results(survey, questions)
        for item in ours.questions:  # same numbers both ways
            assert item.result.satisfied == stock[item.question.key].satisfied
        t_ours = best_of(
            lambda s=survey, q=questions: survey_results(survey=s, questions=q)
        )
        t_stock = best_of(lambda s=survey, q=questions: stock_results(s, q))
        ours_times[size] = t_ours
        print(
            f"{size:>10} {t_rebuild:>10.2f} {t_first:>13.3f} {t_ours:>9.4f} "
            f"{t_stock:>9.3f} {t_stock / t_ours:>10.1f}x"
        )
    for size, seconds in ours_times.items():
        if size >= 200_000:
            print(
                f"ours at {size}: {seconds * 1000:.1f} ms (goal: at most 50 ms "
                f"at 200,000)"
            )
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        print(
            f"ours grows {ours_times[large] / ours_times[small]:.1f}x "
            f"from {small} to {large} responses ({large / small:.0f}x the data; "
            "goal: at most 2x from 10,000 to 1,000,000)"
        )


if __name__ == "__main__":
    main()
