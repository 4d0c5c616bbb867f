"""``manage.py bench_load_pages``: the two pages of the load run (idempotent).

A survey page and a stock Wagtail form page with the same questions (respondent
group, overall satisfaction on the three-level scale, a comment). Prints JSON:
their URLs and how many responses each has stored (``--counts`` only counts).
"""

import json

from django.core.management.base import BaseCommand

from bench.load.stockform.models import StockFormField, StockFormPage

GROUPS = ["党员", "村民代表", "其他群众"]


class Command(BaseCommand):
    help = "Create the survey and stock form pages used by bench/load."

    def add_arguments(self, parser):
        parser.add_argument("--counts", action="store_true")

    def handle(self, *args, counts, **options):
        from wagtail_pilots.surveys.models import SurveyPage

        if not counts:
            self.ensure_pages()
        survey = SurveyPage.objects.get(slug="load-survey")
        stock = StockFormPage.objects.get(slug="load-stock")
        self.stdout.write(
            json.dumps(
                {
                    "survey": survey.url,
                    "stock": stock.url,
                    "survey_stored": survey.get_submissions().count(),
                    "stock_stored": stock.get_submission_class()
                    .objects.filter(page=stock)
                    .count(),
                }
            )
        )

    def ensure_pages(self):
        from example_site.demo.core import ensure_home
        from wagtail_pilots.surveys.models import Scale, SurveyField, SurveyPage

        home = ensure_home()
        scale = Scale.objects.get(name="满意度（三级）")
        if not SurveyPage.objects.filter(slug="load-survey").exists():
            survey = SurveyPage(title="负载测试调查", slug="load-survey")
            home.add_child(instance=survey)
            specs = [
                {
                    "label": "您的身份",
                    "field_type": "group",
                    "choices": "\n".join(GROUPS),
                },
                {"label": "总体评价", "field_type": "scale", "scale": scale},
                {"label": "意见建议", "field_type": "multiline", "required": False},
            ]
            for position, spec in enumerate(specs):
                SurveyField(page=survey, sort_order=position, **spec).save()
            survey.save_revision().publish()
        if not StockFormPage.objects.filter(slug="load-stock").exists():
            stock = StockFormPage(title="负载测试表单", slug="load-stock")
            home.add_child(instance=stock)
            options = [o.label for o in scale.options.all()]
            specs = [
                ("您的身份", "dropdown", GROUPS, True),
                ("总体评价", "radio", options, True),
                ("意见建议", "multiline", [], False),
            ]
            for position, (label, kind, choices, required) in enumerate(specs):
                StockFormField(
                    page=stock,
                    sort_order=position,
                    label=label,
                    field_type=kind,
                    choices="\n".join(choices),
                    required=required,
                ).save()
            stock.save_revision().publish()
