"""The production settings: clear errors for values that cannot be right, and
every server error logged with its traceback (stderr, and ADMINS when set)."""

import os
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

REPO = Path(__file__).resolve().parents[2]
GOOD = {
    "SECRET_KEY": "x" * 30 + "production-settings-test-4b7e",
    "ALLOWED_HOSTS": "pilots.example.gov.cn,.example.gov.cn,127.0.0.1,[::1]",
}
MANAGED = (
    *GOOD,
    "SECRET_KEY_FALLBACKS",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "EMAIL_PORT",
    "EMAIL_TIMEOUT",
    "ADMINS",
    "LOCAL_HTTP",
)


def load(monkeypatch, **env):
    """The production settings module's names for ``env`` (in this process,
    without touching the running settings)."""
    for name in MANAGED:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**GOOD, **env}.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("example_site.settings.production")


def test_good_environment(monkeypatch):
    loaded = load(monkeypatch, SECRET_KEY_FALLBACKS="old-1, old-2")
    assert loaded["ALLOWED_HOSTS"] == [
        "pilots.example.gov.cn",
        ".example.gov.cn",
        "127.0.0.1",
        "[::1]",
    ]
    assert loaded["SECRET_KEY_FALLBACKS"] == ["old-1", "old-2"]
    assert loaded["SECURE_HSTS_SECONDS"] == 31536000
    assert loaded["EMAIL_TIMEOUT"] == 20  # a silent mail server cannot hang us


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"ALLOWED_HOSTS": "https://pilots.example.gov.cn"}, "without scheme"),
        ({"ALLOWED_HOSTS": "pilots.example.gov.cn:8000"}, "without scheme"),
        ({"ALLOWED_HOSTS": "pilots.example.gov.cn/admin"}, "not a host name"),
        ({"ALLOWED_HOSTS": "*"}, "accepts any Host"),
        ({"ALLOWED_HOSTS": " , "}, "Set the ALLOWED_HOSTS"),
        ({"SECURE_HSTS_SECONDS": "1y"}, "SECURE_HSTS_SECONDS must be a whole"),
        ({"SECURE_HSTS_SECONDS": "-1"}, "SECURE_HSTS_SECONDS must be at least 0"),
        ({"SECURE_HSTS_SECONDS": "3600"}, "use 0 to turn HSTS off"),
        ({"SECURE_SSL_REDIRECT": "ture"}, "SECURE_SSL_REDIRECT must be true"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT must be a whole number"),
        ({"EMAIL_TIMEOUT": "0"}, "EMAIL_TIMEOUT must be at least 1"),
    ],
)
def test_a_value_that_cannot_be_right_is_improperly_configured(monkeypatch, env, words):
    with pytest.raises(ImproperlyConfigured) as error:
        load(monkeypatch, **env)
    assert words in str(error.value)
    assert next(iter(env)) in str(error.value)


def test_hsts_can_be_turned_off(monkeypatch):
    assert load(monkeypatch, SECURE_HSTS_SECONDS="0")["SECURE_HSTS_SECONDS"] == 0


BOOM = textwrap.dedent(
    """
    import sys, types
    import django
    django.setup()
    from django.core import mail
    from django.test import Client, override_settings
    from django.urls import path

    def boom(request):
        raise KeyError("criteria")

    urls = types.ModuleType("boom_urls")
    urls.urlpatterns = [path("boom/", boom)]
    sys.modules["boom_urls"] = urls
    with override_settings(
        ROOT_URLCONF="boom_urls",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        response = Client(raise_request_exception=False).get("/boom/", secure=True)
        print("status", response.status_code)
        print("mails", len(getattr(mail, "outbox", [])))
        for message in getattr(mail, "outbox", []):
            print("to", ",".join(message.to))
    """
)


def test_a_server_error_is_logged_with_its_traceback_and_mailed_to_admins(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in MANAGED},
        **GOOD,
        "ALLOWED_HOSTS": "testserver",
        "ADMINS": "ops@example.gov.cn",
        "DJANGO_SETTINGS_MODULE": "example_site.settings.production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-c", BOOM],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "status 500" in result.stdout, result.stderr
    # On stderr (what gunicorn and systemd keep): the request and the traceback.
    assert "ERROR django.request" in result.stderr
    assert "Internal Server Error: /boom/" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    assert "KeyError: 'criteria'" in result.stderr
    # And one e-mail to ADMINS.
    assert "mails 1" in result.stdout
    assert "to ops@example.gov.cn" in result.stdout
