import io

import pytest
from django.test import override_settings

from wagtail_pilots.conf import get_cache, pilots_settings


def test_defaults():
    assert pilots_settings.CACHE_ALIAS == "default"
    assert pilots_settings.MENU_ORDER == 250


def test_override_is_seen_and_reverted(settings):
    settings.WAGTAIL_PILOTS = {"MENU_ORDER": 10}
    assert pilots_settings.MENU_ORDER == 10
    assert pilots_settings.CACHE_ALIAS == "default"


def test_unknown_setting_is_an_error():
    with pytest.raises(AttributeError, match="NOPE"):
        pilots_settings.NOPE


def test_get_cache_uses_configured_alias(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shared",
        },
    }
    settings.WAGTAIL_PILOTS = {"CACHE_ALIAS": "shared"}
    from django.core.cache import caches

    get_cache().set("k", "v")
    assert caches["shared"].get("k") == "v"


# -- system checks: a wrong WAGTAIL_PILOTS stops `manage.py check` (and so
# runserver and migrate) at start-up, naming the key -------------------------


def run_check():
    """What a developer sees at start-up: ``manage.py check``'s failure text."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    except SystemCheckError as error:
        return str(error)
    return ""


def test_example_settings_pass_the_check():
    assert run_check() == ""


@override_settings(WAGTAIL_PILOTS={"CACHE_ALIASS": "default", "MENU_ORDER": 1})
def test_unknown_key_fails_at_start_up_with_a_suggestion():
    message = run_check()
    assert "wagtail_pilots.E002" in message
    assert "Unknown key in WAGTAIL_PILOTS: 'CACHE_ALIASS'" in message
    assert "Did you mean 'CACHE_ALIAS'?" in message
    assert "MENU_ORDER" not in message


@pytest.mark.parametrize("rate", ["20 per minute", "20/10x", "0/m", "", 20])
def test_unparsable_rate_fails_at_start_up(rate):
    with override_settings(WAGTAIL_PILOTS={"SURVEY_SUBMIT_RATE": rate}):
        message = run_check()
    assert "wagtail_pilots.E004" in message
    assert f"WAGTAIL_PILOTS['SURVEY_SUBMIT_RATE'] is not a rate: {rate!r}" in message


@pytest.mark.parametrize("rate", ["20/10m", "5/s", " 100 / h ", "1/2d"])
def test_readable_rates_pass(rate):
    with override_settings(WAGTAIL_PILOTS={"SURVEY_SUBMIT_RATE": rate}):
        assert run_check() == ""


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "CACHE_ALIAS",
            "redis",
            [
                "wagtail_pilots.E005",
                "names the cache 'redis', which is not in CACHES",
                "Use one of: default.",
            ],
        ),
        (
            "IMPORT_STORAGE",
            "s3",
            [
                "wagtail_pilots.E007",
                "names the storage 's3', which is not in STORAGES",
                "Defined: default, staticfiles.",
            ],
        ),
    ],
)
def test_an_alias_missing_from_its_setting_fails_at_start_up(key, value, expected):
    with override_settings(WAGTAIL_PILOTS={key: value}):
        message = run_check()
    for text in expected:
        assert text in message


@pytest.mark.parametrize(
    ("setting", "key", "backend"),
    [
        ("CACHES", "CACHE_ALIAS", "django.core.cache.backends.locmem.LocMemCache"),
        ("STORAGES", "IMPORT_STORAGE", "django.core.files.storage.InMemoryStorage"),
    ],
)
def test_an_alias_that_exists_passes(settings, setting, key, backend):
    setattr(
        settings,
        setting,
        {**getattr(settings, setting), "shared": {"BACKEND": backend}},
    )
    settings.WAGTAIL_PILOTS = {key: "shared"}
    assert run_check() == ""


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("IMPORT_MAX_ROWS", "200000"),
        ("MENU_ORDER", True),
        ("SURVEY_MIN_FILL_SECONDS", 1.5),
        ("BASE_TEMPLATE", None),
        ("UNIT_KINDS", "cooperative"),
        ("IMPORT_STORAGE", 3),
    ],
)
def test_value_of_the_wrong_type_fails_at_start_up(key, value):
    with override_settings(WAGTAIL_PILOTS={key: value}):
        message = run_check()
    assert "wagtail_pilots.E003" in message
    assert f"WAGTAIL_PILOTS[{key!r}] must be" in message


@override_settings(WAGTAIL_PILOTS=["CACHE_ALIAS", "default"])
def test_settings_that_are_not_a_dict_fail_at_start_up():
    message = run_check()
    assert "wagtail_pilots.E001" in message
    assert "WAGTAIL_PILOTS must be a dict, not list" in message


@override_settings(
    WAGTAIL_PILOTS={
        "IMPORT_TEMP_DIR": "/srv/pilots/uploads",
        "UNIT_KINDS": [("cooperative", "合作社")],
        "IMPORT_MAX_ROWS": 1000,
    }
)
def test_documented_values_pass():
    assert run_check() == ""


@pytest.mark.parametrize(
    "key", ["SURVEY_RETENTION_DAYS", "SURVEY_MIN_CELL_SIZE", "SURVEY_DRAFT_DAYS"]
)
@pytest.mark.parametrize("value", [0, -3])
def test_a_count_below_one_fails_at_start_up(key, value):
    with override_settings(WAGTAIL_PILOTS={key: value}):
        message = run_check()
    assert "wagtail_pilots.E006" in message
    assert f"WAGTAIL_PILOTS[{key!r}] must be at least 1, not {value}" in message


def test_draft_days_must_be_a_whole_number():
    with override_settings(WAGTAIL_PILOTS={"SURVEY_DRAFT_DAYS": "7"}):
        message = run_check()
    assert "wagtail_pilots.E003" in message
    assert "SURVEY_DRAFT_DAYS" in message
