"""Import/export kinds of scorecards (registered in ``wagtail_hooks.py``).

- **ballots** (page-scoped, import and export): *long* format, one ballot per
  row (group, evaluator, subject, criterion, value or vote), or *wide* format,
  one row per evaluator with the group and one column per subject × criterion
  (``张三×工作实绩``; a vote group's column is the subject alone). The format is
  detected from the headers. Every ballot gets the checks of
  :func:`.services.ballot_enter` (plus the file's own duplicates), errors are
  named by row and column, valid ballots are bulk-created with
  ``import_batch`` set so that a rollback removes them.
- **scorecard-results** (export only): the ranked table with its breakdown,
  built from :func:`.selectors.scorecard_result` and
  :func:`.presentation.export_rows` — nothing is computed here.
- **scorecard-codes** (export only): the evaluator access codes, for printing.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import Error, Result, RowResult

from wagtail_pilots.codes import format_code
from wagtail_pilots.importexport.registry import (
    Column,
    ImportExportKind,
    normalise_header,
)
from wagtail_pilots.importexport.resources import PROGRESS_EVERY, BatchResourceMixin

from . import presentation, scoring
from .models import (
    CHANNEL_IMPORT,
    VOTE_ABSTAIN,
    VOTE_NO,
    VOTE_YES,
    AccessCode,
    Ballot,
    ScorecardPage,
)

# Separators accepted between subject and criterion in a wide header.
WIDE_SEPARATORS = "×xX*|｜/·:："
_WIDE_SPLIT = re.compile(r"[×|｜/·:：]")
LONG_ONLY = ("subject", "criterion", "value", "vote")
VOTE_WORDS = {
    VOTE_YES: ("yes", "y", "是", "同意", "赞成", "称职", "赞同"),
    VOTE_NO: ("no", "n", "否", "不同意", "反对", "不称职"),
    VOTE_ABSTAIN: ("abstain", "弃权", "abstention"),
}


def _key(text) -> str:
    """A header or name compared without case, spaces or separators."""
    return re.sub(r"[×|｜/·:：]+", "", normalise_header(text))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_vote(value) -> str | None:
    key = normalise_header(_text(value))
    for vote, words in VOTE_WORDS.items():
        if key in {normalise_header(w) for w in words}:
            return vote
    return None


class _Names:
    """The scorecard's groups, subjects and criteria, looked up by name."""

    def __init__(self, scorecard):
        self.scorecard = scorecard
        config = scorecard.get_scoring_config()
        self.scored = {g.key: set(g.criteria) for g in config.groups}
        self.groups = list(scorecard.groups.all())
        self.subjects = list(scorecard.subjects.select_related("unit"))
        self.criteria = list(scorecard.criteria.all())
        self.group_by_key = {_key(g.name): g for g in self.groups}
        self.criterion_by_key = {_key(c.name): c for c in self.criteria}
        self.subject_by_key = {}
        for subject in self.subjects:
            for name in (
                subject.display_name,
                subject.unit.code if subject.unit_id else "",
            ):
                if name:
                    self.subject_by_key.setdefault(_key(name), subject)
        self.wide = {}
        for subject in self.subjects:
            names = [subject.display_name]
            if subject.unit_id:
                names.append(subject.unit.code)
            for name in names:
                for word in ("", "投票", "vote"):
                    self.wide.setdefault(_key(name) + _key(word), (subject, None))
                for criterion in self.criteria:
                    self.wide.setdefault(
                        _key(name) + _key(criterion.name), (subject, criterion)
                    )

    def group_list(self):
        return "、".join(g.name for g in self.groups)

    def subject_list(self):
        return "、".join(s.display_name for s in self.subjects)

    def criterion_list(self):
        return "、".join(c.name for c in self.criteria)


class _SubjectWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return value.display_name if value is not None else ""


class _NumberWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        number = Decimal(value).normalize()
        return int(number) if number == number.to_integral_value() else number


class BallotResource(BatchResourceMixin, resources.ModelResource):
    """Ballots of one scorecard (``self.page``); see the module docstring.

    Exports use the declared fields; imports replace django-import-export's
    row-by-row loop (``import_data_inner``) with checks over the whole file and
    one ``bulk_create``, but return a regular ``Result`` (rows, invalid rows
    with their fields, totals) that the machinery reports as usual.
    """

    group = fields.Field(attribute="group__name", column_name="group")
    evaluator = fields.Field(attribute="evaluator", column_name="evaluator")
    subject = fields.Field(
        attribute="subject", column_name="subject", widget=_SubjectWidget()
    )
    criterion = fields.Field(attribute="criterion__name", column_name="criterion")
    value = fields.Field(attribute="value", column_name="value", widget=_NumberWidget())
    vote = fields.Field(attribute="vote", column_name="vote")

    class Meta:
        model = Ballot
        fields = ("group", "evaluator", "subject", "criterion", "value", "vote")
        use_bulk = True

    # -- import -------------------------------------------------------------

    def import_data_inner(
        self,
        dataset,
        dry_run,
        raise_errors,
        using_transactions,
        collect_failed_rows,
        **kwargs,
    ):
        result = Result()
        result.diff_headers = list(dataset.headers)
        result.total_rows = len(dataset)
        scorecard = ScorecardPage.objects.get(pk=self.page.pk)
        names = _Names(scorecard)
        headers = list(dataset.headers)
        extra = [h for h in headers if h not in ("group", "evaluator", *LONG_ONLY)]
        if "subject" in headers:
            if extra:
                result.append_base_error(
                    Error(
                        ValueError(
                            _(
                                "Unknown column(s): %(columns)s. A file with a "
                                "subject column has one ballot per row."
                            )
                            % {"columns": ", ".join(extra)}
                        )
                    )
                )
                return result
            columns = None
        else:
            columns, unknown = {}, []
            for header in extra:
                found = names.wide.get(_key(header))
                if found is None:
                    unknown.append(header)
                else:
                    columns[header] = found
            if unknown or not columns:
                result.append_base_error(
                    Error(
                        ValueError(
                            _(
                                "Unknown column(s): %(columns)s. Give one ballot "
                                "per row (columns subject, criterion, value or "
                                "vote), or one column per subject × criterion "
                                "such as “%(example)s” (subjects: %(subjects)s; "
                                "criteria: %(criteria)s)."
                            )
                            % {
                                "columns": ", ".join(unknown) or "—",
                                "example": self._wide_example(names),
                                "subjects": names.subject_list(),
                                "criteria": names.criterion_list(),
                            }
                        )
                    )
                )
                return result
        evaluators = {
            _text(v) for v in dataset.get_col(headers.index("evaluator")) if _text(v)
        }
        # What is already stored for the evaluators of this file.
        existing_group = dict(
            Ballot.objects.filter(scorecard=scorecard)
            .values_list("evaluator", "group_id")
            .distinct()
        )
        taken = set()
        evaluator_list = sorted(evaluators)
        for start in range(0, len(evaluator_list), 500):
            taken.update(
                Ballot.objects.filter(
                    scorecard=scorecard,
                    evaluator__in=evaluator_list[start : start + 500],
                ).values_list("evaluator", "subject_id", "criterion_id")
            )
        seen_cells = set()
        file_group = {}
        to_create = []
        for number, values in enumerate(dataset, 1):
            if self.progress is not None and number % PROGRESS_EVERY == 0:
                self.progress(number)
            row = OrderedDict(zip(headers, values, strict=False))
            errors, ballots = self._check_row(
                row,
                number,
                names,
                columns,
                existing_group,
                taken,
                seen_cells,
                file_group,
            )
            row_result = RowResult()
            if errors:
                row_result.import_type = RowResult.IMPORT_TYPE_INVALID
                row_result.validation_error = ValidationError(errors)
                result.append_invalid_row(number, row, row_result.validation_error)
            else:
                row_result.import_type = RowResult.IMPORT_TYPE_NEW
                to_create.extend(ballots)
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
        if not dry_run and to_create:
            for ballot in to_create:
                ballot.scorecard = scorecard
                ballot.channel = CHANNEL_IMPORT
                ballot.import_batch = self.batch
            try:
                with transaction.atomic():
                    Ballot.objects.bulk_create(to_create, batch_size=1000)
            except IntegrityError:
                # Ballots stored meanwhile (another import, an online ballot):
                # the database refused a duplicate; nothing of this file is kept.
                result.append_base_error(
                    Error(
                        ValueError(
                            _(
                                "Some of these ballots were stored meanwhile by "
                                "someone else; nothing was imported. Check the "
                                "file again."
                            )
                        )
                    )
                )
        self.after_import(dataset, result, dry_run=dry_run, **kwargs)
        return result

    @staticmethod
    def _wide_example(names):
        subject = names.subjects[0].display_name if names.subjects else "张三"
        criterion = names.criteria[0].name if names.criteria else "工作实绩"
        return f"{subject}×{criterion}"

    def _check_row(
        self, row, number, names, columns, existing_group, taken, seen, file_group
    ):
        errors = {}
        evaluator = _text(row.get("evaluator"))
        if not evaluator:
            errors["evaluator"] = [_("Enter the evaluator's anonymous id.")]
        group = None
        group_text = _text(row.get("group"))
        if not group_text:
            errors["group"] = [_("Enter the evaluator group.")]
        else:
            group = names.group_by_key.get(_key(group_text))
            if group is None:
                errors["group"] = [
                    _("Unknown evaluator group “%(name)s”; groups: %(groups)s.")
                    % {"name": group_text, "groups": names.group_list()}
                ]
        if evaluator and group is not None:
            other = existing_group.get(evaluator)
            first = file_group.setdefault(evaluator, group)
            if other is not None and other != group.pk:
                errors["evaluator"] = [
                    _("This evaluator already belongs to another group.")
                ]
            elif first.pk != group.pk:
                errors["evaluator"] = [
                    _(
                        "This evaluator is in group “%(group)s” earlier in this "
                        "file; an evaluator belongs to one group."
                    )
                    % {"group": first.name}
                ]
        if columns is None:
            cells = [("long", row.get("subject"), row.get("criterion"))]
        else:
            cells = [
                (header, subject, criterion)
                for header, (subject, criterion) in columns.items()
                if not _blank(row.get(header))
            ]
            if not cells:
                errors.setdefault("__all__", []).append(
                    _("This row has no score or vote.")
                )
        ballots = []
        for header, subject_raw, criterion_raw in cells:
            ballot = self._check_cell(
                row, header, subject_raw, criterion_raw, names, group, errors
            )
            if ballot is None or "evaluator" in errors:
                continue
            cell = (evaluator, ballot.subject.pk, ballot.criterion_id)
            field = "subject" if header == "long" else header
            if cell in taken:
                errors.setdefault(field, []).append(
                    _("This evaluator has already scored this subject here.")
                )
            elif cell in seen:
                errors.setdefault(field, []).append(
                    _(
                        "This evaluator already scored this subject earlier in "
                        "this file."
                    )
                )
            else:
                seen.add(cell)
                ballot.evaluator = evaluator
                ballots.append(ballot)
        return errors, ballots

    def _check_cell(
        self, row, header, subject_raw, criterion_raw, names, group, errors
    ):
        """One ballot of a row, or None (errors added under the column's name)."""
        long = header == "long"
        if long:
            subject_text = _text(subject_raw)
            subject = names.subject_by_key.get(_key(subject_text))
            if not subject_text:
                errors.setdefault("subject", []).append(_("Enter the subject."))
            elif subject is None:
                errors.setdefault("subject", []).append(
                    _("Unknown subject “%(name)s”; subjects: %(subjects)s.")
                    % {"name": subject_text, "subjects": names.subject_list()}
                )
            criterion_text = _text(criterion_raw)
            criterion = (
                names.criterion_by_key.get(_key(criterion_text))
                if criterion_text
                else None
            )
            if criterion_text and criterion is None:
                errors.setdefault("criterion", []).append(
                    _("Unknown criterion “%(name)s”; criteria: %(criteria)s.")
                    % {"name": criterion_text, "criteria": names.criterion_list()}
                )
                return None
            value_field, vote_field = "value", "vote"
            raw_value, raw_vote = row.get("value"), row.get("vote")
        else:
            subject, criterion = subject_raw, criterion_raw
            value_field = vote_field = header
            raw = row.get(header)
            raw_value, raw_vote = (raw, None) if criterion is not None else (None, raw)
        if group is None or subject is None:
            return None
        if group.kind == scoring.KIND_VOTES:
            if criterion is not None:
                errors.setdefault("criterion" if long else header, []).append(
                    _("A vote group votes on subjects, not criteria.")
                )
                return None
            if _blank(raw_vote) and long:
                raw_vote = raw_value
            vote = parse_vote(raw_vote)
            if vote is None:
                errors.setdefault(vote_field, []).append(
                    _("Choose yes, no or abstain.")
                )
                return None
            return Ballot(group=group, subject=subject, criterion=None, vote=vote)
        if long and not _blank(raw_vote):
            errors.setdefault("vote", []).append(
                _("This group gives scores, not votes.")
            )
            return None
        if criterion is None:
            errors.setdefault("criterion" if long else header, []).append(
                _("Choose a criterion of this scorecard.")
            )
            return None
        if criterion.pk not in names.scored.get(group.pk, ()):
            errors.setdefault("criterion" if long else header, []).append(
                _("This group does not score this criterion.")
            )
            return None
        if _blank(raw_value):
            errors.setdefault(value_field, []).append(_("Enter a finite number."))
            return None
        try:
            number = scoring.to_decimal(
                raw_value.strip() if isinstance(raw_value, str) else raw_value
            )
        except scoring.ScoringInputError:
            errors.setdefault(value_field, []).append(_("Enter a finite number."))
            return None
        if number < criterion.minimum or number > criterion.maximum:
            errors.setdefault(value_field, []).append(
                _("Enter a value from %(min)s to %(max)s.")
                % {
                    "min": f"{criterion.minimum.normalize():f}",
                    "max": f"{criterion.maximum.normalize():f}",
                }
            )
            return None
        if number != number.quantize(Decimal("0.0001")):
            errors.setdefault(value_field, []).append(
                _("Use at most 4 decimal places.")
            )
            return None
        return Ballot(group=group, subject=subject, criterion=criterion, value=number)


class BallotsKind(ImportExportKind):
    name = "ballots"
    label = gettext_lazy("ballots")
    resource_class = BallotResource
    models = (Ballot,)
    page_model = ScorecardPage
    columns = (
        Column(
            "group",
            en="group",
            zh="评价组",
            required=True,
            aliases=("评价组别", "组别", "evaluator group"),
            sample="班子成员",
        ),
        Column(
            "evaluator",
            en="evaluator",
            zh="评价人",
            required=True,
            aliases=("评价人编号", "评分人"),
            sample="E01",
        ),
        Column(
            "subject",
            en="subject",
            zh="评价对象",
            aliases=("对象", "被评价对象"),
            sample="张三",
        ),
        Column(
            "criterion",
            en="criterion",
            zh="评价指标",
            aliases=("指标",),
            sample="工作实绩",
        ),
        Column("value", en="value", zh="分值", aliases=("得分", "分数"), sample=90),
        Column("vote", en="vote", zh="投票", aliases=("表决",), sample=""),
    )
    sample_rows = (("群众代表", "V01", "张三", "", "", "同意"),)

    def match_header(self, header):
        text = str(header or "").strip()
        if normalise_header(text) in self.header_lookup:
            return self.header_lookup[normalise_header(text)]
        if not _WIDE_SPLIT.search(text):
            column = super().match_header(text)
            if column is not None:
                return column
        # A wide-format column (subject × criterion): checked against the
        # scorecard by the resource, which names unknown ones.
        return Column(text, en=text, zh=text)

    def get_export_queryset(self, *, page=None):
        return (
            Ballot.objects.filter(scorecard_id=page.pk)
            .select_related("group", "subject__unit", "criterion")
            .order_by(
                "group__sort_order",
                "evaluator",
                "subject__sort_order",
                "criterion__sort_order",
                "pk",
            )
        )


class ReadOnlyResource(BatchResourceMixin, resources.Resource):
    """Placeholder resource of the export-only kinds (their tables are built by
    ``get_export_table``)."""


class ScorecardResultsKind(ImportExportKind):
    name = "scorecard-results"
    label = gettext_lazy("scorecard results")
    resource_class = ReadOnlyResource
    models = (Ballot,)
    page_model = ScorecardPage
    importable = False

    def get_export_table(self, *, page=None):
        from .selectors import scorecard_result
        from .services import configuration_data, outputs_data

        scorecard = ScorecardPage.objects.get(pk=page.pk)
        try:
            loaded, result = scorecard_result(scorecard=scorecard)
        except scoring.ScoringInputError as error:
            header, _rows = presentation.export_rows({}, {"subjects": []})
            return header, [[str(error)]]
        return presentation.export_rows(
            configuration_data(loaded), outputs_data(result)
        )

    def get_export_filename(self, *, page=None):
        return f"scorecard-results-{page.slug}"


class ScorecardCodesKind(ImportExportKind):
    name = "scorecard-codes"
    label = gettext_lazy("evaluator access codes")
    resource_class = ReadOnlyResource
    models = (AccessCode,)
    page_model = ScorecardPage
    importable = False

    def get_export_table(self, *, page=None):
        headers = ["评价组/group", "访问码/code", "已使用/used"]
        codes = (
            AccessCode.objects.filter(scorecard_id=page.pk)
            .select_related("group")
            .order_by("group__sort_order", "pk")
        )
        rows = (
            [c.group.name, format_code(c.code), "是" if c.used_at else ""]
            for c in codes.iterator(chunk_size=2000)
        )
        return headers, rows
