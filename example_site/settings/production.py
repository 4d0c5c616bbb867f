"""Production settings: everything secret or site-specific comes from the environment.

Required: ``SECRET_KEY``, ``ALLOWED_HOSTS`` (comma-separated).
Optional: ``SECRET_KEY_FALLBACKS`` (comma-separated old keys, while rotating),
``DATABASE_URL`` (default: SQLite in ``var/``; ``postgres://...`` for
PostgreSQL), ``CSRF_TRUSTED_ORIGINS`` (comma-separated), ``WAGTAILADMIN_BASE_URL``,
``ADMINS`` (comma-separated addresses that receive server errors), mail through
``EMAIL_HOST``/``EMAIL_PORT``/``EMAIL_TIMEOUT``/``DEFAULT_FROM_EMAIL``,
``CLIENT_IP_HEADER``/``TRUSTED_PROXY_COUNT`` behind a proxy.

A value that cannot be right (a host name with a scheme, a number that is not
one) stops the start with ``ImproperlyConfigured`` naming the variable.
"""

import os
import re

import django
from django.core.exceptions import ImproperlyConfigured

from .base import *

DEBUG = False


def _required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def _list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def _int(name, default, *, minimum=0):
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, got {raw!r}."
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def _bool(name, default):
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes", "on"):
        return True
    if raw in ("false", "0", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}.")


# A host name, a ".example.gov.cn" domain (itself and its subdomains), or an
# IPv4/[IPv6] address — what Django compares the Host header with: no scheme,
# port or path.
_HOST = re.compile(
    r"^\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$|^\[[0-9A-Fa-f:.]+\]$"
)


def _hosts(name):
    hosts = _list(name)
    if not hosts:
        raise ImproperlyConfigured(
            f"Set the {name} environment variable (comma-separated host names)."
        )
    for host in hosts:
        if host == "*":
            raise ImproperlyConfigured(
                f"{name} must list the site's host names: '*' accepts any Host "
                "header, which lets anyone put their own host into links the "
                "site writes (password resets, e-mails)."
            )
        if not _HOST.match(host):
            raise ImproperlyConfigured(
                f"{name}: {host!r} is not a host name. Give names only, without "
                "scheme, port or path, e.g. 'pilots.example.gov.cn'."
            )
    return hosts


SECRET_KEY = _required("SECRET_KEY")
# Old keys, while rotating SECRET_KEY: signatures and issued access codes made
# with them stay valid. Remove them once the codes they printed are used up.
SECRET_KEY_FALLBACKS = _list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = _hosts("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS")

# Static files straight from the application processes (WhiteNoise), compressed
# and with far-future cache headers; a front server may serve STATIC_ROOT instead.
MIDDLEWARE = [
    MIDDLEWARE[0],  # SecurityMiddleware first
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],
]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
# 0 turns HSTS off; anything else below a day is a typo rather than a choice.
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31536000)
if 0 < SECURE_HSTS_SECONDS < 86400:
    raise ImproperlyConfigured(
        f"SECURE_HSTS_SECONDS is {SECURE_HSTS_SECONDS} seconds: use 0 to turn HSTS "
        "off, or at least 86400 (one day; 31536000 is one year)."
    )
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", False)
# Without a timeout a mail server that accepts the connection and never answers
# holds the task worker (and every task queued behind it) for ever.
EMAIL_TIMEOUT = _int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_admins = _list("ADMINS")
# Django 6 takes plain addresses; 5.2 (name, address) pairs.
ADMINS = _admins if django.VERSION >= (6, 0) else [(a, a) for a in _admins]

# Every unhandled exception (a 500) and every failed task goes to stderr with its
# traceback — gunicorn and systemd keep it — and by e-mail to ADMINS when set.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
        }
    },
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django": {
            "handlers": ["stderr", "mail_admins"],
            "level": "INFO",
            "propagate": False,
        },
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "wagtail_pilots": {
            "handlers": ["stderr", "mail_admins"],
            "level": "INFO",
            "propagate": False,
        },
        "django_tasks": {
            "handlers": ["stderr", "mail_admins"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

WAGTAIL_PILOTS = {
    **WAGTAIL_PILOTS,
    "CLIENT_IP_HEADER": os.environ.get("CLIENT_IP_HEADER") or None,
    "TRUSTED_PROXY_COUNT": _int("TRUSTED_PROXY_COUNT", 1, minimum=1),
}

if os.environ.get("CACHE_URL", "").startswith("redis"):
    CACHES = {
        "default": {
            # Reads miss and writes are dropped (logged) while Redis is down,
            # so the site keeps answering; rate limits allow with a warning.
            "BACKEND": "wagtail_pilots.cache.ResilientRedisCache",
            "LOCATION": os.environ["CACHE_URL"],
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # The database cache is shared by every worker without another server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "wagtail_pilots_cache",
        }
    }

# Queue background tasks in the database; run ``manage.py db_worker`` beside the
# web workers.
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

if os.environ.get("LOCAL_HTTP", "").lower() == "true":
    # Only for trying the production stack on loopback without TLS
    # (make serve-prod): cookies would otherwise never be sent back over http.
    SECURE_SSL_REDIRECT = False
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
    SECURE_HSTS_SECONDS = 0
