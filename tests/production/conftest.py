import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_and_clean_cache(tmp_path):
    """English messages, an empty cache and a private upload folder per test."""
    caches["default"].clear()
    with (
        translation.override("en"),
        override_settings(
            WAGTAIL_PILOTS={"IMPORT_TEMP_DIR": str(tmp_path / "uploads")}
        ),
    ):
        yield
    caches["default"].clear()
