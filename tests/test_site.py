import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count
from wagtail.models import Page

from wagtail_pilots.models import Unit

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_home_page_renders_in_chinese_and_english(client, home_page):
    response = client.get("/", headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert "跳到正文" in content

    client.cookies["django_language"] = "en"
    content = client.get("/").content.decode()
    assert '<html lang="en">' in content
    assert "Skip to content" in content


@pytest.mark.django_db
def test_language_switch_sets_the_language(client, home_page):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_load_demo_is_idempotent():
    out = StringIO()
    call_command("load_demo", "--create-admin", stdout=out)
    assert "admin" in out.getvalue() and "changeme" in out.getvalue()

    def snapshot():
        return (
            sorted(Unit.objects.values_list("code", "name", "kind", "parent__code")),
            sorted(Page.objects.values_list("url_path", "title")),
            Page.objects.aggregate(n=Count("pk"))["n"],
        )

    first = snapshot()
    assert len(first[0]) >= 30
    assert ("/home/pilots/", "试点工作") in first[1]
    call_command("load_demo", stdout=StringIO())
    assert snapshot() == first


@pytest.mark.django_db
def test_demo_pages_are_served(client):
    call_command("load_demo", stdout=StringIO())
    content = client.get("/").content.decode()
    assert "示范县人民政府" in content
    assert client.get("/about/").status_code == 200


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "example_site.settings.production",
        "SECRET_KEY": "x" * 30 + "production-check-only-7f3a9c2e1b",
        "ALLOWED_HOSTS": "pilots.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [
            sys.executable,
            "example_site/manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_require_a_secret_key(tmp_path):
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("SECRET_KEY", "ALLOWED_HOSTS")
        },
        "DJANGO_SETTINGS_MODULE": "example_site.settings.production",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "example_site/manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_public_pages_send_a_strict_content_security_policy(
    client, home_page, admin_client
):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self';" in policy or policy.endswith("script-src 'self'")
    assert "unsafe-inline" not in policy
    assert "object-src 'none'" in policy
    admin_policy = admin_client.get("/admin/")["Content-Security-Policy"]
    assert "'unsafe-inline'" in admin_policy


@pytest.mark.django_db
def test_example_site_pages_link_a_favicon(client, home_page):
    from django.contrib.staticfiles import finders

    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/example_site/img/favicon.svg"' in html
    path = finders.find("example_site/img/favicon.svg")
    assert path and Path(path).read_text().startswith("<svg")
