"""N threads post the same access code (or the same idempotency token) at once.

Used in-process on PostgreSQL (transactional test) and, for SQLite, in a
subprocess against a real database file (the test database is in memory).
Run as a script: ``python -m tests.surveys.race`` prints ``successes responses``.
"""

import sys
import threading


def race(*, survey_pk, code=None, token=None, threads=8):
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
            (question,) = survey_questions(survey)
            data = {question.key: question.options[0].pk}
            barrier.wait()
            try:
                _response, created = response_submit(
                    survey=survey,
                    data=data,
                    code=code,
                    token=token or f"t{index}",
                )
                outcome = "created" if created else "duplicate"
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


def make_coded_survey():
    from wagtail.models import Page

    from wagtail_pilots.surveys.models import Access, Scale, SurveyField, SurveyPage
    from wagtail_pilots.surveys.services import access_codes_generate

    root = Page.get_first_root_node()
    survey = SurveyPage(title="race", slug="race", access=Access.CODE)
    root.add_child(instance=survey)
    SurveyField.objects.create(
        page=survey,
        label="评价",
        field_type="scale",
        scale=Scale.objects.get(name="满意度（三级）"),
    )
    (code,) = access_codes_generate(survey=survey, count=1)
    return survey, code.code


def main():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from wagtail_pilots.surveys.models import SurveyResponse

    survey, code = make_coded_survey()
    outcomes = race(survey_pk=survey.pk, code=code, threads=int(sys.argv[1]))
    tokens = race(survey_pk=survey.pk, code=None, token="same", threads=1)
    sys.stdout.write(
        f"{outcomes.count('created')} {outcomes.count('code')} "
        f"{SurveyResponse.objects.filter(survey_id=survey.pk).count()} {tokens}\n"
    )


if __name__ == "__main__":
    main()
