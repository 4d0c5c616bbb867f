import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _private_uploads(import_temp_dir):
    """Each test gets its own folder for uploads waiting for confirmation."""
