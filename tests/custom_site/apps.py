from django.apps import AppConfig


class CustomSiteConfig(AppConfig):
    """A department's own site, built on its own base page, reusing the suite's
    mixins (installed by the test settings only)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tests.custom_site"
    label = "custom_site"
