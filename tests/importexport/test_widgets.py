"""The one date parser of the imports: the pilots kinds (``DateWidget``) and the
survey responses kind (``parse_day``) accept the same dates and refuse the same
text (docs/importexport.md, "Dates, numbers and choices in cells")."""

import datetime

import pytest
from django.utils import timezone

from tests.fixtures.imports import csv_bytes, upload_check_import
from wagtail_pilots.importexport.widgets import DateWidget, parse_date_cell
from wagtail_pilots.surveys.importexport import parse_day

JUNE_5 = datetime.date(2026, 6, 5)

ACCEPTED = [
    "2026-06-05",
    "2026-6-5",
    "2026/6/5",
    "2026/06/05",
    "2026.6.5",
    "2026年6月5日",
    "2026年6月5",
    "2026 年 6 月 5 日",
    " 2026-06-05 ",
    "20260605",
    20260605,
    20260605.0,
    "2026/6/5 10:21:33",
    "2026-06-05 10:21",
    "2026-06-05T10:21:33+08:00",
    "2026-06-05T10:21:33Z",
    datetime.date(2026, 6, 5),
    datetime.datetime(2026, 6, 5, 10, 21),
]

REFUSED = [
    "5/6/2026",
    "June 5, 2026",
    "2026-13-01",
    "2026-02-30",
    "2026-06",
    "2026060",
    "2026-06-05xyz",
    "2026-06-05 morning",
    "明天",
]


@pytest.mark.parametrize("value", ACCEPTED, ids=repr)
def test_pilots_and_responses_accept_the_same_dates(value):
    assert DateWidget().clean(value) == JUNE_5
    assert parse_day(value) == JUNE_5


@pytest.mark.parametrize("value", REFUSED, ids=repr)
def test_pilots_and_responses_refuse_the_same_text_with_one_message(value):
    expected = f"“{str(value).strip()}” is not a date (write it as 2026-06-05)."
    with pytest.raises(ValueError) as pilots:
        DateWidget().clean(value)
    with pytest.raises(ValueError) as responses:
        parse_day(value)
    assert str(pilots.value) == str(responses.value) == expected


def test_a_blank_date_is_empty_required_or_today():
    assert parse_date_cell("") is None and parse_date_cell(None) is None
    assert DateWidget().clean("  ") is None
    with pytest.raises(ValueError, match="Enter a date."):
        DateWidget(required=True).clean("")
    assert parse_day("") == timezone.localdate()


@pytest.mark.django_db
def test_a_bad_response_date_is_named_by_row_and_column(make_survey):
    survey = make_survey()
    header = ["您的身份", "总体评价", "村委会评价 - 石桥村", "村委会评价 - 红山村"]
    header += ["村委会评价 - 龙口村", "意见建议", "填写日期"]
    answers = ["党员", "满意", "满意", "基本满意", "不满意", "无"]
    data = [header, [*answers, "2026-06-05"], [*answers, "2026/02/30"]]
    batch = upload_check_import("responses", csv_bytes(data), page=survey, force=True)
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (3, "填写日期", "“2026/02/30” is not a date (write it as 2026-06-05).")
    ]
