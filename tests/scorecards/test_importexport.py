"""The ballots kind: long and wide files, checks named by row and column,
rollback, page scope, CLI round trip."""

import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.fixtures.imports import (
    IMPORT_TEST_MARKS,
    csv_bytes,
    upload_check_import,
    xlsx_bytes,
)
from tests.fixtures.users import ENTER_BALLOTS, IMPORT_EXPORT
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

pytestmark = IMPORT_TEST_MARKS

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
    return upload_check_import(
        "ballots", data, page=page, name=name, skip_invalid=skip_invalid
    )


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


def two_villages_named_alike(home_page):
    """张三, and two villages both called 新村 (codes XC1, XC2)."""
    from wagtail_pilots.models import Unit
    from wagtail_pilots.scorecards.models import ScorecardSubject

    page = make_scorecard(
        home_page,
        subjects=["张三", "甲", "乙"],
        criteria=[("实绩", 100, 0, 100)],
        groups=[("考核组", 100, "scores", "mean", 0, 0, "")],
        slug="villages",
    )
    for placeholder, code in (("甲", "XC1"), ("乙", "XC2")):
        unit = Unit.objects.create(code=code, name="新村", kind="village")
        ScorecardSubject.objects.filter(page=page, name=placeholder).update(
            name="", unit=unit
        )
    return page


def test_subjects_with_the_same_name_are_told_apart_by_unit_code(home_page):
    from wagtail_pilots.scorecards.importexport import wide_export_table

    page = two_villages_named_alike(home_page)
    long = [LONG_HEADER, ["考核组", "E1", "新村", "实绩", 90]]
    batch = run(page, csv_bytes(long))
    assert batch.status == ImportBatch.Status.CHECKED
    [error] = batch.errors
    assert error["row"] == 2 and error["column"] == "评价对象/subject"
    assert error["message"] == (
        "“新村” names 2 subjects; write the unit code instead (XC1、XC2)."
    )
    wide = [["评价组", "评价人", "张三×实绩", "新村×实绩"], ["考核组", "E1", 80, 90]]
    batch = run(page, csv_bytes(wide), name="wide.csv")
    assert batch.status == ImportBatch.Status.FAILED
    assert [e["message"] for e in batch.errors] == [
        "“新村” names 2 subjects; write the unit code instead (XC1、XC2)."
    ]
    assert not Ballot.objects.exists()

    # Written by code, they import; the wide export names them by code too,
    # one column each, and imports again.
    rows = [["评价组", "评价人", "张三×实绩", "XC1×实绩", "XC2×实绩"]]
    rows.append(["考核组", "E1", 80, 90, 70])
    batch = run(page, csv_bytes(rows), name="codes.csv")
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    headers, lines = wide_export_table(page)
    assert headers[2:] == ["张三×实绩", "XC1×实绩", "XC2×实绩"]
    assert [list(line) for line in lines] == [["考核组", "E1", 80, 90, 70]]


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


def test_a_score_group_filling_a_vote_column_is_told_so(home_page):
    page = mixed(home_page)
    rows = [["评价组", "评价人", "甲×实绩", "甲"], ["考核组", "E1", 90, "同意"]]
    batch = run(page, csv_bytes(rows))
    assert batch.status == ImportBatch.Status.CHECKED
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (2, "甲", "This group gives scores, not votes.")
    ]
    assert not Ballot.objects.exists()


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
    assert by_row[6] == [
        ("分值/value", "Enter a number from 0 to 100. You entered “NaN”.")
    ]
    assert by_row[7] == [
        ("分值/value", "Enter a number from 0 to 100. You entered “Infinity”.")
    ]
    assert by_row[8] == [
        ("分值/value", "Enter a value from 0 to 100. You entered 101.")
    ]
    assert by_row[9] == [
        (
            "评价对象/subject",
            "This evaluator already scored “张三 × 实绩” in row 2 of this file.",
        )
    ]
    assert by_row[10] == [
        ("评价对象/subject", "This evaluator has already scored this subject here.")
    ]
    assert by_row[11] == [
        ("分值/value", "Enter a value from 0 to 100. You entered 1e999.")
    ]
    assert by_row[12] == [
        ("分值/value", "Enter a value from 0 to 100. You entered -1.")
    ]
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
            "message": "This evaluator is in group “领导” in row 2 of this file; "
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
def editor_of_a(page_editor, home_page):
    a = town(home_page, slug="a")
    b = town(home_page, slug="b")
    client = page_editor(
        a,
        "change",
        *IMPORT_EXPORT,
        *ENTER_BALLOTS,
    )
    return client, a, b


def test_editor_of_scorecard_a_gets_403_for_b(editor_of_a):
    client, a, b = editor_of_a
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


# -- in-file duplicates: both places are named ---------------------------------


def two_groups(parent, slug="two-groups"):
    """张三 and 李四 on 实绩 / 作风, scored by 领导 and 干部."""
    return make_scorecard(
        parent,
        subjects=["张三", "李四"],
        criteria=[("实绩", 60, 0, 100), ("作风", 40, 0, 100)],
        groups=[
            ("领导", 50, "scores", "mean", 0, 0, ""),
            ("干部", 50, "scores", "mean", 0, 0, ""),
        ],
        slug=slug,
    )


def errors_by_row(batch):
    found = {}
    for error in batch.errors:
        found.setdefault(error["row"], []).append((error["column"], error["message"]))
    return found


def test_long_file_duplicates_name_the_first_row(home_page):
    page = two_groups(home_page)
    # Row 3 is blank: rows keep the numbers the spreadsheet shows.
    data = (
        "评价组,评价人,评价对象,评价指标,分值\n"  # 1
        "领导,E1,张三,实绩,90\n"  # 2
        "\n"  # 3
        "领导,E2,张三,实绩,80\n"  # 4
        "领导,E1,张三,实绩,70\n"  # 5: second score of E1 for 张三 × 实绩
        "干部,E2,李四,作风,60\n"  # 6: E2 was in 领导 in row 4
    ).encode()
    batch = run(page, data)
    assert batch.status == ImportBatch.Status.CHECKED
    assert errors_by_row(batch) == {
        5: [
            (
                "评价对象",
                "This evaluator already scored “张三 × 实绩” in row 2 of this file.",
            )
        ],
        6: [
            (
                "评价人",
                "This evaluator is in group “领导” in row 4 of this file; an "
                "evaluator belongs to one group.",
            )
        ],
    }
    assert not Ballot.objects.exists()


def test_skipped_invalid_row_does_not_make_its_fix_a_duplicate(home_page):
    """With "skip invalid rows": row 2 is left out (one bad cell), so row 3,
    the corrected copy, is imported rather than refused as a duplicate of
    row 2's good cell."""
    page = town(home_page)
    rows = [
        ["评价组", "评价人", "张三×实绩", "张三×作风"],
        ["考核组", "E1", 90, "九十"],
        ["考核组", "E1", 90, 80],
    ]
    batch = run(page, csv_bytes(rows), skip_invalid=True)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert list(errors_by_row(batch)) == [2]
    assert sorted(Ballot.objects.values_list("criterion__name", "value")) == [
        ("作风", D(80)),
        ("实绩", D(90)),
    ]


def test_long_file_second_vote_names_the_first_row(home_page):
    page = structured(home_page)
    rows = [
        ["评价组", "评价人", "评价对象", "投票"],
        ["A层", "A1", "甲", "同意"],
        ["A层", "A1", "乙", "同意"],
        ["A层", "A1", "甲", "反对"],
    ]
    batch = run(page, csv_bytes(rows))
    assert errors_by_row(batch) == {
        4: [("评价对象", "This evaluator already voted on “甲” in row 2 of this file.")]
    }


def test_wide_file_duplicates_name_the_first_row_and_column(home_page):
    page = two_groups(home_page)
    rows = [
        ["评价组", "评价人", "张三×实绩", "李四×作风"],  # 1
        ["领导", "E1", 90, 70],  # 2
        [],  # 3: blank
        ["领导", "E1", 80, ""],  # 4: E1 scored 张三×实绩 in row 2
        ["干部", "E1", "", 60],  # 5: E1 is in 领导 (row 2)
        ["干部", "E2", "", 60],  # 6: fine
    ]
    batch = run(page, xlsx_bytes(rows), name="wide.xlsx")
    assert batch.status == ImportBatch.Status.CHECKED
    assert errors_by_row(batch) == {
        4: [
            (
                "张三×实绩",
                "This evaluator already scored “张三 × 实绩” in row 2, column "
                "“张三×实绩” of this file.",
            )
        ],
        5: [
            (
                "评价人",
                "This evaluator is in group “领导” in row 2 of this file; an "
                "evaluator belongs to one group.",
            )
        ],
    }
    assert batch.rows_invalid == 2 and batch.rows_total == 4


def test_wide_file_two_columns_for_one_ballot(home_page):
    page = two_groups(home_page)
    rows = [
        ["评价组", "评价人", "张三×实绩", "李四×作风", "张三 | 实绩"],
        ["领导", "E1", 90, 70, 85],
    ]
    batch = run(page, csv_bytes(rows))
    assert batch.errors == [
        {
            "row": 2,
            "column": "张三 | 实绩",
            "message": "This evaluator already scored “张三 × 实绩” in row 2, "
            "column “张三×实绩” of this file.",
        }
    ]


# -- the wide template and the wide export ----------------------------------------


def mixed(parent, slug="mixed"):
    """甲 and 乙 on 实绩 (0–100) and 作风 (0–10): 考核组 scores both, 领导
    only 实绩, 群众 votes."""
    return make_scorecard(
        parent,
        subjects=["甲", "乙"],
        criteria=[("实绩", 60, 0, 100), ("作风", 40, 0, 10)],
        groups=[
            ("考核组", 50, "scores", "mean", 0, 0, ""),
            ("领导", 20, "scores", "mean", 0, 0, "实绩"),
            ("群众", 30, "votes", "mean", 0, 0, ""),
        ],
        slug=slug,
    )


def template_lines(client, page=None, *, layout=None, fmt="csv"):
    url = reverse("wagtail_pilots_importexport:template", args=["ballots", fmt])
    query = {}
    if page is not None:
        query["page"] = page.pk
    if layout:
        query["layout"] = layout
    response = client.get(url, query)
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    if fmt == "xlsx":
        return response, data
    import csv

    return response, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


WIDE_HEADER = [
    "评价组/group",
    "评价人/evaluator",
    "甲×实绩",
    "甲×作风",
    "乙×实绩",
    "乙×作风",
    "甲",
    "乙",
]


def test_wide_template_is_built_from_the_scorecard(admin_client, home_page):
    page = mixed(home_page)
    response, lines = template_lines(admin_client, page, layout="wide")
    assert "template-ballots-mixed-wide.csv" in response["Content-Disposition"]
    assert lines == [
        WIDE_HEADER,
        # 9/10 of each criterion's range; 群众 votes on the subjects.
        ["考核组", "E01", "90", "9", "90", "9", "", ""],
        ["群众", "V01", "", "", "", "", "同意", "同意"],
    ]


def test_long_template_uses_the_scorecard_names(admin_client, home_page):
    page = mixed(home_page)
    _response, lines = template_lines(admin_client, page)
    assert lines == [
        [
            "评价组/group",
            "评价人/evaluator",
            "评价对象/subject",
            "评价指标/criterion",
            "分值/value",
            "投票/vote",
        ],
        ["考核组", "E01", "甲", "实绩", "90", ""],
        ["群众", "V01", "甲", "", "", "同意"],
    ]


def test_the_wide_template_imports_as_it_is(admin_client, home_page):
    """Its headers are exactly the ones the import accepts: filling in the
    template (here: its sample rows) imports."""
    page = mixed(home_page)
    _response, data = template_lines(admin_client, page, layout="wide", fmt="xlsx")
    batch = run(page, data, name="wide-template.xlsx")
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert batch.rows_new == 2
    stored = set(
        Ballot.objects.values_list(
            "group__name", "evaluator", "subject__name", "criterion__name", "value"
        )
    )
    assert stored == {
        ("考核组", "E01", "甲", "实绩", D("90")),
        ("考核组", "E01", "甲", "作风", D("9")),
        ("考核组", "E01", "乙", "实绩", D("90")),
        ("考核组", "E01", "乙", "作风", D("9")),
        ("群众", "V01", "甲", None, None),
        ("群众", "V01", "乙", None, None),
    }
    assert set(
        Ballot.objects.filter(evaluator="V01").values_list("vote", flat=True)
    ) == {"yes"}


def test_wide_template_without_a_page(admin_client):
    _response, lines = template_lines(admin_client, layout="wide")
    assert lines[0][:3] == ["评价组/group", "评价人/evaluator", "张三×工作实绩"]
    assert len(lines) == 2


def test_unknown_layout_is_404(admin_client, home_page):
    page = mixed(home_page)
    for name in ("template", "export"):
        url = reverse(f"wagtail_pilots_importexport:{name}", args=["ballots", "csv"])
        response = admin_client.get(url, {"page": page.pk, "layout": "tall"})
        assert response.status_code == 404, name


MIXED_LONG = [
    ["评价组", "评价人", "评价对象", "评价指标", "分值", "投票"],
    ["考核组", "E1", "甲", "实绩", 90, ""],
    ["考核组", "E1", "甲", "作风", 8.5, ""],
    ["考核组", "E1", "乙", "实绩", 50, ""],
    ["领导", "L1", "乙", "实绩", 70, ""],
    ["群众", "V1", "甲", "", "", "同意"],
    ["群众", "V1", "乙", "", "", "弃权"],
    ["群众", "V2", "乙", "", "", "反对"],
]


def stored_ballots():
    return set(
        Ballot.objects.values_list(
            "group__name",
            "evaluator",
            "subject__name",
            "criterion__name",
            "value",
            "vote",
        )
    )


def test_wide_export_has_one_row_per_evaluator_and_imports_again(
    admin_client, home_page
):
    page = mixed(home_page)
    assert run(page, csv_bytes(MIXED_LONG)).status == ImportBatch.Status.DONE
    before = stored_ballots()
    url = reverse("wagtail_pilots_importexport:export", args=["ballots", "csv"])
    response = admin_client.get(url, {"page": page.pk, "layout": "wide"})
    assert response.status_code == 200
    assert "ballots-mixed-wide.csv" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    import csv

    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines == [
        WIDE_HEADER,
        ["考核组", "E1", "90", "8.5", "50", "", "", ""],
        ["领导", "L1", "", "", "70", "", "", ""],
        ["群众", "V1", "", "", "", "", "yes", "abstain"],
        ["群众", "V2", "", "", "", "", "", "no"],
    ]
    Ballot.objects.all().delete()
    batch = run(page, data, name="wide-export.csv")
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert stored_ballots() == before


def test_wide_export_keeps_ballots_outside_the_current_columns(home_page):
    """A criterion a group no longer scores still shows (in a column of its own)."""
    from wagtail_pilots.importexport.services import export_table

    page = mixed(home_page)
    run(page, csv_bytes(MIXED_LONG))
    page.groups.filter(name="考核组").update(criteria_scored="实绩")
    kind = get_kind("ballots")
    headers, rows = export_table(kind=kind, page=page, layout=kind.get_layout("wide"))
    assert headers[2:] == ["甲×实绩", "乙×实绩", "甲", "乙", "甲×作风"]
    assert ["考核组", "E1", 90, 50, None, None, D("8.5")] in list(rows)


def test_wide_export_queries_do_not_grow_with_the_ballots(home_page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wagtail_pilots.importexport.services import export_table

    page = mixed(home_page)
    kind = get_kind("ballots")
    wide = kind.get_layout("wide")

    def export():
        with CaptureQueriesContext(connection) as queries:
            _headers, rows = export_table(kind=kind, page=page, layout=wide)
            rows = list(rows)
        return len(rows), len(queries)

    run(page, csv_bytes(MIXED_LONG))
    few_rows, few_queries = export()
    more = [MIXED_LONG[0]] + [
        ["考核组", f"E{n}", "甲", "实绩", n] for n in range(10, 60)
    ]
    run(page, csv_bytes(more), name="more.csv")
    many_rows, many_queries = export()
    assert (few_rows, many_rows) == (4, 54)
    assert many_queries == few_queries


def test_cli_wide_export_round_trip(home_page, tmp_path):
    page = mixed(home_page)
    run(page, csv_bytes(MIXED_LONG))
    before = stored_ballots()
    out = tmp_path / "wide.xlsx"
    call_command(
        "pilots_export",
        "ballots",
        "--page",
        page.slug,
        "--layout",
        "wide",
        "--format",
        "xlsx",
        "-o",
        str(out),
    )
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    assert [c.value for c in next(sheet.iter_rows())] == WIDE_HEADER
    Ballot.objects.all().delete()
    call_command(
        "pilots_import",
        "ballots",
        str(out),
        "--page",
        str(page.pk),
        stdout=io.StringIO(),
    )
    assert stored_ballots() == before


def test_cli_unknown_layout(home_page):
    page = mixed(home_page)
    with pytest.raises(CommandError) as error:
        call_command("pilots_export", "ballots", "--page", page.slug, "--layout", "x")
    assert "long (one row per ballot), wide (one row per evaluator)" in str(error.value)


def test_page_header_offers_both_layouts(admin_client, home_page, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the site's language (tests/scorecards: en)
    page = mixed(home_page)
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    content = response.content.decode()
    for attr in (
        'data-pilots-template="ballots"',
        'data-pilots-template="ballots-wide"',
        'data-pilots-export="ballots-xlsx"',
        'data-pilots-export="ballots-wide-xlsx"',
        'data-pilots-export="ballots-wide-csv"',
    ):
        assert attr in content, attr
    # The admin speaks Chinese here: the entries say what a row is.
    assert "下载选票导入模板（每位评价人一行）" in content
    assert "下载选票导入模板（每张选票一行）" in content
    assert "layout=wide" in content


def test_import_page_links_both_templates(admin_client, home_page):
    page = mixed(home_page)
    url = reverse("wagtail_pilots_importexport:import", args=["ballots"])
    content = admin_client.get(url, {"page": page.pk}).content.decode()
    template = reverse("wagtail_pilots_importexport:template", args=["ballots", "csv"])
    assert f"{template}?page={page.pk}&amp;layout=wide" in content
    assert f'{template}?page={page.pk}"' in content


def test_wide_upload_in_the_admin_previews_and_names_rows(admin_client, home_page):
    """Upload → preview → confirm of a wide file through the admin views: the
    preview shows the file's own headers, errors name row and column."""
    page = two_groups(home_page, slug="admin-wide")
    url = reverse("wagtail_pilots_importexport:import", args=["ballots"])
    rows = [
        ["评价组/group", "评价人/evaluator", "张三×实绩", "李四×作风"],
        ["领导", "E1", 90, 70],
        ["领导", "E1", 80, ""],
    ]
    response = admin_client.post(
        f"{url}?page={page.pk}",
        {"file": SimpleUploadedFile("wide.csv", csv_bytes(rows)), "page": page.pk},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    content = admin_client.get(response["Location"]).content.decode()
    assert "<th>张三×实绩</th><th>李四×作风</th>" in content
    assert "<td>3</td><td>张三×实绩</td>" in content
    assert batch.rows_invalid == 1 and not Ballot.objects.exists()
