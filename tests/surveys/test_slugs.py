"""New survey pages get a readable address, not percent-encoded Chinese."""

import pytest

from wagtail_pilots.surveys.models import SurveyPage
from wagtail_pilots.surveys.slugs import pinyin_slug

pytestmark = pytest.mark.django_db


def test_pinyin_slug():
    assert pinyin_slug("政务服务好差评") == "zheng-wu-fu-wu-hao-cha-ping"
    assert pinyin_slug("2025年度“两村两会”测评") == (
        "2025-nian-du-liang-cun-liang-hui-ce-ping"
    )
    long = pinyin_slug("关于" * 40)
    assert len(long) <= 60 and not long.endswith("-") and long.startswith("guan-yu")
    assert pinyin_slug("？！", fallback="survey") == "survey"


def _add(parent, **kwargs):
    page = SurveyPage(**kwargs)
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_a_chinese_title_gives_a_pinyin_address(client, home_page):
    # As Wagtail's admin sends it: the slug filled in from the Chinese title.
    page = _add(home_page, title="政务服务满意度调查", slug="政务服务满意度调查")
    assert page.slug == "zheng-wu-fu-wu-man-yi-du-diao-cha"
    assert "%" not in page.url and page.url.isascii()
    assert client.get(page.url).status_code == 200
    # No slug at all: from the title.
    untitled = _add(home_page, title="村务公开调查")
    assert untitled.slug == "cun-wu-gong-kai-diao-cha"


def test_a_sibling_with_the_same_pinyin_gets_a_number(home_page):
    first = _add(home_page, title="意见征集", slug="意见征集")
    second = _add(home_page, title="意见征集", slug="意见征集")
    assert (first.slug, second.slug) == ("yi-jian-zheng-ji", "yi-jian-zheng-ji-2")


def test_an_ascii_slug_is_kept(home_page):
    page = _add(home_page, title="政务服务好差评", slug="haochaping-2026")
    assert page.slug == "haochaping-2026"
