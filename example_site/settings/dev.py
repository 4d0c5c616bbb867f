import os

from .base import *

DEBUG = True
SECRET_KEY = "dev-only-not-secret-3b1f7d0e"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "example-site-dev",
    }
}

VAR_DIR.mkdir(parents=True, exist_ok=True)

# Surveys in two languages (docs/surveys.md, "Surveys in two languages"):
# ``EXAMPLE_SITE_I18N=1 make demo`` runs the site with Wagtail's i18n, Chinese
# pages at /…/ and English ones at /en/…/, "Translate" in the page and snippet
# menus (Wagtail's simple_translation), and the demo's English surveys
# (example_site/demo/translations.py). Off by default: the rest of the demo
# (pilots, scorecards) is in Chinese only, so most /en/ addresses would be 404.
if os.environ.get("EXAMPLE_SITE_I18N") == "1":
    WAGTAIL_I18N_ENABLED = True
    WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
    INSTALLED_APPS = [
        *INSTALLED_APPS,
        "wagtail.locales",
        "wagtail.contrib.simple_translation",
    ]
