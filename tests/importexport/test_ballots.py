"""The ballots kind: long and wide files, checks named by row and column,
rollback, page scope, CLI round trip."""

import io
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from wagtail.models import GroupPagePermission

from tests.scorecards.helpers import make_scorecard, structured
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import (
    batch_check,
    batch_import,
    batch_rollback,
    batch_upload,
)
from wagtail_pilots.scorecards.models import CHANNEL_IMPORT, Ballot
from wagtail_pilots.scorecards.selectors import scorecard_result
from wagtail_pilots.scorecards.services import ballot_enter

from .conftest import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

LONG_HEADER = [
    "评价组/group",
    "评价人/evaluator",
    "评价对象/subject",
    "评价指标/criterion",
    "分值/value",
]


def town(parent, slug="kaohe"):
    """Two subjects, 实绩 60 % / 作风 40 % on 0–100, one committee (mean)."""
    return make_scorecard(
        parent,
        subjects=["张三", "李四"],
        criteria=[("实绩", 60, 0, 100), ("作风", 40, 0, 100)],
        groups=[("考核组", 100, "scores", "mean", 0, 0, "")],
        slug=slug,
    )


def totals(page):
    _loaded, result = scorecard_result(scorecard=page)
    return {r.subject.name: r.total for r in result.subjects}


def run(page, data, *, name="b.csv", skip_invalid=False):
    kind = get_kind("ballots")
    batch = batch_upload(
        kind=kind, file_name=name, data=data, page=page, skip_invalid=skip_invalid
    )
    batch = batch_check(batch=batch)
    if batch.status == ImportBatch.Status.CHECKED and (
        not batch.rows_invalid or skip_invalid
    ):
        batch = batch_import(batch=batch)
    return batch


LONG_ROWS = [
    LONG_HEADER,
    ["考核组", "E1", "张三", "实绩", 90],
    ["考核组", "E1", "张三", "作风", 80],
    ["考核组", "E2", "张三", "实绩", 70],
    ["考核组", "E2", "张三", "作风", 60],
    ["考核组", "E1", "李四", "实绩", 50],
    ["考核组", "E1", "李四", "作风", 100],
]


def test_long_file_imports_and_changes_the_result(home_page):
    page = town(home_page)
    batch = run(page, csv_bytes(LONG_ROWS))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert batch.rows_new == 6
    assert (
        Ballot.objects.filter(import_batch=batch, channel=CHANNEL_IMPORT).count() == 6
    )
    result = totals(page)
    # 张三: 实绩 mean 80 × 60 % + 作风 mean 70 × 40 % = 48 + 28 = 76
    assert result["张三"] == D("76")
    # 李四: 50 × 60 % + 100 × 40 % = 30 + 40 = 70
    assert result["李四"] == D("70")


def test_wide_file_imports_the_same_result(home_page):
    page = town(home_page)
    rows = [
        ["评价组", "评价人", "张三×实绩", "张三×作风", "李四 | 实绩", "李四/作风"],
        ["考核组", "E1", 90, 80, 50, 100],
        ["考核组", "E2", 70, 60, "", ""],
    ]
    batch = run(page, xlsx_bytes(rows), name="wide.xlsx")
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert batch.rows_new == 2
    assert Ballot.objects.filter(import_batch=batch).count() == 6
    assert totals(page) == {"张三": D("76"), "李四": D("70")}


def test_wide_vote_columns(home_page):
    page = structured(home_page, subjects=["甲", "乙"])
    rows = [
        ["评价组", "评价人", "甲", "乙×投票"],
        ["A层", "A1", "同意", "yes"],
        ["A层", "A2", "是", "反对"],
    ]
    batch = run(page, csv_bytes(rows))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    votes = dict(
        Ballot.objects.filter(evaluator="A2").values_list("subject__name", "vote")
    )
    assert votes == {"甲": "yes", "乙": "no"}


def test_bad_rows_are_named_and_nothing_is_written(home_page):
    page = town(home_page)
    ballot_enter(
        scorecard=page,
        group=page.groups.get(),
        evaluator="OLD",
        subject=page.subjects.get(name="张三"),
        criterion=page.criteria.get(name="实绩"),
        value=D("10"),
    )
    rows = [
        LONG_HEADER,
        ["考核组", "E1", "张三", "实绩", 90],  # 2 ok
        ["考核组", "E1", "王五", "实绩", 90],  # 3 unknown subject
        ["考核组", "E1", "张三", "纪律", 90],  # 4 unknown criterion
        ["评审组", "E1", "张三", "作风", 90],  # 5 unknown group
        ["考核组", "E1", "李四", "实绩", "NaN"],  # 6
        ["考核组", "E1", "李四", "作风", "Infinity"],  # 7
        ["考核组", "E3", "李四", "作风", 101],  # 8 out of range
        ["考核组", "E1", "张三", "实绩", 80],  # 9 twice in the file
        ["考核组", "OLD", "张三", "实绩", 80],  # 10 twice with the database
        ["考核组", "E4", "李四", "作风", "1e999"],  # 11
        ["考核组", "E4", "李四", "实绩", "-1"],  # 12
    ]
    batch = run(page, csv_bytes(rows))
    assert batch.status == ImportBatch.Status.CHECKED
    by_row = {}
    for error in batch.errors:
        by_row.setdefault(error["row"], []).append((error["column"], error["message"]))
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
    assert by_row[3][0][0] == "评价对象/subject"
    assert "Unknown subject “王五”" in by_row[3][0][1]
    assert by_row[4][0] == (
        "评价指标/criterion",
        "Unknown criterion “纪律”; criteria: 实绩、作风.",
    )
    assert by_row[5][0][0] == "评价组/group"
    assert by_row[6] == [("分值/value", "Enter a finite number.")]
    assert by_row[7] == [("分值/value", "Enter a finite number.")]
    assert by_row[8] == [("分值/value", "Enter a value from 0 to 100.")]
    assert "earlier in this file" in by_row[9][0][1]
    assert by_row[10] == [
        ("评价对象/subject", "This evaluator has already scored this subject here.")
    ]
    assert by_row[11] == [("分值/value", "Enter a value from 0 to 100.")]
    assert by_row[12] == [("分值/value", "Enter a value from 0 to 100.")]
    assert Ballot.objects.count() == 1


def test_evaluator_in_two_groups(home_page):
    page = make_scorecard(
        home_page,
        subjects=["张三"],
        criteria=[("实绩", 100, 0, 100)],
        groups=[
            ("领导", 50, "scores", "mean", 0, 0, ""),
            ("干部", 50, "scores", "mean", 0, 0, ""),
        ],
        slug="two",
    )
    rows = [
        ["评价组", "评价人", "张三×实绩"],
        ["领导", "E1", 90],
        ["干部", "E1", 80],
    ]
    batch = run(page, csv_bytes(rows))
    assert batch.errors == [
        {
            "row": 3,
            "column": "评价人",
            "message": "This evaluator is in group “领导” earlier in this file; "
            "an evaluator belongs to one group.",
        }
    ]


def test_skip_invalid_keeps_the_good_rows(home_page):
    page = town(home_page)
    rows = [*LONG_ROWS, ["考核组", "E9", "张三", "实绩", "abc"]]
    batch = run(page, csv_bytes(rows), skip_invalid=True)
    assert batch.status == ImportBatch.Status.DONE
    assert Ballot.objects.count() == 6
    assert batch.rejected["rows"][0][0] == 8


def test_unknown_wide_columns_are_listed(home_page):
    page = town(home_page)
    rows = [["评价组", "评价人", "张三×实绩", "赵六×实绩"], ["考核组", "E1", 1, 2]]
    batch = run(page, csv_bytes(rows))
    assert batch.status == ImportBatch.Status.FAILED
    assert "赵六×实绩" in batch.errors[0]["message"]
    assert "张三×实绩" not in batch.errors[0]["message"].split(".")[0]


def test_rollback_removes_the_batch_ballots(home_page):
    page = town(home_page)
    ballot_enter(
        scorecard=page,
        group=page.groups.get(),
        evaluator="KEEP",
        subject=page.subjects.get(name="李四"),
        criterion=page.criteria.get(name="实绩"),
        value=D("10"),
    )
    batch = run(page, csv_bytes(LONG_ROWS))
    assert Ballot.objects.count() == 7
    batch_rollback(batch=batch)
    assert list(Ballot.objects.values_list("evaluator", flat=True)) == ["KEEP"]


@pytest.fixture
def editor_of_a(make_editor, home_page):
    a = town(home_page, slug="a")
    b = town(home_page, slug="b")
    group = Group.objects.create(name="考核甲编辑")
    GroupPagePermission.objects.create(
        group=group, page=a, permission=Permission.objects.get(codename="change_page")
    )
    user = make_editor(
        "wagtail_pilots_importexport.import_data",
        "wagtail_pilots_importexport.export_data",
        "wagtail_pilots_scorecards.add_ballot",
        "wagtail_pilots_scorecards.change_ballot",
        "wagtail_pilots_scorecards.view_ballot",
        groups=[group.name],
    )
    return user, a, b


def test_editor_of_scorecard_a_gets_403_for_b(client, editor_of_a):
    user, a, b = editor_of_a
    client.force_login(user)
    imp = reverse("wagtail_pilots_importexport:import", args=["ballots"])
    exp = reverse("wagtail_pilots_importexport:export", args=["ballots", "csv"])
    assert client.get(f"{imp}?page={a.pk}").status_code == 200
    assert client.get(f"{exp}?page={a.pk}").status_code == 200
    assert client.get(f"{imp}?page={b.pk}").status_code == 403
    assert client.get(f"{exp}?page={b.pk}").status_code == 403
    response = client.post(
        f"{imp}?page={b.pk}",
        {"file": SimpleUploadedFile("b.csv", csv_bytes(LONG_ROWS))},
    )
    assert response.status_code == 403
    assert not Ballot.objects.exists()


def test_anonymous_is_sent_to_login(client, home_page):
    page = town(home_page)
    url = reverse("wagtail_pilots_importexport:import", args=["ballots"])
    response = client.get(f"{url}?page={page.pk}")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_page_header_has_the_ballot_buttons(admin_client, home_page):
    page = town(home_page)
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    content = response.content.decode()
    assert 'data-pilots-import="ballots"' in content
    assert 'data-pilots-export="scorecard-results-xlsx"' in content
    assert 'data-pilots-export="scorecard-codes-csv"' in content


def test_cli_round_trip(home_page, tmp_path):
    page = town(home_page)
    run(page, csv_bytes(LONG_ROWS))
    before = totals(page)
    out = tmp_path / "ballots.csv"
    call_command("pilots_export", "ballots", "--page", str(page.pk), "-o", str(out))
    Ballot.objects.all().delete()
    stdout = io.StringIO()
    call_command(
        "pilots_import", "ballots", str(out), "--page", page.slug, stdout=stdout
    )
    assert Ballot.objects.count() == 6
    assert totals(page) == before == {"张三": D("76"), "李四": D("70")}


def test_cli_refuses_a_bad_file(home_page, tmp_path):
    page = town(home_page)
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([LONG_HEADER, ["考核组", "E1", "张三", "实绩", 900]]))
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "pilots_import", "ballots", str(path), "--page", str(page.pk), stderr=stderr
        )
    assert "row 2, column 分值/value" in stderr.getvalue()
    assert not Ballot.objects.exists()


def test_a_race_with_another_writer_imports_nothing(home_page, monkeypatch):
    from django.db import IntegrityError

    page = town(home_page)
    kind = get_kind("ballots")
    batch = batch_check(
        batch=batch_upload(
            kind=kind, file_name="b.csv", data=csv_bytes(LONG_ROWS), page=page
        )
    )
    assert batch.status == ImportBatch.Status.CHECKED

    def refuse(*args, **kwargs):
        raise IntegrityError("duplicate")

    monkeypatch.setattr(Ballot.objects, "bulk_create", refuse)
    batch = batch_import(batch=batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert "stored meanwhile" in batch.errors[0]["message"]
    assert not Ballot.objects.exists()
