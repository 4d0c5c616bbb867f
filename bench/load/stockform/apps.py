from django.apps import AppConfig


class StockFormConfig(AppConfig):
    name = "bench.load.stockform"
    label = "bench_stockform"
    default_auto_field = "django.db.models.BigAutoField"
