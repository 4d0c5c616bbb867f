"""``SurveyResponse.import_batch_id`` (a plain integer) becomes a foreign key to
the import batch. The column keeps its name and its values; ids of batches that
no longer exist are cleared first so the new constraint holds."""

import django.db.models.deletion
from django.db import migrations, models


def clear_orphans(apps, schema_editor):
    SurveyResponse = apps.get_model("wagtail_pilots_surveys", "SurveyResponse")
    ImportBatch = apps.get_model("wagtail_pilots_importexport", "ImportBatch")
    SurveyResponse.objects.filter(import_batch__isnull=False).exclude(
        import_batch__in=ImportBatch.objects.values("pk")
    ).update(import_batch=None)


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_pilots_importexport", "0001_initial"),
        ("wagtail_pilots_surveys", "0002_default_scales"),
    ]

    operations = [
        # Rename in the state only: the column stays ``import_batch_id``.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="surveyresponse", name="import_batch_id"),
                migrations.AddField(
                    model_name="surveyresponse",
                    name="import_batch",
                    field=models.BigIntegerField(
                        db_column="import_batch_id", null=True, blank=True, db_index=True
                    ),
                ),
            ]
        ),
        migrations.RunPython(clear_orphans, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="surveyresponse",
            name="import_batch",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="survey_responses",
                to="wagtail_pilots_importexport.importbatch",
                verbose_name="import batch",
            ),
        ),
    ]
