import pytest


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on the English source messages; translations are tested elsewhere."""
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield
