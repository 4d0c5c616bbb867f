"""Settings for the test suite.

SQLite by default; set ``DATABASE_URL`` to run the same tests on PostgreSQL
(``make test`` does both).
"""

import tempfile

from .base import *

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["*"]
DATABASES = {
    "default": database_from_env(
        Path(tempfile.gettempdir()) / "wagtail-pilots-test.sqlite3"
    )
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "wagtail-pilots-tests",
    }
}
MEDIA_ROOT = Path(tempfile.gettempdir()) / "wagtail-pilots-test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
LOGGING = {"version": 1, "disable_existing_loggers": False}

# A department's own page types built on the suite's mixins (tests/custom_site),
# and wagtail-localize, which a site translating its surveys may use
# (tests/surveys/test_translations.py; Wagtail's i18n itself is switched on
# there, test by test, so that every other test runs a one-language site).
INSTALLED_APPS = [
    *INSTALLED_APPS,
    "tests.custom_site",
    "wagtail_localize",
    "wagtail_localize.locales",
]
