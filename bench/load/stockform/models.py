"""A stock Wagtail form page (wagtail.contrib.forms), the load run's baseline."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField


class StockFormField(AbstractFormField):
    page = ParentalKey(
        "StockFormPage", related_name="form_fields", on_delete=models.CASCADE
    )


class StockFormPage(AbstractForm):  # noqa: DJ008 - Page has __str__
    template = "stockform/stock_form_page.html"
    landing_page_template = "stockform/stock_form_page_landing.html"
