import pytest

pytest_plugins = [
    "tests.fixtures.pages",
    "tests.fixtures.users",
    "tests.fixtures.pilots",
    "tests.fixtures.surveys",
    "tests.fixtures.imports",
    "tests.fixtures.language",
]


def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrated data (root page, locale,
    content types) afterwards. A flush without it re-creates content types with
    new ids, and the next test that restores serialized data then collides with
    them."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: the rate limits count in Django's
    cache, and the browser tests' live server answers every test from the
    same address, so one test's ballots must not use up the next one's."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
