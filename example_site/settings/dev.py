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
