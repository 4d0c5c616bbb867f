"""``suite_blocks()`` collects the blocks apps offer through their app config
(``get_suite_blocks()``), naming no sub-app itself (issue 18 item 5)."""

from django.apps import apps
from wagtail import blocks

from wagtail_pilots.blocks import suite_blocks


def test_every_feature_app_offers_its_blocks_in_installed_apps_order():
    names = [name for name, _block in suite_blocks()]
    pilots, surveys, scorecards = (
        apps.get_app_config(label).get_suite_blocks()
        for label in (
            "wagtail_pilots_pilots",
            "wagtail_pilots_surveys",
            "wagtail_pilots_scorecards",
        )
    )
    assert names == [name for name, _b in (*pilots, *surveys, *scorecards)]
    assert "pilot_list" in names and "survey_form" in names


def test_a_sites_own_app_offers_blocks_the_same_way(monkeypatch):
    config = apps.get_app_config("home")
    notice = blocks.CharBlock()
    monkeypatch.setattr(
        config, "get_suite_blocks", lambda: [("notice", notice)], raising=False
    )
    assert ("notice", notice) in suite_blocks()
    assert "notice" not in [name for name, _b in suite_blocks(exclude=("notice",))]
