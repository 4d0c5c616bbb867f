# Scales, their options and the questions of SurveyPage become translatable
# (Wagtail's TranslatableMixin): a locale and a translation key on each row.
# Step 1 of 2: the columns, nullable, and their values for existing rows;
# 0010 makes them required and unique per translation. Runs on Wagtail 7.4 and
# 8.x (wagtailcore's Locale is older than both).

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from wagtail_pilots.compat import get_page_model_string

PAGE_MODEL = get_page_model_string()


def default_locale(apps):
    from wagtail.coreutils import get_supported_content_language_variant

    Locale = apps.get_model("wagtailcore", "Locale")
    code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    return Locale.objects.get_or_create(language_code=code)[0]


def fill(apps, schema_editor):
    Scale = apps.get_model("wagtail_pilots_surveys", "Scale")
    ScaleOption = apps.get_model("wagtail_pilots_surveys", "ScaleOption")
    SurveyField = apps.get_model("wagtail_pilots_surveys", "SurveyField")
    Page = apps.get_model(PAGE_MODEL)

    if Scale.objects.filter(locale__isnull=True).exists():
        locale = default_locale(apps)
        for scale in Scale.objects.filter(locale__isnull=True):
            scale.locale_id = locale.pk
            scale.translation_key = uuid.uuid4()
            scale.save(update_fields=["locale", "translation_key"])
    locales = dict(Scale.objects.values_list("pk", "locale_id"))
    for option in ScaleOption.objects.filter(locale__isnull=True):
        option.locale_id = locales[option.scale_id]
        option.translation_key = uuid.uuid4()
        option.save(update_fields=["locale", "translation_key"])

    # A question's translation key follows from its page's and its own key,
    # so that the questions of pages translated before this migration match
    # their translations' (wagtail-localize pairs them by this key).
    questions = SurveyField.objects.filter(locale__isnull=True)
    page_ids = set(questions.values_list("page_id", flat=True))
    pages = {
        pk: (locale_id, key)
        for pk, locale_id, key in Page.objects.filter(pk__in=page_ids).values_list(
            "pk", "locale_id", "translation_key"
        )
    }
    used = set()
    for question in questions.order_by("page_id", "sort_order", "pk"):
        locale_id, page_key = pages[question.page_id]
        key = (
            uuid.uuid5(page_key, question.clean_name)
            if question.clean_name
            else uuid.uuid4()
        )
        if (key, locale_id) in used:
            key = uuid.uuid4()
        used.add((key, locale_id))
        question.locale_id = locale_id
        question.translation_key = key
        question.save(update_fields=["locale", "translation_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_pilots_surveys", "0008_resume_drafts"),
        ("wagtailcore", "0054_initial_locale"),
        migrations.swappable_dependency(PAGE_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="scale",
            name="locale",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wagtailcore.locale",
                verbose_name="locale",
            ),
        ),
        migrations.AddField(
            model_name="scale",
            name="translation_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="scaleoption",
            name="locale",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wagtailcore.locale",
                verbose_name="locale",
            ),
        ),
        migrations.AddField(
            model_name="scaleoption",
            name="translation_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="surveyfield",
            name="locale",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wagtailcore.locale",
                verbose_name="locale",
            ),
        ),
        migrations.AddField(
            model_name="surveyfield",
            name="translation_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
