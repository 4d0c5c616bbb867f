# Step 2 of 2 (see 0009): every row has its locale and translation key; they
# are now required, unique per translation, and a scale's name is unique per
# language (a translation keeps the name until it is translated).

import uuid

import django.db.models.deletion
from django.db import migrations, models


def locale_field():
    return models.ForeignKey(
        editable=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="wagtailcore.locale",
        verbose_name="locale",
    )


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_pilots_surveys", "0009_translatable_scales_and_questions"),
        ("wagtailcore", "0054_initial_locale"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scale", name="locale", field=locale_field()
        ),
        migrations.AlterField(
            model_name="scale",
            name="translation_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AlterField(
            model_name="scaleoption", name="locale", field=locale_field()
        ),
        migrations.AlterField(
            model_name="scaleoption",
            name="translation_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AlterField(
            model_name="surveyfield", name="locale", field=locale_field()
        ),
        migrations.AlterField(
            model_name="surveyfield",
            name="translation_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AlterField(
            model_name="scale",
            name="name",
            field=models.CharField(max_length=100, verbose_name="name"),
        ),
        migrations.AlterUniqueTogether(
            name="scale", unique_together={("translation_key", "locale")}
        ),
        migrations.AlterUniqueTogether(
            name="scaleoption", unique_together={("translation_key", "locale")}
        ),
        migrations.AlterUniqueTogether(
            name="surveyfield", unique_together={("translation_key", "locale")}
        ),
        migrations.AddConstraint(
            model_name="scale",
            constraint=models.UniqueConstraint(
                fields=("name", "locale"), name="wp_surveys_scale_name_locale"
            ),
        ),
    ]
