"""Demo surveys: the year-end "两村两会" satisfaction test of each village
committee, with a few thousand generated web and paper questionnaires, and a
county departments survey answered with printed access codes."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from example_site.demo.core import ensure_block
from example_site.home.models import StandardPage
from wagtail_pilots.models import Unit
from wagtail_pilots.surveys.models import (
    AccessCode,
    Scale,
    SurveyAnswer,
    SurveyField,
    SurveyPage,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import access_codes_generate, response_submit

SEED = 20251231
RESPONSES = 3000
LOW_VILLAGE = "LLZ-GT"  # 高台村: the committee that falls below 60%
GROUPS = [("党员", 0.2), ("村民代表", 0.15), ("其他群众", 0.65)]
VILLAGE_SLUG = "liangcun-lianghui-2025"
CODES_SLUG = "xianzhi-bumen-2025"
OPEN_SLUG = "zhengwu-fuwu-haochaping"
OPEN_DAYS = 90


def _tz(*args):
    return timezone.make_aware(datetime.datetime(*args))


def _add_survey(parent, *, slug, title, intro, fields, thank_you, **settings):
    page = SurveyPage(
        title=title, slug=slug, intro=intro, thank_you_text=thank_you, **settings
    )
    parent.add_child(instance=page)
    # Conditions name earlier questions by label here; they are stored by the
    # key each question gets when saved (q1, q2… for a Chinese label).
    keys = {}
    for position, spec in enumerate(fields):
        spec = dict(spec)
        units = spec.pop("units", None)
        if spec.get("conditions"):
            spec["conditions"] = [
                {**rule, "question": keys.get(rule["question"], rule["question"])}
                for rule in spec["conditions"]
            ]
        field = SurveyField(page=page, sort_order=position, **spec)
        if units:
            field.row_units = units
        field.save()
        keys[field.label] = field.clean_name
    page.save_revision().publish()
    page.refresh_from_db()
    return page


TOWN_QUESTION = "对各乡镇政府工作的评价"
LOW_TOWN = "SPX"  # 双坪乡: the least satisfied town, last in the town assessment


def village_survey(parent):
    existing = SurveyPage.objects.filter(slug=VILLAGE_SLUG).first()
    if existing is not None:
        return existing, False
    scale = Scale.objects.get(name="满意度（三级）")
    villages = list(Unit.objects.filter(kind="village").order_by("code"))
    towns = list(Unit.objects.filter(kind="town").order_by("code"))
    page = _add_survey(
        parent,
        slug=VILLAGE_SLUG,
        title="2025年度“两村两会”满意度测评",
        intro=(
            "<p>年终对各村党支部、村委会进行群众满意度测评。请对每个村的村委会工作"
            "作出评价。满意率低于60%的村，不能参加第二年的评先评优。</p>"
        ),
        thank_you="<p>感谢您参与测评！测评结果将在测评结束后公布。</p>",
        fields=[
            {
                "label": "您的身份",
                "field_type": "group",
                "choices": "党员\n村民代表\n其他群众",
            },
            {
                "label": "对各村村委会工作的评价",
                "field_type": "matrix",
                "scale": scale,
                "units": villages,
            },
            {
                # Feeds the "群众满意度" criterion of the annual town assessment
                # (example_site/demo/scorecards.py).
                "label": TOWN_QUESTION,
                "field_type": "matrix",
                "scale": scale,
                "units": towns,
            },
            {
                "label": "对全县村级组织建设的总体评价",
                "field_type": "scale",
                "scale": scale,
            },
            {"label": "意见和建议", "field_type": "multiline", "required": False},
        ],
        opens_at=_tz(2025, 12, 1, 8, 0),
        closes_at=_tz(2025, 12, 31, 18, 0),
        minimum_sample=30,
        threshold=Decimal(60),
        results_visibility="closed",
    )
    return page, True


def _pick(rng, weighted):
    x = rng.random()
    for value, weight in weighted:
        x -= weight
        if x < 0:
            return value
    return weighted[-1][0]


def generate_village_responses(page, count=RESPONSES):
    """Bulk-create ``count`` questionnaires, answers and the counter in step."""
    rng = random.Random(SEED)
    all_questions = survey_questions(page)
    questions = {q.field_type: q for q in all_questions}
    matrices = [q for q in all_questions if q.field_type == "matrix"]
    group_q, overall = questions["group"], questions["scale"]
    sat, basic, unsat = matrices[0].options
    low_units = set(
        Unit.objects.filter(code__in=[LOW_VILLAGE, LOW_TOWN]).values_list(
            "pk", flat=True
        )
    )
    normal = [(sat, 0.62), (basic, 0.28), (unsat, 0.10)]
    low = [(sat, 0.28), (basic, 0.22), (unsat, 0.50)]
    start = datetime.date(2025, 12, 1)
    responses, answer_rows = [], []
    for i in range(count):
        group = _pick(rng, GROUPS)
        channel = "web" if rng.random() < 0.6 else "paper"
        day = start + datetime.timedelta(days=rng.randrange(30))
        matrix_data = {}
        answers = [{"question_key": group_q.key, "value": group}]
        for matrix in matrices:
            rows = matrix_data[matrix.key] = {}
            for row in matrix.rows:
                if rng.random() < 0.03:  # left blank on paper
                    rows[row.key] = ""
                    continue
                option = _pick(rng, low if row.unit_id in low_units else normal)
                rows[row.key] = option.label
                answers.append(
                    {
                        "question_key": matrix.key,
                        "row_key": row.key,
                        "row_label": row.label,
                        "unit_id": row.unit_id,
                        "option_id": option.pk,
                    }
                )
        total = _pick(rng, normal)
        answers.append({"question_key": overall.key, "option_id": total.pk})
        responses.append(
            SurveyResponse(
                survey_id=page.pk,
                channel=channel,
                group=group,
                submitted_on=day,
                data={
                    group_q.key: group,
                    **matrix_data,
                    overall.key: total.label,
                    questions["multiline"].key: "",
                },
                idempotency_token=f"demo-{i}",
            )
        )
        answer_rows.append((group, channel, answers))
    created = SurveyResponse.objects.bulk_create(responses, batch_size=500)
    SurveyAnswer.objects.bulk_create(
        (
            SurveyAnswer(
                response_id=response.pk,
                survey_id=page.pk,
                group=group,
                channel=channel,
                **answer,
            )
            for response, (group, channel, answers) in zip(
                created, answer_rows, strict=True
            )
            for answer in answers
        ),
        batch_size=2000,
    )
    SurveyPage.objects.filter(pk=page.pk).update(
        response_count=F("response_count") + len(created)
    )
    return len(created)


def codes_survey(parent):
    existing = SurveyPage.objects.filter(slug=CODES_SLUG).first()
    if existing is not None:
        return existing, False
    scale = Scale.objects.get(name="满意度（五级）")
    departments = list(
        Unit.objects.filter(code__in=["MZJ", "YBJ", "RSJ", "NYJ", "JYJ", "WJJ"])
    )
    page = _add_survey(
        parent,
        slug=CODES_SLUG,
        title="2025年度县直部门服务满意度调查（凭码参与）",
        intro=(
            "<p>本次调查随纸质问卷发放参与码，每个参与码只能使用一次。"
            "请输入问卷上印制的参与码后作答。</p>"
        ),
        thank_you="<p>感谢您的评价！</p>",
        fields=[
            {
                "label": "您的身份",
                "field_type": "group",
                "choices": "村民代表\n企业代表\n服务对象",
            },
            {
                "label": "对各部门服务的评价",
                "field_type": "matrix",
                "scale": scale,
                "units": departments,
            },
        ],
        access="code",
        minimum_sample=10,
        threshold=Decimal(80),
        results_visibility="live",
    )
    codes = access_codes_generate(
        survey=page, count=60, group="服务对象", batch="第一批（随纸质问卷发放）"
    )
    rng = random.Random(SEED + 1)
    questions = {q.field_type: q for q in survey_questions(page)}
    matrix = questions["matrix"]
    for index, code in enumerate(codes[:24]):
        rows = {
            row.key: _pick(
                rng,
                list(zip(matrix.options, [0.4, 0.35, 0.15, 0.07, 0.03], strict=True)),
            ).pk
            for row in matrix.rows
        }
        response_submit(
            survey=page,
            data={questions["group"].key: "服务对象", matrix.key: rows},
            code=code.code,
            token=f"demo-code-{index}",
        )
    return page, True


def open_survey(parent):
    """A short survey anyone can answer now, without a code."""
    existing = SurveyPage.objects.filter(slug=OPEN_SLUG).first()
    if existing is not None:
        return existing, False
    scale = Scale.objects.get(name="满意度（三级）")
    towns = list(Unit.objects.filter(kind="town").order_by("code"))
    now = timezone.now()
    page = _add_survey(
        parent,
        slug=OPEN_SLUG,
        title="政务服务“好差评”群众满意度调查",
        intro=(
            "<p>请对您最近一次在县、乡镇办理政务服务事项的体验作出评价。"
            "无需登录，无需参与码，匿名作答，约两分钟。</p>"
        ),
        thank_you="<p>感谢您的评价！我们会认真研究每一条意见。</p>",
        fields=[
            {
                "label": "您的身份",
                "field_type": "group",
                "choices": "企业代表\n个体工商户\n其他群众",
            },
            {"label": "对办事效率的总体评价", "field_type": "scale", "scale": scale},
            {
                "label": "对各乡镇便民服务中心的评价",
                "field_type": "matrix",
                "scale": scale,
                "units": towns,
            },
            {"label": "意见和建议", "field_type": "multiline", "required": False},
        ],
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=OPEN_DAYS),
        minimum_sample=30,
        threshold=Decimal(80),
        results_visibility="closed",
    )
    return page, True


LOGIC_SLUG = "banshi-tiyan"


def logic_survey(parent):
    """A survey in pages, with a condition and follow-ups: the "why" page only
    after 不满意, a question for enterprise representatives only, "other,
    please specify" and a free-text follow-up after 不满意."""
    existing = SurveyPage.objects.filter(slug=LOGIC_SLUG).first()
    if existing is not None:
        return existing, False
    scale = Scale.objects.get(name="满意度（三级）")
    now = timezone.now()
    page = _add_survey(
        parent,
        slug=LOGIC_SLUG,
        title="便民服务中心办事体验调查",
        intro=(
            "<p>问卷分三页，约三分钟。只有与您的回答有关的题目才会出现；"
            "可以随时返回上一页修改。</p>"
        ),
        thank_you="<p>感谢您的评价！您写下的意见只供工作人员改进工作，不会公开。</p>",
        fields=[
            {
                "label": "您的身份",
                "field_type": "group",
                "choices": "企业代表\n个体工商户\n其他群众",
            },
            {
                "label": "对这次办事的总体评价",
                "field_type": "scale",
                "scale": scale,
                "follow_up_options": "不满意",
                "follow_up_label": "请说说哪里让您不满意",
            },
            {
                "label": "不满意的主要原因",
                "field_type": "radio",
                "choices": "等候时间长\n材料要求反复\n工作人员态度",
                "other_option": True,
                "page_break": True,
                "page_title": "不满意的原因",
                "conditions": [
                    {
                        "question": "对这次办事的总体评价",
                        "op": "in",
                        "values": ["不满意"],
                    }
                ],
            },
            {
                "label": "是否跑了不止一次",
                "field_type": "radio",
                "choices": "一次办成\n跑了两次\n跑了三次及以上",
                "page_break": True,
                "page_title": "办事过程",
            },
            {
                "label": "对涉企事项“一件事一次办”的评价",
                "field_type": "scale",
                "scale": scale,
                "conditions": [
                    {
                        "question": "您的身份",
                        "op": "in",
                        "values": ["企业代表", "个体工商户"],
                    }
                ],
            },
            {"label": "意见和建议", "field_type": "multiline", "required": False},
        ],
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=OPEN_DAYS),
        minimum_sample=30,
        threshold=Decimal(80),
    )
    return page, True


def _place_blocks(parent, village):
    ensure_block(
        parent,
        "open_surveys",
        {"heading": "正在进行的调查", "parent": None, "limit": 10},
        first=True,
    )
    ensure_block(
        parent,
        "survey_results",
        {"survey": village.pk, "heading": "“两村两会”测评结果"},
    )


@transaction.atomic
def load(*, home, stdout=None):
    parent = home.get_children().filter(slug="surveys").first()
    parent = parent.specific if parent is not None else home
    village, created = village_survey(parent)
    generated = generate_village_responses(village) if created else 0
    coded, coded_created = codes_survey(parent)
    open_survey(parent)
    logic_survey(parent)
    if isinstance(parent, StandardPage):
        _place_blocks(parent, village)
    if stdout is not None:
        stdout.write(
            f"  surveys: {generated} generated questionnaires, "
            f"{AccessCode.objects.filter(survey_id=coded.pk).count()} access codes"
        )
    return village
