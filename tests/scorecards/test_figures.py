"""Every published figure explains itself, as a Chinese reader sees it: the admin
results page, the public notice and the exports in zh-hans."""

import csv
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from wagtail_pilots.scorecards.models import ScorecardSnapshot
from wagtail_pilots.scorecards.services import ballot_enter, snapshot_publish

from .helpers import assessment, by_name, structured

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Overrides the package's English fixture: these tests read Chinese."""
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def zh_admin(admin_client, admin_user):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "zh-hans"
    profile.save()
    return admin_client


def vote(page, group_name, subject_name, yes, cast):
    group = by_name(page, "groups")[group_name]
    subject = by_name(page, "subjects")[subject_name]
    for i in range(cast):
        ballot_enter(
            scorecard=page,
            group=group,
            evaluator=f"{group_name}-{i}",
            subject=subject,
            vote="yes" if i < yes else "no",
        )


@pytest.fixture
def thirds(home_page):
    """甲: trust 2 of 3, every layer 1 of 3 → 6.6667 + 10 + 3 × 6.6667 = 36.67;
    乙: trust 1 of 3 (33.33 < 50) → excluded by the gate; 丙: no ballots."""
    page = structured(home_page, shortlist_size=1)
    vote(page, "信任投票", "甲", 2, 3)
    for layer in ("A层", "B层", "C层", "D层"):
        vote(page, layer, "甲", 1, 3)
    vote(page, "信任投票", "乙", 1, 3)
    for layer in ("A层", "B层", "C层", "D层"):
        vote(page, layer, "乙", 3, 3)
    return page


def table(html, css_class):
    """Rows of the first <table> with ``css_class``: lists of cell texts."""
    match = re.search(
        rf'<table class="[^"]*{css_class}[^"]*">(.*?)</table>', html, re.S
    )
    assert match, css_class
    body = match.group(1).split("<tbody>")[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def results_html(client, page):
    response = client.get(reverse("wagtail_pilots_scorecards:results", args=[page.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_points_add_up_to_the_total_and_the_excluded_stand_apart(zh_admin, thirds):
    html = results_html(zh_admin, thirds)
    # One by one the points would read 6.67 + 10.00 + 6.67 × 3 = 36.68.
    assert table(html, "scorecard-points") == [
        ["甲", "6.67", "10.00", "6.67", "6.67", "6.66", "36.67"]
    ]
    assert "相加等于显示的总分" in html
    # 乙 failed the trust gate and 丙 has no ballots: listed apart, with reasons,
    # and never drawn in the chart.
    excluded = table(html, "scorecard-excluded")
    assert [row[0] for row in excluded] == ["乙", "丙"]
    assert "不参加排名：信任投票为 33.33，低于 50.00" in excluded[0][1]
    assert "未排名：没有选票" in excluded[1][1]
    # 丙 has no figure at all: its reason, not a policy line per missing group.
    assert "未对" not in excluded[1][1]
    assert "权重按比例分给已投票的组" not in "".join(excluded[1])
    chart = html.split('<figure class="scorecard-chart">')[1].split("</figure>")[0]
    assert "甲" in chart and "乙" not in chart and "丙" not in chart
    ranked = table(html, "scorecard-table")
    assert [row[1] for row in ranked] == ["甲"]


def test_vote_groups_show_their_split_not_far_evaluators(zh_admin, thirds):
    html = results_html(zh_admin, thirds)
    spread = html.split("离散程度只针对评分组计算")[1]
    rows = table(spread, "listing")
    jia = next(row for row in rows if row[0] == "甲")
    # No standard deviation and nobody "far from the rest" for yes/no votes.
    assert jia[1] == "–" and jia[2] == "–"
    assert "信任投票：赞成 2，反对 1，弃权 0" in jia[3]
    assert "A层：赞成 1，反对 2，弃权 0" in jia[3]


def test_trimmed_mean_prints_its_rule(zh_admin, home_page):
    page = assessment(home_page)
    group = page.groups.get()
    town = by_name(page, "subjects")["城关镇"]
    for i, value in enumerate([9, 8, 8, 7, 7, 6, 1]):
        for criterion in page.criteria.all():
            ballot_enter(
                scorecard=page,
                group=group,
                evaluator=f"e{i}",
                subject=town,
                criterion=criterion,
                value=value,
            )
    html = results_html(zh_admin, page)
    assert "去掉一个最高分和一个最低分：7 个评分取中间 5 个" in html
    # (8 + 8 + 7 + 7 + 6) / 5 = 7.2 → 72.00 on every criterion.
    assert "考核组: 72.00 (n = 7; 去掉一个最高分和一个最低分" in html
    assert "某组对某考核对象没有选票时：按实际参评的评价主体重新折算权重。" in html


def test_zero_policy_shows_the_missing_groups_weight_and_its_zero(zh_admin, home_page):
    page = structured(home_page, missing_group_policy="zero")
    vote(page, "信任投票", "甲", 3, 3)
    for layer in ("A层", "B层", "C层"):
        vote(page, layer, "甲", 3, 3)
    html = results_html(zh_admin, page)
    # D层 (20%) has no ballots: shown with its weight and its 0.
    assert "D层: 0 (n = 0; 无选票：计 0 分) × 20.00%" in html
    assert "D层未对推荐投票：按其权重计 0 分" in html
    assert re.search(r'<td class="total"[^>]*>80.00</td>', html)


def test_ties_the_rule_cannot_break_are_undecided(zh_admin, home_page):
    page = assessment(home_page, shortlist_size=1, bottom_size=1)
    group = page.groups.get()
    for subject in page.subjects.all():
        for criterion in page.criteria.all():
            ballot_enter(
                scorecard=page,
                group=group,
                evaluator="e",
                subject=subject,
                criterion=criterion,
                value=6,
            )
    html = results_html(zh_admin, page)
    ranked = table(html, "scorecard-table")
    assert [row[0] for row in ranked] == ["1 =", "1 =", "1 ="]
    assert html.count("是否入围待定：同分跨越入围线") == 3
    assert html.count("是否末位待定：同分跨越末位线") == 3
    assert "同分规则（依次比较权重最高指标的得分）无法区分，并列第 1 名" in html
    assert "is-shortlisted" not in html and "is-bottom" not in html


def test_publishing_an_empty_scorecard_is_refused(zh_admin, home_page):
    page = assessment(home_page)
    response = zh_admin.post(
        reverse("wagtail_pilots_scorecards:publish", args=[page.pk])
    )
    assert response.status_code == 302
    assert not ScorecardSnapshot.objects.exists()
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "未发布：还没有任何考核对象获得选票或调查数据，没有结果可发布。"


def test_publishing_a_scorecard_without_subjects_is_refused(home_page):
    from wagtail_pilots.scorecards import scoring
    from wagtail_pilots.scorecards.models import ScorecardSubject

    page = assessment(home_page)
    ScorecardSubject.objects.filter(page=page).delete()
    with pytest.raises(scoring.ScoringInputError, match="没有考核对象"):
        snapshot_publish(scorecard=page)
    assert not ScorecardSnapshot.objects.exists()


def test_public_notice_explains_its_figures(client, thirds):
    snapshot_publish(scorecard=thirds)
    html = client.get(thirds.url, headers={"accept-language": "zh-hans"})
    html = html.content.decode()
    assert table(html, "scorecard-points") == [
        ["甲", "6.67", "10.00", "6.67", "6.67", "6.66", "36.67"]
    ]
    assert "未参加排名" in html
    assert "不参加排名：信任投票为 33.33，低于 50.00" in html
    assert "门槛和同分均按显示的数值判定" in html
    # The public notice never shows the admin's disagreement panel.
    assert "票数分布" not in html


def test_snapshots_published_before_these_keys_still_render(client, thirds):
    snap = snapshot_publish(scorecard=thirds)
    outputs = snap.outputs
    for s in outputs["subjects"]:
        for key in ("tie_broken", "shortlist_undecided", "bottom_undecided"):
            s.pop(key)
        for c in s["criteria"]:
            c.pop("counted_as_zero")
            c.pop("insufficient")
            for cell in c["cells"]:
                cell.pop("counted_as_zero")
    ScorecardSnapshot.objects.filter(pk=snap.pk).update(outputs=outputs)
    response = client.get(thirds.url, headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    assert "36.67" in response.content.decode()


def test_export_flags_use_flag_words_not_approve(zh_admin, home_page):
    page = assessment(home_page, shortlist_size=1, bottom_size=1)
    group = page.groups.get()
    for name, value in (("城关镇", 9), ("青石镇", 6), ("河东乡", 3)):
        for criterion in page.criteria.all():
            ballot_enter(
                scorecard=page,
                group=group,
                evaluator="e",
                subject=by_name(page, "subjects")[name],
                criterion=criterion,
                value=value,
            )
    response = zh_admin.get(
        reverse("wagtail_pilots_scorecards:export", args=[page.pk, "csv"])
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    shortlist, bottom = header.index("入围"), header.index("末位标注")
    flags = {row[1]: (row[shortlist], row[bottom]) for row in rows[1:]}
    assert flags == {"城关镇": ("入围", ""), "青石镇": ("", ""), "河东乡": ("", "末位")}
    # "赞成" (approve) is a vote, never a flag.
    assert "赞成" not in {cell for row in rows[1:] for cell in row[3:6]}
    assert "计算规则" in header
    assert "n = 1" not in body and "1 个评分" in body
