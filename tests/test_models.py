import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from wagtail_pilots.models import Unit

pytestmark = pytest.mark.django_db


def make_unit(code, name=None, **kwargs):
    return Unit.objects.create(code=code, name=name or code, **kwargs)


def test_unit_code_is_normalised_to_upper_case():
    unit = Unit(code="  qs-01 ", name="青石镇", kind="town")
    unit.full_clean()
    assert unit.code == "QS-01"


def test_duplicate_code_is_a_field_error_even_in_other_case():
    make_unit("QS-01")
    unit = Unit(code="qs-01", name="另一个", kind="town")
    with pytest.raises(ValidationError) as excinfo:
        unit.full_clean()
    assert "code" in excinfo.value.message_dict


@pytest.mark.parametrize("code", ["", "-A", "A B", "县01", "A/B"])
def test_invalid_codes_are_field_errors(code):
    with pytest.raises(ValidationError) as excinfo:
        Unit(code=code, name="x", kind="town").full_clean()
    assert "code" in excinfo.value.message_dict


def test_unit_cannot_be_its_own_parent():
    unit = make_unit("A")
    unit.parent = unit
    with pytest.raises(ValidationError) as excinfo:
        unit.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_parent_cycle_through_descendants_is_a_field_error():
    county = make_unit("C", "示范县", kind="county")
    town = make_unit("T", "青石镇", kind="town", parent=county)
    village = make_unit("V", "石桥村", kind="village", parent=town)
    county.parent = village
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        county.full_clean()
    assert "石桥村 is inside 示范县" in str(excinfo.value.message_dict["parent"])


def test_valid_reparenting_is_accepted_and_full_name_follows_the_tree():
    county = make_unit("C", "示范县", kind="county")
    town = make_unit("T", "青石镇", kind="town", parent=county)
    village = make_unit("V", "石桥村", kind="village")
    village.parent = town
    village.full_clean()
    village.save()
    assert village.full_name == "示范县 / 青石镇 / 石桥村"
    assert [u.code for u in village.get_ancestors()] == ["C", "T"]


def test_deleting_a_parent_with_children_is_refused():
    from django.db.models import ProtectedError

    county = make_unit("C", kind="county")
    make_unit("T", kind="town", parent=county)
    with pytest.raises(ProtectedError):
        county.delete()


def test_extra_unit_kinds_from_settings(settings):
    settings.WAGTAIL_PILOTS = {"UNIT_KINDS": [("cooperative", "合作社")]}
    unit = Unit(code="HZS", name="农民专业合作社", kind="cooperative")
    unit.full_clean()
    with pytest.raises(ValidationError):
        Unit(code="X1", name="x", kind="no-such-kind").full_clean()


def test_active_queryset():
    make_unit("A")
    make_unit("B", active=False)
    assert list(Unit.objects.active().values_list("code", flat=True)) == ["A"]
