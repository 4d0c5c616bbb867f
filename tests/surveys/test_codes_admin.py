"""Access codes in the admin: the group and unit come from the survey itself,
and printed slips carry the site's real address and a QR code."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Site

from wagtail_pilots.models import Unit
from wagtail_pilots.surveys.models import AccessCode
from wagtail_pilots.surveys.services import access_codes_generate

pytestmark = pytest.mark.django_db


def codes_url(survey):
    return f"/admin/pilots/surveys/{survey.pk}/codes/"


def test_group_and_unit_are_chosen_from_the_surveys_own(admin_client, survey):
    form = admin_client.get(codes_url(survey)).context["form"]
    assert [c[0] for c in form.fields["group"].choices] == [
        "",
        "党员",
        "村民代表",
        "其他群众",
    ]
    # The units of the matrix question, not every unit of the site.
    Unit.objects.create(code="X-1", name="县财政局", kind="department")
    form = admin_client.get(codes_url(survey)).context["form"]
    assert [u.name for u in form.fields["unit"].queryset] == [
        "石桥村",
        "红山村",
        "龙口村",
    ]
    html = admin_client.get(codes_url(survey)).content.decode()
    assert '<select name="group"' in html and '<option value="村民代表">' in html


def test_a_group_or_unit_of_no_question_is_refused_on_its_field(admin_client, survey):
    other = Unit.objects.create(code="X-1", name="县财政局", kind="department")
    response = admin_client.post(
        codes_url(survey), {"count": "3", "group": "服務對象", "unit": other.pk}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["group"] == ["“服務對象”不是本调查的答卷人类别。"]
    assert errors["unit"] == ["该单位不是本调查所评价的单位。"]
    assert not AccessCode.objects.exists()


def test_the_service_refuses_them_too(survey, villages):
    other = Unit.objects.create(code="X-1", name="县财政局", kind="department")
    with pytest.raises(ValidationError) as exc:
        access_codes_generate(survey=survey, count=2, group="服務對象", unit=other)
    assert set(exc.value.message_dict) == {"group", "unit"}
    assert "党员、村民代表、其他群众" in exc.value.message_dict["group"][0]
    assert not AccessCode.objects.exists()
    codes = access_codes_generate(
        survey=survey, count=2, group="党员", unit=villages[1]
    )
    assert {(c.group, c.unit_id) for c in codes} == {("党员", villages[1].pk)}


def test_printed_slips_show_the_sites_address_and_a_qr_code(admin_client, survey):
    Site.objects.filter(is_default_site=True).update(hostname="www.xx.gov.cn", port=443)
    access_codes_generate(survey=survey, count=2, group="党员")
    html = admin_client.get(f"{codes_url(survey)}print/").content.decode()
    assert "https://www.xx.gov.cn/survey/" in html
    assert "localhost" not in html
    # One QR code per slip, inline SVG made on the server (no CDN, no script).
    assert html.count("<svg ") == 2 and 'class="wp-qr"' in html
    assert "https://www.xx.gov.cn/survey/ 的二维码" in html
    assert "onclick" not in html and "<style" not in html


def test_a_local_site_falls_back_to_the_admins_host_and_says_so(admin_client, survey):
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=80)
    access_codes_generate(survey=survey, count=1)
    response = admin_client.get(
        f"{codes_url(survey)}print/", HTTP_HOST="survey.xx.gov.cn"
    )
    html = response.content.decode()
    assert "http://survey.xx.gov.cn/survey/" in html
    assert "http://localhost" not in html
    assert "主机名仍是本机地址" in html
