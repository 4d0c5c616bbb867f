"""The built wheel is what a site installs: it must carry everything the suite
needs at run time and work in an environment of its own.

The wheel is built offline (``--no-isolation``: setuptools, wheel and build come
from the dev environment), installed with ``--no-deps`` into a fresh virtualenv
that borrows Django, Wagtail and the rest from the running environment, and a
minimal site using the README's settings runs ``check`` and ``migrate`` with it.
"""

import os
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


MINIMAL_SETTINGS = """
    from pathlib import Path

    BASE_DIR = Path(__file__).resolve().parent
    SECRET_KEY = "packaging-test-only"
    DEBUG = False
    ALLOWED_HOSTS = ["localhost"]
    ROOT_URLCONF = "site_urls"
    INSTALLED_APPS = [
        "wagtail_pilots",
        "wagtail_pilots.pilots",
        "wagtail_pilots.surveys",
        "wagtail_pilots.scorecards",
        "wagtail_pilots.importexport",
        "import_export",
        "wagtail.contrib.forms",
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
        "django.middleware.locale.LocaleMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ]
    TEMPLATES = [{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
    LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
    USE_I18N = True
    USE_TZ = True
    STATIC_URL = "/static/"
    STATIC_ROOT = BASE_DIR / "static"
    WAGTAIL_SITE_NAME = "Packaging test"
    WAGTAILADMIN_BASE_URL = "http://localhost"
    DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
    WAGTAIL_ENABLE_UPDATE_CHECK = False
"""

MINIMAL_URLS = """
    from django.urls import include, path
    from wagtail import urls as wagtail_urls
    from wagtail.admin import urls as wagtailadmin_urls

    urlpatterns = [
        path("admin/", include(wagtailadmin_urls)),
        path("", include(wagtail_urls)),
    ]
"""

# Runs inside the fresh environment: where the suite was imported from, one
# translated app name (the compiled catalogue is loaded) and one static file.
PROBE = """
import django
django.setup()
import wagtail_pilots
from django.apps import apps
from django.contrib.staticfiles import finders
from django.utils import translation
print(wagtail_pilots.__file__)
with translation.override("zh-hans"):
    print(apps.get_app_config("wagtail_pilots_surveys").verbose_name)
print(finders.find("wagtail_pilots/public.css"))
"""


def test_wheel_installs_into_a_fresh_environment_and_a_site_runs_with_it(
    wheel, tmp_path
):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    venv_python = venv / "bin" / "python"
    venv_purelib = run(
        venv_python,
        "-c",
        "import sysconfig; print(sysconfig.get_path('purelib'))",
        cwd=tmp_path,
    ).strip()
    # The suite's dependencies come from the running environment (no network):
    # its site-packages is appended to the new one's path. A plain path line does
    # not run that directory's own .pth files, so an editable install of the
    # suite there stays invisible.
    (Path(venv_purelib) / "borrowed-deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv_python,
        "install",
        "--no-deps",
        "--no-index",
        # The fresh venv sees this environment's packages through a .pth file;
        # where wagtail-pilots itself is installed there (tox installs the
        # wheel), pip would call it satisfied and install nothing.
        "--ignore-installed",
        "--quiet",
        wheel,
        cwd=tmp_path,
    )

    site = tmp_path / "site"
    site.mkdir()
    (site / "site_settings.py").write_text(textwrap.dedent(MINIMAL_SETTINGS))
    (site / "site_urls.py").write_text(textwrap.dedent(MINIMAL_URLS))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTHON", "DATABASE_URL"))
    }
    env.update(PYTHONPATH=str(site), DJANGO_SETTINGS_MODULE="site_settings")

    imported_from, app_name, css = (
        run(venv_python, "-c", PROBE, cwd=site, env=env).strip().splitlines()
    )
    assert Path(imported_from).is_relative_to(venv), imported_from
    assert app_name == "满意度调查"
    assert Path(css).is_relative_to(venv), css

    assert "no issues" in run(venv_python, "-m", "django", "check", cwd=site, env=env)
    run(venv_python, "-m", "django", "migrate", "--noinput", cwd=site, env=env)
    assert "No changes detected" in run(
        venv_python,
        "-m",
        "django",
        "makemigrations",
        "--check",
        "--dry-run",
        "--noinput",
        cwd=site,
        env=env,
    )


def test_declared_versions_are_the_tested_ones():
    """The classifiers and the Wagtail range say what the matrix (tox.ini, run by
    `make test` through MATRIX in the Makefile) tests, no more and no less."""
    import configparser
    import re
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
