"""The built wheel is what a site installs: it must carry everything the suite
needs at run time and work in an environment of its own.

The wheel is built offline (``--no-isolation``: setuptools, wheel and build come
from the dev environment). A fresh virtualenv sees the running environment's
packages (Django, Wagtail and the rest, without the suite) as a site's own, pins
its Wagtail line in a constraints file and installs the wheel with its
dependencies resolved and no index: it must add the suite alone and leave
Wagtail where it is. The README's settings and StreamField example then make a
small site that runs ``makemigrations``, ``migrate`` and ``check`` and takes a
survey answer. ``make test`` runs this under each line of the matrix (tox.ini),
so Wagtail 7.4 LTS and 8.0 are both pinned and kept.
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import wagtail_pilots

pytestmark = pytest.mark.packaging

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "wagtail_pilots"

# Ignored when copying the source tree to build from: local environments and
# build output (the copy keeps parallel builds out of the working tree).
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".tox",
    "var",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "node_modules",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "test-results",
)


def run(*args, cwd, env=None):
    result = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    src = tmp_path_factory.mktemp("src") / "wagtail-pilots"
    shutil.copytree(REPO, src, ignore=COPY_IGNORE)
    out = tmp_path_factory.mktemp("dist")
    run(
        sys.executable,
        "-m",
        "build",
        "--wheel",
        "--no-isolation",
        "--outdir",
        out,
        src,
        cwd=src,
    )
    (path,) = out.glob("wagtail_pilots-*.whl")
    return path


def package_files(pattern):
    return {
        path.relative_to(REPO).as_posix()
        for path in PACKAGE.rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_carries_templates_static_files_and_compiled_catalogues(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())

    templates = {p for p in package_files("*") if "/templates/" in p}
    static = {p for p in package_files("*") if "/static/" in p}
    catalogues = package_files("*.po")
    assert templates and static and catalogues
    assert templates <= names, sorted(templates - names)
    assert static <= names, sorted(static - names)
    compiled = {p.removesuffix(".po") + ".mo" for p in catalogues}
    assert compiled <= names, sorted(compiled - names)
    # Every app's migrations, and nothing from the example site or the tests.
    assert "wagtail_pilots/surveys/migrations/0001_initial.py" in names
    assert not any(n.startswith(("example_site/", "tests/")) for n in names)


def test_wheel_metadata_declares_version_license_and_tested_range(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    dist_info = next(n.split("/")[0] for n in names if ".dist-info/" in n)
    with zipfile.ZipFile(wheel) as archive:
        metadata = Parser().parsestr(
            archive.read(f"{dist_info}/METADATA").decode("utf-8")
        )
        license_text = archive.read(f"{dist_info}/licenses/LICENSE").decode("utf-8")

    assert metadata["Version"] == wagtail_pilots.__version__
    assert metadata["License-Expression"] == "BSD-3-Clause"
    assert "BSD 3-Clause License" in license_text
    requires = metadata.get_all("Requires-Dist")
    assert any(r.replace(" ", "") == "wagtail<9.0,>=7.4" for r in requires), requires
    classifiers = metadata.get_all("Classifier")
    assert "Framework :: Wagtail :: 7" in classifiers
    assert "Framework :: Wagtail :: 8" in classifiers


def readme_block(containing):
    """The README's Python block that contains ``containing``, as written."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    (block,) = [
        b for b in re.findall(r"```python\n(.*?)```", text, re.S) if containing in b
    ]
    return block


# The site as a department has it before adding the suite: Wagtail's and
# Django's apps (without wagtail.contrib.forms, which the README's list adds),
# a page app of its own and a base template with a ``content`` block only.
SITE_SETTINGS = """
    from pathlib import Path

    BASE_DIR = Path(__file__).resolve().parent
    SECRET_KEY = "packaging-test-only"
    DEBUG = False
    ALLOWED_HOSTS = ["localhost", "testserver"]
    ROOT_URLCONF = "site_urls"
    INSTALLED_APPS = [
        "home",
        "wagtail.contrib.redirects",
        "wagtail.embeds",
        "wagtail.sites",
        "wagtail.users",
        "wagtail.snippets",
        "wagtail.documents",
        "wagtail.images",
        "wagtail.search",
        "wagtail.admin",
        "wagtail",
        "modelcluster",
        "taggit",
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
    ]
    MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ]
    TEMPLATES = [{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": [
            "django.template.context_processors.request",
            "django.contrib.auth.context_processors.auth",
            "django.contrib.messages.context_processors.messages",
        ]},
    }]
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3",
    }}
    LANGUAGE_CODE = "en"
    LANGUAGES = [("en", "English"), ("de", "Deutsch")]
    WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
    USE_I18N = True
    USE_TZ = True
    STATIC_URL = "/static/"
    STATIC_ROOT = BASE_DIR / "static"
    WAGTAIL_SITE_NAME = "Packaging test"
    WAGTAILADMIN_BASE_URL = "http://localhost"
    DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
    WAGTAIL_ENABLE_UPDATE_CHECK = False

    # The README's "Settings" steps, as written there (readme_settings.py): its
    # apps before the site's, its middleware in its order, its languages.
    import readme_settings as readme

    INSTALLED_APPS = ["home"] + [
        app for app in readme.INSTALLED_APPS if app not in INSTALLED_APPS
    ] + INSTALLED_APPS[1:]
    for before, added in zip(readme.MIDDLEWARE, readme.MIDDLEWARE[1:]):
        if added not in MIDDLEWARE:
            MIDDLEWARE.insert(MIDDLEWARE.index(before) + 1, added)
    LANGUAGES = readme.LANGUAGES
    WAGTAIL_CONTENT_LANGUAGES = readme.WAGTAIL_CONTENT_LANGUAGES
"""

SITE_URLS = """
    from django.urls import include, path
    from wagtail import urls as wagtail_urls
    from wagtail.admin import urls as wagtailadmin_urls

    urlpatterns = [
        path("admin/", include(wagtailadmin_urls)),
        path("", include(wagtail_urls)),
    ]
"""

BASE_TEMPLATE = (
    "<!doctype html><html><head><title>{{ page.title }}</title></head>"
    "<body>{% block content %}{% endblock %}</body></html>"
)
# The site's own page renders its body both ways the README talks about.
STANDARD_PAGE_TEMPLATE = (
    '{% extends "base.html" %}{% load wagtailcore_tags %}{% block content %}'
    "<div id=plain>{{ page.body }}</div>"
    "<div id=included>{% include_block page.body %}</div>{% endblock %}"
)

# Runs inside the fresh environment: where the suite and Wagtail were imported
# from, one translated app name (the compiled catalogue is loaded) and one
# static file.
PROBE = """
import django
django.setup()
import wagtail
import wagtail_pilots
from django.apps import apps
from django.contrib.staticfiles import finders
from django.utils import translation
print(wagtail_pilots.__file__)
print(wagtail.__version__)
with translation.override("zh-hans"):
    print(apps.get_app_config("wagtail_pilots_surveys").verbose_name)
print(finders.find("wagtail_pilots/public.css"))
"""

# After migrate: a survey, and the site's own page with the survey's form block.
# The page is read as a browser would (CSRF checks on); the form rendered by
# {% include_block %} is posted back as it came, {{ page.body }} gives a link.
SURVEY_PROBE = """
import re
import time

import django
django.setup()
from django.test import Client
from wagtail.models import Page

from home.models import StandardPage
from wagtail_pilots.surveys.forms import sign_started
from wagtail_pilots.surveys.models import Scale, SurveyField, SurveyPage, SurveyResponse

root = Page.objects.get(depth=2)
survey = root.add_child(instance=SurveyPage(title="Satisfaction", slug="satisfaction"))
SurveyField.objects.create(
    page=survey, sort_order=0, label="Overall", field_type="scale",
    scale=Scale.objects.order_by("pk").first(),
)
survey.save_revision().publish()
page = root.add_child(instance=StandardPage(title="About", slug="about"))
page.body = [("survey_form", {"survey": survey, "heading": "Tell us"})]
page.save_revision().publish()

client = Client(enforce_csrf_checks=True)
html = client.get(page.url).content.decode()
plain = html.split("<div id=plain>", 1)[1].split("<div id=included>", 1)[0]
included = html.split("<div id=included>", 1)[1]
print("plain link", f'href="{survey.url}"' in plain and "<form" not in plain)
print("included form", "<form" in included and "csrfmiddlewaretoken" in included)
print("honeypot hidden", bool(re.search(r'class="wp-hp" hidden', included)))
form = included.split("<form", 1)[1].split("</form>", 1)[0]
data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
name, value = re.search(r'<input type="radio" name="([^"]+)" value="([^"]+)"', form).groups()
data[name] = value
data["wp_started"] = sign_started(time.time() - 60, token=data["wp_token"])
print("posted", client.post(survey.url, data).status_code)
print("stored", SurveyResponse.objects.filter(survey=survey).count())
"""


def borrowed_site_packages(tmp_path):
    """This environment's site-packages without the suite: a folder of links to
    every entry but wagtail-pilots' own (tox installs the wheel there; the dev
    environment has an editable install), so pip in the fresh venv finds
    Django, Wagtail and the rest installed, and the suite not."""
    mirror = tmp_path / "borrowed"
    mirror.mkdir()
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        name = entry.name.lower().replace("-", "_")
        if "wagtail_pilots" in name or name.startswith("__editable__"):
            continue
        (mirror / entry.name).symlink_to(entry)
    return mirror


def test_wheel_installs_into_a_site_pinned_to_its_wagtail_and_the_readme_works(
    wheel, tmp_path
):
    """The issue's "Done when": a site with its Wagtail pinned (here the line
    this environment runs: 7.4 in tox's wagtail74, 8.0 in wagtail80 and the
    main environment) installs the built wheel with its dependencies resolved
    against the pin, keeps its Wagtail, and the README's steps work: settings,
    a StreamField with ``suite_blocks()``, ``makemigrations``, ``migrate``,
    ``check``, a survey answered through the block."""
    import wagtail

    line = ".".join(wagtail.__version__.split(".")[:2])
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    venv_python = venv / "bin" / "python"
    venv_purelib = run(
        venv_python,
        "-c",
        "import sysconfig; print(sysconfig.get_path('purelib'))",
        cwd=tmp_path,
    ).strip()
    # The site's installed packages come from this environment (no network):
    # the folder is appended to the new one's path. A plain path line does not
    # run that folder's own .pth files.
    (Path(venv_purelib) / "borrowed-deps.pth").write_text(
        f"{borrowed_site_packages(tmp_path)}\n"
    )
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"wagtail=={line}.*\n")
    # Dependencies resolved (no --no-deps), offline: anything pip wanted to
    # upgrade or add would fail here for want of an index.
    installed = run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv_python,
        "install",
        "--no-index",
        "--constraint",
        constraints,
        wheel,
        cwd=tmp_path,
    )
    assert "Installing collected packages: wagtail-pilots\n" in installed, installed

    site = tmp_path / "site"
    (site / "home" / "templates" / "home").mkdir(parents=True)
    (site / "templates").mkdir()
    (site / "site_settings.py").write_text(textwrap.dedent(SITE_SETTINGS))
    (site / "site_urls.py").write_text(textwrap.dedent(SITE_URLS))
    (site / "readme_settings.py").write_text(
        readme_block("# settings.py") + readme_block("WAGTAIL_CONTENT_LANGUAGES =")
    )
    (site / "home" / "__init__.py").write_text("")
    (site / "home" / "models.py").write_text(readme_block("class StandardPage"))
    (site / "templates" / "base.html").write_text(BASE_TEMPLATE)
    (site / "home" / "templates" / "home" / "standard_page.html").write_text(
        STANDARD_PAGE_TEMPLATE
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTHON", "DATABASE_URL"))
    }
    env.update(PYTHONPATH=str(site), DJANGO_SETTINGS_MODULE="site_settings")

    def manage(*args):
        return run(venv_python, "-m", "django", *args, cwd=site, env=env)

    imported_from, version, app_name, css = (
        run(venv_python, "-c", PROBE, cwd=site, env=env).strip().splitlines()
    )
    assert Path(imported_from).is_relative_to(venv), imported_from
    assert version == wagtail.__version__
    assert app_name == "满意度调查"
    assert Path(css).is_relative_to(venv), css

    assert "home/migrations/0001_initial.py" in manage(
        "makemigrations", "home", "--noinput"
    )
    manage("migrate", "--noinput")
    assert "no issues" in manage("check")
    assert "No changes detected" in manage(
        "makemigrations", "--check", "--dry-run", "--noinput"
    )
    probe = run(venv_python, "-c", SURVEY_PROBE, cwd=site, env=env)
    assert probe.strip().splitlines() == [
        "plain link True",
        "included form True",
        "honeypot hidden True",
        "posted 302",
        "stored 1",
    ], probe


def test_declared_versions_are_the_tested_ones():
    """The classifiers and the Wagtail range say what the matrix (tox.ini, run by
    `make test` through MATRIX in the Makefile) tests, no more and no less."""
    import configparser
    import tomllib

    tox = configparser.ConfigParser()
    tox.read(REPO / "tox.ini")
    envs = [e.strip() for e in tox["tox"]["env_list"].split(",")]
    pins = dict(
        re.findall(
            r"^\s*(wagtail\d+): wagtail~=(\d+\.\d+)\.0\s*$",
            tox["testenv"]["deps"],
            re.M,
        )
    )
    assert set(pins) == set(envs)
    tested = sorted(tuple(map(int, v.split("."))) for v in pins.values())

    makefile = (REPO / "Makefile").read_text()
    (matrix,) = re.findall(r"^MATRIX \?= (.+)$", makefile, re.M)
    assert matrix.split(",") == envs

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    (wagtail,) = [d for d in project["dependencies"] if d.startswith("wagtail")]
    lowest = re.search(r">=(\d+)\.(\d+)", wagtail)
    assert lowest and (int(lowest[1]), int(lowest[2])) == tested[0]
    majors = {
        int(c.rsplit(":: ", 1)[1])
        for c in project["classifiers"]
        if re.fullmatch(r"Framework :: Wagtail :: \d+", c)
    }
    assert majors == {major for major, _ in tested}
