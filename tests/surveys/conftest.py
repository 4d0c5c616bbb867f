import time

import pytest
from django.core.cache import caches
from django.utils.crypto import get_random_string

from wagtail_pilots.models import Unit
from wagtail_pilots.surveys.forms import sign_started
from wagtail_pilots.surveys.models import Scale, SurveyField, SurveyPage

THREE_LEVEL = "满意度（三级）"


@pytest.fixture(autouse=True)
def _clear_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def scale(db):
    return Scale.objects.get(name=THREE_LEVEL)


@pytest.fixture
def villages(db):
    return [
        Unit.objects.create(code=f"V-{i}", name=name, kind="village")
        for i, name in enumerate(["石桥村", "红山村", "龙口村"], start=1)
    ]


@pytest.fixture
def make_survey(home_page, scale, villages):
    """``make_survey(**settings)``: a published survey with a group question, a
    scale question, a matrix over the villages and a free-text question."""

    def factory(*, fields=None, parent=None, **kwargs):
        page = SurveyPage(
            title=kwargs.pop("title", "村委会满意度测评"),
            slug=kwargs.pop("slug", "survey"),
            minimum_sample=kwargs.pop("minimum_sample", 2),
            **kwargs,
        )
        (parent or home_page).add_child(instance=page)
        if fields is None:
            fields = [
                {
                    "label": "您的身份",
                    "field_type": "group",
                    "choices": "党员\n村民代表\n其他群众",
                },
                {"label": "总体评价", "field_type": "scale", "scale": scale},
                {
                    "label": "村委会评价",
                    "field_type": "matrix",
                    "scale": scale,
                    "units": villages,
                },
                {
                    "label": "意见建议",
                    "field_type": "multiline",
                    "required": False,
                },
            ]
        # Conditions name earlier questions by label here; stored by key (the
        # key a question gets on save: q1, q2… for Chinese labels).
        keys = {}
        for position, spec in enumerate(fields):
            spec = dict(spec)
            if spec.get("conditions"):
                spec["conditions"] = [
                    {**rule, "question": keys.get(rule["question"], rule["question"])}
                    for rule in spec["conditions"]
                ]
            units = spec.pop("units", None)
            field = SurveyField(page=page, sort_order=position, **spec)
            if units:
                field.row_units = units
            field.save()
            keys[field.label] = field.clean_name
        page.save_revision().publish()
        page.refresh_from_db()
        return page

    return factory


@pytest.fixture
def survey(make_survey):
    return make_survey()


def old_started(token):
    """A start time signed a minute ago for the form load of ``token``."""
    return sign_started(time.time() - 60, token=token)


def post_data(survey, *, group="党员", overall="满意", rows=None, **extra):
    """A complete valid post for the default survey (option labels → pks)."""
    from wagtail_pilots.surveys.questions import survey_questions

    questions = {q.field_type: q for q in survey_questions(survey)}
    # Each call is one form load: its own token, the start time signed for it.
    token = extra.pop("token", "") or get_random_string(16)
    data = {"wp_started": old_started(token), "wp_token": token}
    if "group" in questions:
        data[questions["group"].key] = group
    if "scale" in questions and overall is not None:
        q = questions["scale"]
        data[q.key] = next(str(o.pk) for o in q.options if o.label == overall)
    if "matrix" in questions:
        q = questions["matrix"]
        rows = rows or {}
        for row in q.rows:
            label = rows.get(row.label, "满意")
            if label is None:
                continue
            data[q.row_field_name(row)] = next(
                str(o.pk) for o in q.options if o.label == label
            )
    data.update(extra)
    return data


@pytest.fixture
def logic_survey(make_survey, scale):
    """Three pages: who and how satisfied; why (only after 不满意), with a
    follow-up; the village (and, for party members only, party work)."""
    return make_survey(
        slug="logic",
        title="分页与条件测评",
        fields=[
            {
                "label": "您的身份",
                "field_type": "group",
                "choices": "党员\n群众",
            },
            {
                "label": "总体评价",
                "field_type": "scale",
                "scale": scale,
                "follow_up_options": "不满意",
                "follow_up_label": "请说明不满意的地方",
            },
            {
                "label": "主要原因",
                "field_type": "radio",
                "choices": "办事慢\n态度差",
                "other_option": True,
                "page_break": True,
                "page_title": "不满意的原因",
                "conditions": [
                    {"question": "总体评价", "op": "in", "values": ["不满意"]}
                ],
            },
            {
                "label": "村里的变化",
                "field_type": "scale",
                "scale": scale,
                "page_break": True,
            },
            {
                "label": "党建工作评价",
                "field_type": "scale",
                "scale": scale,
                "conditions": [
                    {"question": "您的身份", "op": "in", "values": ["党员"]}
                ],
            },
        ],
    )
