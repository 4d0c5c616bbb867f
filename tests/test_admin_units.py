import re

import pytest
from django.urls import reverse

from tests.fixtures.users import assert_permission_denied
from wagtail_pilots.models import Unit

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/snippets/wagtail_pilots/unit/"
ADD_URL = "/admin/snippets/wagtail_pilots/unit/add/"


@pytest.fixture
def units():
    county = Unit.objects.create(code="SFX", name="示范县", kind="county")
    town = Unit.objects.create(code="QSZ", name="青石镇", kind="town", parent=county)
    Unit.objects.create(code="QSZ-SQ", name="石桥村", kind="village", parent=town)
    Unit.objects.create(
        code="OLD", name="撤并村", kind="village", parent=town, active=False
    )
    return county, town


def add_form(**overrides):
    data = {
        "name": "红山村",
        "code": "QSZ-HS",
        "kind": "village",
        "parent": "",
        "region": "示范县",
        "active": "on",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(client, units):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_editor_without_unit_permissions_is_refused(client, make_editor, units):
    client.force_login(make_editor())
    assert_permission_denied(client.get(LIST_URL))
    assert_permission_denied(client.get(ADD_URL))
    assert not Unit.objects.filter(code="QSZ-HS").exists()
    client.post(ADD_URL, add_form())
    assert not Unit.objects.filter(code="QSZ-HS").exists()


def test_editor_lists_searches_and_filters_units(client, make_editor, units):
    client.force_login(make_editor("wagtail_pilots.view_unit"))
    response = client.get(LIST_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "石桥村" in content and "青石镇" in content

    response = client.get(LIST_URL, {"q": "石桥"})
    content = response.content.decode()
    assert "QSZ-SQ" in content
    assert not re.search(r">\s*OLD\s*<", content)

    response = client.get(LIST_URL, {"kind": "town"})
    content = response.content.decode()
    assert "QSZ-SQ" not in content and "QSZ" in content

    response = client.get(LIST_URL, {"active": "false"})
    content = response.content.decode()
    assert re.search(r">\s*OLD\s*<", content) and "QSZ-SQ" not in content


def test_editor_adds_a_unit_with_a_contact(client, make_editor, units):
    _, town = units
    client.force_login(
        make_editor("wagtail_pilots.add_unit", "wagtail_pilots.view_unit")
    )
    data = add_form(
        parent=str(town.pk),
        code="qsz-hs",
        **{
            "contacts-TOTAL_FORMS": "1",
            "contacts-0-name": "赵村长",
            "contacts-0-role": "村委会主任",
            "contacts-0-email": "hs@example.gov.cn",
            "contacts-0-phone": "",
            "contacts-0-ORDER": "1",
            "contacts-0-id": "",
            "contacts-0-DELETE": "",
        },
    )
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="QSZ-HS")
    assert unit.parent == town
    assert [c.email for c in unit.contacts.all()] == ["hs@example.gov.cn"]


def test_duplicate_code_shows_a_field_error_and_writes_nothing(
    client, make_editor, units
):
    client.force_login(
        make_editor("wagtail_pilots.add_unit", "wagtail_pilots.view_unit")
    )
    before = Unit.objects.count()
    response = client.post(ADD_URL, add_form(code="qsz-sq"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "code" in form.errors
    assert Unit.objects.count() == before


def test_parent_cycle_shows_a_field_error(client, make_editor, units):
    county, town = units
    client.force_login(
        make_editor("wagtail_pilots.change_unit", "wagtail_pilots.view_unit")
    )
    village = Unit.objects.get(code="QSZ-SQ")
    url = f"/admin/snippets/wagtail_pilots/unit/edit/{county.pk}/"
    response = client.post(
        url,
        add_form(
            name=county.name, code=county.code, kind="county", parent=str(village.pk)
        ),
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    county.refresh_from_db()
    assert county.parent is None


def test_unit_chooser_lists_units(client, make_editor, units):
    client.force_login(make_editor("wagtail_pilots.view_unit"))
    response = client.get("/admin/snippets/choose/wagtail_pilots/unit/")
    assert response.status_code == 200
    assert "青石镇" in response.json()["html"]
    response = client.get(
        "/admin/snippets/choose/wagtail_pilots/unit/results/", {"q": "石桥"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "石桥村" in html and "示范县" not in html


def test_admin_shows_units_in_chinese_and_english(admin_client, admin_user, units):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "zh-hans"
    profile.save()
    content = admin_client.get(LIST_URL).content.decode()
    assert "单位" in content and "石桥村" in content
    profile.preferred_language = "en"
    profile.save()
    content = admin_client.get(LIST_URL).content.decode()
    assert "Units" in content and "石桥村" in content
