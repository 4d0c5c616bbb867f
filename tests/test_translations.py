"""Every user-facing string of the package and the example site has a zh_Hans
translation, and the compiled catalogues match the sources.

The test extracts the strings afresh from the code (Django's makemessages, in a
copy of the tree) so a new ``gettext`` call without a translation fails here even
if nobody re-ran ``make messages``.
"""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

REPO = Path(__file__).resolve().parent.parent
APP_DIRS = sorted(
    p.parent.parent.parent.parent
    for p in REPO.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    # Not the copies in virtualenvs (.venv, the tox environments) or build output.
    if not {".venv", ".tox", "build", "dist"} & set(p.relative_to(REPO).parts)
)

pytestmark = pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="gettext is not installed"
)


def test_every_app_with_strings_has_a_catalogue():
    names = {str(p.relative_to(REPO)) for p in APP_DIRS}
    assert {
        "wagtail_pilots",
        "wagtail_pilots/pilots",
        "wagtail_pilots/surveys",
        "wagtail_pilots/scorecards",
        "wagtail_pilots/importexport",
        "wagtail_pilots/contrib/modeladmin",
        "example_site",
    } <= names


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory):
    """Run scripts/messages.sh on a copy of the tree; return {app: (fresh, committed_mo)}."""
    copy = tmp_path_factory.mktemp("tree")
    # tests/ too: the test settings install an app of the tests (custom_site).
    for name in ("wagtail_pilots", "example_site", "scripts", "tests"):
        shutil.copytree(
            REPO / name, copy / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        ["bash", str(copy / "scripts" / "messages.sh"), sys.executable],
        check=True,
        capture_output=True,
        cwd=copy,
        timeout=300,
    )
    result = {}
    for app in APP_DIRS:
        rel = app.relative_to(REPO)
        fresh = polib.pofile(str(copy / rel / "locale/zh_Hans/LC_MESSAGES/django.po"))
        mo = REPO / rel / "locale/zh_Hans/LC_MESSAGES/django.mo"
        result[str(rel)] = (fresh, mo)
    return result


def test_every_string_is_translated(fresh_catalogues):
    untranslated = [
        f"{app}: {entry.msgid!r}"
        for app, (fresh, _) in fresh_catalogues.items()
        for entry in fresh
        if not entry.obsolete
        and (
            "fuzzy" in entry.flags
            or not (entry.msgstr or any(entry.msgstr_plural.values()))
        )
    ]
    assert not untranslated, "Missing zh_Hans translations:\n" + "\n".join(untranslated)


def test_compiled_catalogues_are_up_to_date(fresh_catalogues):
    stale = []
    for app, (fresh, mo_path) in fresh_catalogues.items():
        assert mo_path.exists(), f"{app}: django.mo is missing (run make messages)"
        with mo_path.open("rb") as fh:
            compiled = gettext.GNUTranslations(fh)
        for entry in fresh:
            if entry.obsolete or not entry.msgstr:
                continue
            if entry.msgctxt:
                got = compiled.pgettext(entry.msgctxt, entry.msgid)
            else:
                got = compiled.gettext(entry.msgid)
            if got != entry.msgstr:
                stale.append(f"{app}: {entry.msgid!r}")
    assert not stale, "Recompile the catalogues (make messages):\n" + "\n".join(stale)


def test_same_english_word_keeps_each_apps_chinese():
    """Django merges every app's catalogue, so one msgid gets one translation:
    a pilot's "code" (a plan's file number, 编号) has its own context so that
    it is not shown as a unit's code (代码)."""
    from django.utils import translation

    from wagtail_pilots.models import Unit
    from wagtail_pilots.pilots.models import PilotProgramPage

    with translation.override("zh-hans"):
        assert str(PilotProgramPage._meta.get_field("code").verbose_name) == "编号"
        assert str(Unit._meta.get_field("code").verbose_name) == "代码"


def _entries(path):
    """(msgctxt, msgid) -> Chinese of a catalogue (plurals by their first form)."""
    out = {}
    for entry in polib.pofile(str(path)):
        text = entry.msgstr or entry.msgstr_plural.get(0, "")
        if entry.msgid and text and not entry.obsolete and "fuzzy" not in entry.flags:
            out[(entry.msgctxt, entry.msgid)] = text
    return out


def _suite_catalogues():
    return {
        str(app.relative_to(REPO)): _entries(
            app / "locale/zh_Hans/LC_MESSAGES/django.po"
        )
        for app in APP_DIRS
    }


def test_no_entry_renames_django_or_wagtail():
    """Django merges every catalogue and the suite's (and the site's LOCALE_PATHS)
    win, so an entry with a msgid of Django's or Wagtail's own must keep their
    translation; the suite's own meaning of a word goes through a context."""
    import django
    import wagtail

    # What a site shows without the suite: Wagtail's apps come before Django's
    # in INSTALLED_APPS, and Django's own (conf) catalogue comes last.
    host = {}
    for package, pattern in (
        (wagtail, "**/locale/zh_Hans/LC_MESSAGES/django.po"),
        (django, "contrib/*/locale/zh_Hans/LC_MESSAGES/django.po"),
        (django, "conf/locale/zh_Hans/LC_MESSAGES/django.po"),
    ):
        for path in sorted(Path(package.__file__).parent.glob(pattern)):
            for key, text in _entries(path).items():
                host.setdefault(key, (text, path.parent.parent.parent.parent))
    assert len(host) > 1000  # the catalogues were found
    renamed = [
        f"{app}: {msgid!r}{f' [{ctx}]' if ctx else ''} -> {text!r}, "
        f"but {host[ctx, msgid][1].name} says {host[ctx, msgid][0]!r}"
        for app, entries in _suite_catalogues().items()
        for (ctx, msgid), text in entries.items()
        if (ctx, msgid) in host and host[ctx, msgid][0] != text
    ]
    assert not renamed, "\n".join(renamed)


def test_one_translation_per_msgid_across_the_suite():
    """Only one of two differing translations of a msgid would be shown."""
    seen = {}
    for app, entries in _suite_catalogues().items():
        for key, text in entries.items():
            seen.setdefault(key, {})[app] = text
    differing = {key: apps for key, apps in seen.items() if len(set(apps.values())) > 1}
    assert not differing, differing


def test_access_codes_have_one_name():
    """参与码 everywhere: in every screen, message and export header."""
    other = [
        f"{app}: {msgid!r} -> {text!r}"
        for app, entries in _suite_catalogues().items()
        for (_, msgid), text in entries.items()
        if "访问码" in text
    ]
    assert not other, "\n".join(other)
    for path in (REPO / "wagtail_pilots").glob("**/*.py"):
        assert "访问码" not in path.read_text(encoding="utf-8"), path
