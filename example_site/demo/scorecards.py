"""Demo scorecards: a structured recommendation and an annual town assessment.

Ballots are generated with a fixed seed, so every run gives the same figures.
Both results are published (a frozen snapshot) on pages under 公示公告.
"""

import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from example_site.demo.core import ensure_block
from example_site.home.models import StandardPage
from wagtail_pilots.models import Unit
from wagtail_pilots.scorecards.models import (
    AccessCode,
    Ballot,
    EvaluatorGroup,
    ScorecardCriterion,
    ScorecardGate,
    ScorecardPage,
    ScorecardSubject,
)
from wagtail_pilots.scorecards.services import access_codes_generate, snapshot_publish

SEED = 20240601

CANDIDATES = [
    ("王建军", "QSZ-SQ"),
    ("李秀英", "QSZ-HS"),
    ("张伟", "QSZ-LK"),
    ("刘洋", "QSZ-DW"),
    ("陈静", "QSZ-ZX"),
    ("杨帆", "QSZ-SQ"),
    ("赵磊", "QSZ-HS"),
    ("黄敏", "QSZ-LK"),
    ("周强", "QSZ-DW"),
    ("吴娟", "QSZ-ZX"),
    ("徐涛", "QSZ-SQ"),
    ("孙丽华", "QSZ-HS"),
    ("马超", "QSZ-LK"),
    ("朱红梅", "QSZ-DW"),
    ("胡斌", "QSZ-ZX"),
    ("郭亮", "QSZ-SQ"),
    ("何芳", "QSZ-HS"),
    ("高峰", "QSZ-LK"),
]

# name, weight, headcount: layers of different sizes, as in the source documents.
LAYERS = [
    ("A层：党员代表", 30, 62),
    ("B层：镇机关干部", 20, 27),
    ("C层：村民代表（每村5名）", 20, 20),  # four villages × 5
    ("D层：推荐工作领导小组", 20, 7),
]

TOWN_CRITERIA = [
    ("经济发展", 35),
    ("资源环境", 25),
    ("民生保障", 20),
]
# The fourth criterion: the public's satisfaction rate with each town's government,
# from the "两村两会" survey's town question (example_site/demo/surveys.py).
SURVEY_CRITERION = ("群众满意度", 20)
TOWNS = ["CGZ", "QSZ", "HDX", "LLZ", "SPX"]
TOWN_LEVEL = {"CGZ": 86, "QSZ": 82, "HDX": 76, "LLZ": 79, "SPX": 68}


def _notices(home):
    notices = home.get_children().filter(slug="notices").first()
    return (notices or home).specific


def _add(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def structured_recommendation(parent, rng):
    units = {u.code: u for u in Unit.objects.all()}
    page = ScorecardPage(
        title="青石镇村（社区）党组织书记人选结构推荐结果",
        ballot_title="青石镇村（社区）党组织书记人选结构推荐票",
        slug="jiegou-tuijian",
        intro=(
            "<p>按照结构推荐办法，候选人须在本单位信任投票中得票率达到50%方可进入下一环节，"
            "信任投票按10%计分；党员代表、镇机关干部、村民代表、推荐工作领导小组四个层面分别按"
            "30%、20%、20%、20%计分。各层面人数不同，一律按本层面的得票率折算，不比较原始票数。"
            "综合得分前5名进入考察。</p>"
        ),
        shortlist_size=5,
        tie_break="groups",
        notice_days=5,
        # Made-up contacts for the demo notice.
        objection_phone="0000-1234567",
        objection_email="jiandu@example.gov.cn",
        objection_address="青石镇纪委（青石镇人民路1号）",
        # A figure from fewer than two thirds of a candidate's unit is flagged.
        quorum="2/3",
    )
    page.subjects = [
        ScorecardSubject(name=name, home_unit=units.get(code), sort_order=i)
        for i, (name, code) in enumerate(CANDIDATES)
    ]
    page.criteria = [ScorecardCriterion(name="推荐得票", weight=Decimal(100))]
    page.groups = [
        # Each candidate's electorate is their own unit: the unit's codes.
        EvaluatorGroup(
            name="本单位信任投票",
            weight=Decimal(10),
            kind="votes",
            own_unit_only=True,
            sort_order=0,
        ),
        *[
            EvaluatorGroup(
                name=name,
                weight=Decimal(weight),
                kind="votes",
                expected_headcount=size,
                sort_order=i,
            )
            for i, (name, weight, size) in enumerate(LAYERS, start=1)
        ],
    ]
    page.gates = [
        ScorecardGate(target="group", target_name="本单位信任投票", threshold=50)
    ]
    page = _add(parent, page)
    groups = list(EvaluatorGroup.objects.filter(page=page).order_by("sort_order"))
    subjects = list(ScorecardSubject.objects.filter(page=page).order_by("sort_order"))
    appeal = {s.pk: rng.uniform(0.3, 0.95) for s in subjects}
    appeal[subjects[-1].pk] = 0.2  # falls short of the trust gate
    # Own-unit trust vote: each unit's codes (its electorate) vote on every
    # candidate of that unit, and on nobody else. The source documents' example:
    # 19 of 19 trust votes (100) outscores 32 of 33 (96.97) although it is fewer
    # votes: shares are compared, not raw counts. In 龙口 only 18 of 30 voted:
    # below the two-thirds quorum, so its candidates' trust figures are flagged.
    fixed_trust = {subjects[0].pk: 0, subjects[1].pk: 1}  # at most one "no"
    electorate = {"QSZ-SQ": (24, 19), "QSZ-HS": (36, 33), "QSZ-LK": (30, 18)}
    electorate |= {"QSZ-DW": (28, 22), "QSZ-ZX": (26, 21)}
    ballots = []
    trust = groups[0]
    now = timezone.now()
    for code, (issued, voted) in electorate.items():
        unit = units[code]
        codes = access_codes_generate(
            scorecard=page, group=trust, count=issued, unit=unit
        )
        voters = codes[:voted]
        AccessCode.objects.filter(pk__in=[c.pk for c in voters]).update(used_at=now)
        candidates = [s for s in subjects if s.home_unit_id == unit.pk]
        for i, voter in enumerate(voters):
            for s in candidates:
                if s.pk in fixed_trust:
                    vote = "no" if i < fixed_trust[s.pk] else "yes"
                else:
                    p = min(0.98, appeal[s.pk] + 0.15)
                    vote = "yes" if rng.random() < p else rng.choice(["no", "abstain"])
                ballots.append(
                    Ballot(
                        scorecard=page,
                        group=trust,
                        evaluator=voter.evaluator,
                        subject=s,
                        vote=vote,
                        channel="paper",
                    )
                )
    for group in groups[1:]:
        size = group.expected_headcount
        present = size - rng.randint(0, max(1, size // 10))
        for i in range(present):
            for s in subjects:
                ballots.append(
                    Ballot(
                        scorecard=page,
                        group=group,
                        evaluator=f"{group.pk}-{i}",
                        subject=s,
                        vote="yes" if rng.random() < appeal[s.pk] else "no",
                        channel="paper",
                    )
                )
    Ballot.objects.bulk_create(ballots, batch_size=2000)
    snapshot_publish(scorecard=page)
    return page, len(ballots)


def _town_survey_question():
    """The demo survey page and the key of its question rating the towns."""
    try:
        from example_site.demo.surveys import TOWN_QUESTION, VILLAGE_SLUG
        from wagtail_pilots.surveys.models import SurveyPage
        from wagtail_pilots.surveys.questions import survey_questions
    except ImportError:
        return None, ""
    survey = SurveyPage.objects.filter(slug=VILLAGE_SLUG).first()
    if survey is None:
        return None, ""
    for question in survey_questions(survey):
        if question.label == TOWN_QUESTION:
            return survey, question.key
    return None, ""


def town_assessment(parent, rng):
    units = {u.code: u for u in Unit.objects.filter(code__in=TOWNS)}
    page = ScorecardPage(
        title="年度乡镇综合考核评价结果",
        ballot_title="年度乡镇综合考核评价票",
        slug="xiangzhen-kaohe",
        intro=(
            "<p>全县各乡镇年度综合考核按经济发展35%、资源环境25%、民生保障20%计分，"
            "由县考核委员会评分，去掉一个最高分和一个最低分后取平均；另20%为群众满意度，"
            "取“两村两会”满意度测评中群众对乡镇政府工作的满意率。排名末位的乡镇予以标注。</p>"
        ),
        bottom_size=1,
        notice_days=7,
        small_sample=5,
        objection_phone="0000-7654321",
        objection_email="kaohe@example.gov.cn",
    )
    page.subjects = [
        ScorecardSubject(unit=units[code], sort_order=i) for i, code in enumerate(TOWNS)
    ]
    page.criteria = [
        ScorecardCriterion(name=name, weight=Decimal(w), sort_order=i)
        for i, (name, w) in enumerate(TOWN_CRITERIA)
    ]
    survey, question_key = _town_survey_question()
    if survey is not None:
        name, weight = SURVEY_CRITERION
        page.criteria.add(
            ScorecardCriterion(
                name=name,
                weight=Decimal(weight),
                maximum=Decimal(100),
                source="survey",
                survey=survey,
                metric="rate",
                question_key=question_key,
                sort_order=len(TOWN_CRITERIA),
            )
        )
    else:  # without the survey demo, the committee scores it like the others
        page.criteria.add(
            ScorecardCriterion(
                name="社会进步", weight=Decimal(20), sort_order=len(TOWN_CRITERIA)
            )
        )
    page.groups = [
        EvaluatorGroup(
            name="县考核委员会",
            weight=Decimal(100),
            expected_headcount=9,
            aggregation="trimmed",
            trim=1,
            min_ballots=5,
        )
    ]
    page = _add(parent, page)
    group = page.groups.get()
    ballots = []
    for i in range(9):
        for s in page.subjects.select_related("unit"):
            base = TOWN_LEVEL[s.unit.code]
            for c in page.criteria.filter(source="ballots"):
                value = max(0, min(100, base + rng.randint(-8, 8)))
                ballots.append(
                    Ballot(
                        scorecard=page,
                        group=group,
                        evaluator=f"K{i + 1}",
                        subject=s,
                        criterion=c,
                        value=Decimal(value),
                        channel="paper",
                    )
                )
    Ballot.objects.bulk_create(ballots)
    snapshot_publish(scorecard=page)
    access_codes_generate(scorecard=page, group=group, count=5)
    return page, len(ballots)


@transaction.atomic
def load(*, home, stdout=None):
    parent = _notices(home)
    made = []
    if not ScorecardPage.objects.filter(slug="jiegou-tuijian").exists():
        made.append(structured_recommendation(parent, random.Random(SEED)))
    if not ScorecardPage.objects.filter(slug="xiangzhen-kaohe").exists():
        made.append(town_assessment(parent, random.Random(SEED + 1)))
    if isinstance(parent, StandardPage):
        ensure_block(
            parent,
            "notice_list",
            {"heading": "公示中的结果", "parent": None, "limit": 10},
            first=True,
        )
    if stdout is not None:
        stdout.write(
            f"  scorecards: {len(made)} new scorecards, "
            f"{sum(n for _p, n in made)} ballots"
        )
