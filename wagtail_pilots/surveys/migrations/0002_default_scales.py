"""Ship the common scales: 3-level satisfaction, 5-level satisfaction and the
4-level appraisal (民主测评). Editors can change them or add their own."""

from decimal import Decimal

from django.db import migrations, transaction
from django.db.models import ProtectedError

# (name, description, [(label, score, satisfied, excluded), ...])
SCALES = [
    (
        "满意度（三级）",
        "满意 / 基本满意 / 不满意",
        [
            ("满意", Decimal(100), True, False),
            ("基本满意", Decimal(80), True, False),
            ("不满意", Decimal(0), False, False),
        ],
    ),
    (
        "满意度（五级）",
        "非常满意 / 满意 / 一般 / 不满意 / 非常不满意",
        [
            ("非常满意", Decimal(100), True, False),
            ("满意", Decimal(80), True, False),
            ("一般", Decimal(60), False, False),
            ("不满意", Decimal(40), False, False),
            ("非常不满意", Decimal(0), False, False),
        ],
    ),
    (
        "民主测评（四级）",
        "优秀 / 称职 / 基本称职 / 不称职",
        [
            ("优秀", Decimal(100), True, False),
            ("称职", Decimal(80), True, False),
            ("基本称职", Decimal(60), False, False),
            ("不称职", Decimal(0), False, False),
        ],
    ),
]


def add_scales(apps, schema_editor):
    Scale = apps.get_model("wagtail_pilots_surveys", "Scale")
    ScaleOption = apps.get_model("wagtail_pilots_surveys", "ScaleOption")
    for name, description, options in SCALES:
        scale, created = Scale.objects.get_or_create(
            name=name, defaults={"description": description}
        )
        if not created:
            continue
        for position, (label, score, satisfied, excluded) in enumerate(options):
            ScaleOption.objects.create(
                scale=scale,
                sort_order=position,
                label=label,
                score=score,
                satisfied=satisfied,
                excluded=excluded,
            )


def remove_scales(apps, schema_editor):
    """Remove the shipped scales that nothing uses.

    A scale that a question or a counted answer refers to is the site's data
    now (its options are protected): it is kept, so that reversing this
    migration — e.g. ``migrate wagtail_pilots_surveys zero`` on a site with
    surveys — never stops half-way on a ``ProtectedError``. Going to zero, the
    tables are dropped right after anyway.
    """
    Scale = apps.get_model("wagtail_pilots_surveys", "Scale")
    for scale in Scale.objects.filter(name__in=[name for name, _d, _o in SCALES]):
        try:
            with transaction.atomic():
                scale.delete()
        except ProtectedError:
            continue


class Migration(migrations.Migration):
    dependencies = [("wagtail_pilots_surveys", "0001_initial")]

    operations = [migrations.RunPython(add_scales, remove_scales)]
