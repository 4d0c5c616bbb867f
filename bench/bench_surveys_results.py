"""Results of a survey: ours (SQL GROUP BY over answer rows) against the stock
way (Wagtail FormSubmission JSON loaded and counted in Python).

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

    from wagtail_pilots.surveys.questions import survey_questions
    from wagtail_pilots.surveys.selectors import survey_results

    print(f"{'responses':>10} {'ours s':>9} {'stock s':>9} {'stock/ours':>11}")
    ours_times = {}
    for size in sizes:
        survey = make_survey(slug=f"bench-{size}", questions=args.questions)
        populate(survey, size, seed=size)
        settle()
        questions = survey_questions(survey)
        ours = survey_results(survey=survey, questions=questions)
        stock = stock_results(survey, questions)
        for item in ours.questions:  # same numbers both ways
            assert item.result.satisfied == stock[item.question.key].satisfied
        t_ours = best_of(
            lambda s=survey, q=questions: survey_results(survey=s, questions=q)
        )
        t_stock = best_of(lambda s=survey, q=questions: stock_results(s, q))
        ours_times[size] = t_ours
        print(f"{size:>10} {t_ours:>9.3f} {t_stock:>9.3f} {t_stock / t_ours:>10.1f}x")
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        print(
            f"ours grows {ours_times[large] / ours_times[small]:.1f}x "
            f"from {small} to {large} responses ({large / small:.0f}x the data)"
        )


if __name__ == "__main__":
    main()
