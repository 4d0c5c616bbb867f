import pytest

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
