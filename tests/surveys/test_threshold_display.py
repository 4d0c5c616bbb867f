"""The threshold verdict agrees with the rate as shown (issue 16.4), on the
results page an editor reads in Chinese."""

import pytest

from tests.fixtures.surveys import post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh_admin(admin_client, admin_user):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "zh-hans"
    profile.save()
    return admin_client


@pytest.mark.parametrize(
    ("threshold", "below"),
    [
        # 2 of 3 = 66.666…% is shown as 66.67%: not below 66.67 …
        ("66.67", False),
        # … and below 66.68.
        ("66.68", True),
    ],
)
def test_two_of_three_against_the_shown_threshold(
    zh_admin, client, make_survey, threshold, below
):
    survey = make_survey(threshold=threshold)
    for i, overall in enumerate(["满意", "基本满意", "不满意"]):
        # Every matrix row gets the same answer, so each slice is 2 of 3 too.
        rows = dict.fromkeys(("石桥村", "红山村", "龙口村"), overall)
        client.post(
            survey.url, post_data(survey, token=f"t{i}", overall=overall, rows=rows)
        )
    html = zh_admin.get(f"/admin/pilots/surveys/{survey.pk}/results/").content.decode()
    assert "满意率" in html and "66.67%" in html
    assert ("低于达标线" in html) is below
