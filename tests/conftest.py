import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import Page


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


@pytest.fixture
def home_page(db):
    """The example site's home page, created the way ``load_demo`` does it."""
    from example_site.demo.core import ensure_home

    return ensure_home()


@pytest.fixture
def root_page(db):
    return Page.get_first_root_node()


@pytest.fixture
def make_editor(db, django_user_model):
    """Build a user who may use the Wagtail admin, with extra permissions by codename.

    ``make_editor("wagtail_pilots.add_unit", username="li")``
    """

    def factory(*perms, username="editor", password="password", groups=()):
        user = django_user_model.objects.create_user(
            username=username, password=password, email=f"{username}@example.gov.cn"
        )
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="wagtailadmin", codename="access_admin"
            )
        )
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return factory


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: the rate limits count in Django's
    cache, and the browser tests' live server answers every test from the
    same address, so one test's ballots must not use up the next one's."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
