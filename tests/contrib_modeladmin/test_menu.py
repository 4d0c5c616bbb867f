"""The optional modeladmin menu adds only what the suite's own admin does not
list: survey responses and ballots, not a second Units or Import batches."""

import pytest

from tests.admin_menu import flatten, menu

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_modeladmin_menu_lists_nothing_twice(admin_client):
    items = menu(admin_client, ZH)
    group = next(i for i in items if i["label"] == "试点套件（modeladmin）")
    assert [c["label"] for c in group["children"]] == ["调查答卷", "选票"]
    assert [c["url"] for c in group["children"]] == [
        "/admin/wagtail_pilots_surveys/surveyresponse/",
        "/admin/wagtail_pilots_scorecards/ballot/",
    ]
    # Units and import batches are each in the menu once: the suite's own.
    urls = [i["url"] for i in flatten(items)]
    assert [u for u in urls if u and "unit" in u] == [
        "/admin/snippets/wagtail_pilots/unit/"
    ]
    assert [u for u in urls if u and "import" in u] == ["/admin/pilots-import/"]
    labels = [i["label"] for i in flatten(items)]
    assert labels.count("单位") == 1
    assert labels.count("导入批次") == 1


def test_hidden_listings_keep_their_urls(admin_client):
    for url in (
        "/admin/wagtail_pilots/unit/",
        "/admin/wagtail_pilots_importexport/importbatch/",
    ):
        assert admin_client.get(url, **ZH).status_code == 200
