import pytest


@pytest.fixture(autouse=True)
def _english_and_private_uploads(in_english, import_temp_dir):
    """Messages are asserted in English; each test gets its own folder for
    uploads waiting for confirmation."""
