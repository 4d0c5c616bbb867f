"""N threads answer as the same respondent group at once, for a quota with
fewer places than threads: the database lets exactly the quota in.

Used in-process on PostgreSQL (transactional test) and, for SQLite, in a
subprocess against a real database file (the test database is in memory).
Run as a script: ``python -m tests.surveys.quota_race THREADS LIMIT`` prints
``created refused stored counter``.
"""

import sys
import threading


def quota_race(*, survey_pk, threads=8):
    from django.db import connection

    from wagtail_pilots.surveys.models import SurveyPage
    from wagtail_pilots.surveys.questions import survey_questions
    from wagtail_pilots.surveys.services import SubmitError, response_submit

    barrier = threading.Barrier(threads)
    outcomes = []
    lock = threading.Lock()

    def worker(index):
        try:
            survey = SurveyPage.objects.get(pk=survey_pk)
            group, rated = survey_questions(survey)
            data = {group.key: "村民代表", rated.key: rated.options[0].pk}
            barrier.wait()
            try:
                response_submit(survey=survey, data=data, token=f"q{index}")
                outcome = "created"
            except SubmitError as exc:
                outcome = exc.code
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return outcomes


def make_quota_survey(limit):
    from wagtail.models import Page

    from wagtail_pilots.surveys.models import (
        Scale,
        SurveyField,
        SurveyPage,
        SurveyQuota,
    )

    root = Page.get_first_root_node()
    survey = SurveyPage(title="quota race", slug="quota-race")
    root.add_child(instance=survey)
    SurveyField.objects.create(
        page=survey,
        label="身份",
        field_type="group",
        choices="党员\n村民代表",
        sort_order=0,
    )
    SurveyField.objects.create(
        page=survey,
        label="评价",
        field_type="scale",
        scale=Scale.objects.get(name="满意度（三级）"),
        sort_order=1,
    )
    SurveyQuota.objects.create(page=survey, group="村民代表", limit=limit)
    return survey


def main():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from wagtail_pilots.surveys.models import SurveyQuotaCount, SurveyResponse

    threads, limit = int(sys.argv[1]), int(sys.argv[2])
    survey = make_quota_survey(limit)
    outcomes = quota_race(survey_pk=survey.pk, threads=threads)
    counter = SurveyQuotaCount.objects.get(survey_id=survey.pk, group="村民代表")
    sys.stdout.write(
        f"{outcomes.count('created')} {outcomes.count('quota')} "
        f"{SurveyResponse.objects.filter(survey_id=survey.pk).count()} "
        f"{counter.count}\n"
    )


if __name__ == "__main__":
    main()
