"""Import/export kinds of scorecards (registered in ``wagtail_hooks.py``).

- **ballots** (page-scoped, import and export): *long* format, one ballot per
  row (group, evaluator, subject, criterion, value or vote), or *wide* format,
  one row per evaluator with the group and one column per subject × criterion
  (``张三×工作实绩``; a vote group's column is the subject alone). The format is
  detected from the headers. Every ballot gets the value rules of
  :func:`.ballot_rules.ballot_cell_clean`, as on the ballot page and in the
  admin's ballot entry, and the checks of :func:`.services.ballot_enter`
  (plus the file's own duplicates), errors are
  named by row and column (a clash inside the file also names the row, and
  in a wide file the column, of the first ballot), valid ballots are
  bulk-created with ``import_batch`` set so that a rollback removes them.
  Templates and exports come in both layouts (:data:`LONG`, :data:`WIDE`),
  built from the scorecard's own groups, subjects and criteria.
- **scorecard-results** (export only): the ranked table with its breakdown,
  built from :func:`.selectors.scorecard_result` and
  :func:`.presentation.export_rows` — nothing is computed here.
- **scorecard-codes** (export only): the evaluator access codes, for printing.
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from dataclasses import replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import Error, Result, RowResult

from wagtail_pilots.importexport.access_codes import AccessCodesKind
from wagtail_pilots.importexport.registry import (
    Column,
    ExportError,
    ImportExportKind,
    Layout,
    normalise_header,
)
from wagtail_pilots.importexport.resources import (
    PROGRESS_EVERY,
    BatchResourceMixin,
    ExportOnlyResource,
)
from wagtail_pilots.importexport.widgets import cell_text, render_number
from wagtail_pilots.pages import specific_page_using

from .. import decimals
from . import presentation, scoring
from .ballot_rules import BallotError, ballot_cell_clean, is_blank
from .models import (
    CHANNEL_IMPORT,
    VOTE_ABSTAIN,
    VOTE_NO,
    VOTE_YES,
    AccessCode,
    Ballot,
    ScorecardPageMixin,
)
from .services import (
    ballot_subject_clean,
    evaluator_links,
    voting_closed_message,
)

# Separators accepted between subject and criterion in a wide header.
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


_blank = is_blank
_text = cell_text


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
        # Two subjects may share a name (two villages called 新村): such a
        # name is ambiguous, and those subjects are written and read by their
        # unit's code instead.
        by_name = defaultdict(list)
        for subject in self.subjects:
            by_name[_key(subject.display_name)].append(subject)
        self.ambiguous = {k: found for k, found in by_name.items() if len(found) > 1}
        self.subject_by_key = {}
        for subject in self.subjects:
            for name in self._names_of(subject):
                self.subject_by_key.setdefault(_key(name), subject)
        self.wide = {}
        for subject in self.subjects:
            for name in self._names_of(subject):
                for word in ("", "投票", "vote"):
                    self.wide.setdefault(_key(name) + _key(word), (subject, None))
                for criterion in self.criteria:
                    self.wide.setdefault(
                        _key(name) + _key(criterion.name), (subject, criterion)
                    )

    def _names_of(self, subject):
        names = []
        if _key(subject.display_name) not in self.ambiguous:
            names.append(subject.display_name)
        if subject.unit_id:
            names.append(subject.unit.code)
        return [n for n in names if n]

    def label(self, subject) -> str:
        """The subject's name in files: its display name, or its unit's code
        when another subject has the same name."""
        if _key(subject.display_name) in self.ambiguous and subject.unit_id:
            return subject.unit.code
        return subject.display_name

    def ambiguity(self, text):
        """A message when ``text`` names several subjects, else None."""
        found = self.ambiguous.get(_key(text))
        if not found:
            return None
        return _(
            "“%(name)s” names %(count)s subjects; write the unit code instead "
            "(%(codes)s)."
        ) % {
            "name": text,
            "count": len(found),
            "codes": "、".join(s.unit.code for s in found if s.unit_id) or "—",
        }

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
        return render_number(value)


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

    def ballot_model(self):
        """The ballots of the scorecard imported into: its page type's model
        (a site's own, or the suite's :class:`~.models.Ballot`)."""
        if self.page is None:
            return Ballot
        return self.page.specific_class.get_ballot_model()

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
        scorecard = self.page.specific
        if not scorecard.ballots_open:
            # Voting is closed (e.g. when the results were published): the
            # same refusal as on the ballot page and in the admin's entry.
            result.append_base_error(Error(ValueError(voting_closed_message())))
            return result
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
            ambiguous = [
                message
                for header in unknown
                if (message := names.ambiguity(_WIDE_SPLIT.split(header)[0]))
            ]
            if ambiguous:
                for message in dict.fromkeys(ambiguous):
                    result.append_base_error(Error(ValueError(message)))
                return result
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
        ballot_model = self.ballot_model()
        existing_group = dict(
            ballot_model.objects.filter(scorecard=scorecard)
            .values_list("evaluator", "group_id")
            .distinct()
        )
        # The access codes behind these evaluator ids: own-unit and self-vote rules.
        self._links = evaluator_links(scorecard=scorecard, evaluators=evaluators)
        taken = set()
        evaluator_list = sorted(evaluators)
        for start in range(0, len(evaluator_list), 500):
            taken.update(
                ballot_model.objects.filter(
                    scorecard=scorecard,
                    evaluator__in=evaluator_list[start : start + 500],
                ).values_list("evaluator", "subject_id", "criterion_id")
            )
        # Where each ballot and each evaluator's group first appear in the file,
        # to name that place in the message about a second one.
        seen_cells = {}  # (evaluator, subject pk, criterion pk) -> (row, column)
        file_group = {}  # evaluator -> (group, row)
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
                    ballot_model.objects.bulk_create(to_create, batch_size=1000)
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
        row_number = self.file_row(number)
        if evaluator and group is not None:
            other = existing_group.get(evaluator)
            first, first_row = file_group.get(evaluator, (group, row_number))
            if other is not None and other != group.pk:
                errors["evaluator"] = [
                    _("This evaluator already belongs to another group.")
                ]
            elif first.pk != group.pk:
                errors["evaluator"] = [
                    _(
                        "This evaluator is in group “%(group)s” in row %(row)s of "
                        "this file; an evaluator belongs to one group."
                    )
                    % {"group": first.name, "row": first_row}
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
        # Recorded for later rows only if this row is valid: with "skip invalid
        # rows", a row that is left out must not make a later copy a duplicate.
        pending = {}
        for header, subject_raw, criterion_raw in cells:
            ballot = self._check_cell(
                row, header, subject_raw, criterion_raw, names, group, errors
            )
            if ballot is None or "evaluator" in errors:
                continue
            cell = (evaluator, ballot.subject.pk, ballot.criterion_id)
            field = "subject" if header == "long" else header
            try:
                ballot_subject_clean(
                    group=group,
                    subject=ballot.subject,
                    link=getattr(self, "_links", {}).get(evaluator),
                )
            except BallotError as exc:
                errors.setdefault(field, []).extend(exc.message_dict["subject"])
                continue
            if cell in taken:
                errors.setdefault(field, []).append(
                    _("This evaluator has already scored this subject here.")
                )
            elif cell in seen or cell in pending:
                errors.setdefault(field, []).append(
                    self._duplicate_message(ballot, *(seen.get(cell) or pending[cell]))
                )
            else:
                pending[cell] = (row_number, None if header == "long" else header)
                ballot.evaluator = evaluator
                ballots.append(ballot)
        if not errors:
            seen.update(pending)
            if evaluator and group is not None:
                file_group.setdefault(evaluator, (group, row_number))
        return errors, ballots

    @staticmethod
    def _duplicate_message(ballot, row, column):
        """A second ballot of one evaluator for one subject (× criterion): the
        message names the row (and, in a wide file, the column) of the first."""
        if column is None:
            place = _("row %(row)s") % {"row": row}
        else:
            place = _("row %(row)s, column “%(column)s”") % {
                "row": row,
                "column": column,
            }
        if ballot.criterion is None:
            return _(
                "This evaluator already voted on “%(subject)s” in %(place)s of "
                "this file."
            ) % {"subject": ballot.subject.display_name, "place": place}
        return _(
            "This evaluator already scored “%(subject)s × %(criterion)s” in "
            "%(place)s of this file."
        ) % {
            "subject": ballot.subject.display_name,
            "criterion": ballot.criterion.name,
            "place": place,
        }

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
                    names.ambiguity(subject_text)
                    or _("Unknown subject “%(name)s”; subjects: %(subjects)s.")
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
            # A long file may give the vote in the value column.
            if _blank(raw_vote) and long:
                raw_vote = raw_value
            raw_value = None
            vote = "" if _blank(raw_vote) else parse_vote(raw_vote) or _text(raw_vote)
        else:
            vote = "" if _blank(raw_vote) else _text(raw_vote)
        if isinstance(raw_value, str):
            raw_value = raw_value.strip()
        try:
            value, vote = ballot_cell_clean(
                kind=group.kind,
                criterion=criterion,
                scored=names.scored.get(group.pk, ()),
                value=raw_value,
                vote=vote,
            )
        except BallotError as exc:
            # The rule's field is this file's column: in a wide file, the cell's.
            fields_ = {
                "criterion": "criterion" if long else header,
                "value": value_field,
                "vote": vote_field,
            }
            for field, messages in exc.message_dict.items():
                errors.setdefault(fields_[field], []).extend(messages)
            return None
        return self.ballot_model()(
            group=group, subject=subject, criterion=criterion, value=value, vote=vote
        )


GROUP_COLUMN = Column(
    "group",
    en="group",
    zh="评价组",
    required=True,
    aliases=("评价组别", "组别", "evaluator group"),
    sample="班子成员",
)
EVALUATOR_COLUMN = Column(
    "evaluator",
    en="evaluator",
    zh="评价人",
    required=True,
    aliases=("评价人编号", "评分人"),
    sample="E01",
)
LONG = Layout("long", gettext_lazy("one row per ballot"))
WIDE = Layout("wide", gettext_lazy("one row per evaluator"))
SAMPLE_VOTE = "同意"


def wide_header(label, criterion=None) -> str:
    """The header of a wide column: ``张三×工作实绩``, or ``张三`` for a vote
    (``label``: :meth:`_Names.label` of the subject)."""
    if criterion is None:
        return label
    return f"{label}×{criterion.name}"


def wide_columns(names) -> list:
    """``[(header, subject, criterion or None)]`` of a wide file of the scorecard:
    every subject × every criterion a score group scores, then, when there is a
    vote group, every subject alone (its vote)."""
    scored = set()
    votes = False
    for group in names.groups:
        if group.kind == scoring.KIND_VOTES:
            votes = True
        else:
            scored.update(names.scored.get(group.pk, ()))
    criteria = [c for c in names.criteria if c.pk in scored]
    columns = [
        (wide_header(names.label(subject), criterion), subject, criterion)
        for subject in names.subjects
        for criterion in criteria
    ]
    if votes:
        columns.extend((wide_header(names.label(s)), s, None) for s in names.subjects)
    return columns


def _sample_value(criterion):
    # A plausible value: nine tenths of the way up the criterion's range.
    span = criterion.maximum - criterion.minimum
    value = (criterion.minimum + span * Decimal("0.9")).quantize(
        decimals.quantum(decimals.STORED_PLACES)
    )
    return _NumberWidget().render(value)


def _sample_groups(names):
    """The first score group and the first vote group (either may be None)."""
    score = next((g for g in names.groups if g.kind != scoring.KIND_VOTES), None)
    vote = next((g for g in names.groups if g.kind == scoring.KIND_VOTES), None)
    return score, vote


def _long_samples(names):
    """Sample rows of a long file in the scorecard's own names."""
    score, vote = _sample_groups(names)
    subject = names.subjects[0].display_name if names.subjects else ""
    rows = []
    if score is not None:
        criterion = next(
            (c for c in names.criteria if c.pk in names.scored.get(score.pk, ())),
            None,
        )
        if criterion is not None:
            rows.append(
                (
                    score.name,
                    "E01",
                    subject,
                    criterion.name,
                    _sample_value(criterion),
                    "",
                )
            )
    if vote is not None:
        rows.append((vote.name, "V01", subject, "", "", SAMPLE_VOTE))
    return rows


def _wide_samples(names, columns):
    """Sample rows of a wide file: one for a score group, one for a vote group."""
    score, vote = _sample_groups(names)
    rows = []
    if score is not None:
        scored = names.scored.get(score.pk, ())
        rows.append(
            [
                score.name,
                "E01",
                *(
                    _sample_value(c) if c is not None and c.pk in scored else ""
                    for _h, _s, c in columns
                ),
            ]
        )
    if vote is not None:
        rows.append(
            [
                vote.name,
                "V01",
                *(SAMPLE_VOTE if c is None else "" for _h, _s, c in columns),
            ]
        )
    return rows or [["", "E01", *("" for _c in columns)]]


class BallotsKind(ImportExportKind):
    """Ballots of a scorecard. Imports take either layout (told apart by the
    headers); templates and exports come in both: :data:`LONG` (one ballot per
    row, the default) and :data:`WIDE` (one evaluator per row, one column per
    subject × criterion, built from the scorecard)."""

    name = "ballots"
    label = gettext_lazy("ballots")
    resource_class = BallotResource
    models = (Ballot,)
    page_model = ScorecardPageMixin
    layouts = (LONG, WIDE)

    def get_models(self, *, page=None):
        # The ballots of the page's own type (a site's scorecard page type too).
        if page is None:
            return self.models
        return (page.specific_class.get_ballot_model(),)

    columns = (
        GROUP_COLUMN,
        EVALUATOR_COLUMN,
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
    sample_rows = (("群众代表", "V01", "张三", "", "", SAMPLE_VOTE),)
    # Without a page: a wide template with made-up subjects and criteria.
    generic_wide = (
        ("张三×工作实绩", 90),
        ("张三×工作作风", 85),
        ("李四×工作实绩", 80),
        ("李四×工作作风", 95),
    )
    page = None
    layout = LONG
    _names = None

    def for_page(self, page):
        """The kind bound to a scorecard: its templates' samples use the
        scorecard's own groups, subjects and criteria."""
        scorecard = specific_page_using(ScorecardPageMixin, page.pk) if page else None
        if scorecard is None:
            return self  # not a scorecard: refused by check_page / permissions
        bound = type(self)()
        bound.page = page
        bound._names = _Names(scorecard)
        rows = _long_samples(bound._names)
        if rows:
            bound.columns = tuple(
                replace(column, sample=value)
                for column, value in zip(self.columns, rows[0], strict=True)
            )
            bound.sample_rows = tuple(rows[1:])
        return bound

    def for_layout(self, layout):
        if layout != WIDE:
            return self
        bound = type(self)()
        bound.page, bound._names, bound.layout = self.page, self._names, WIDE
        if self._names is None:
            wide = [
                Column(header, en=header, zh=header, sample=value)
                for header, value in self.generic_wide
            ]
            bound.columns = (GROUP_COLUMN, EVALUATOR_COLUMN, *wide)
            bound.sample_rows = ()
            return bound
        columns = wide_columns(self._names)
        first, *others = _wide_samples(self._names, columns)
        bound.columns = (
            replace(GROUP_COLUMN, sample=first[0]),
            replace(EVALUATOR_COLUMN, sample=first[1]),
            *(
                Column(header, en=header, zh=header, sample=value)
                for (header, _s, _c), value in zip(columns, first[2:], strict=True)
            ),
        )
        bound.sample_rows = tuple(others)
        return bound

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
            page.specific_class.get_ballot_model()
            .objects.filter(scorecard_id=page.pk)
            .select_related("group", "subject__unit", "criterion")
            .order_by(
                "group__sort_order",
                "evaluator",
                "subject__sort_order",
                "criterion__sort_order",
                "pk",
            )
        )

    def get_export_table(self, *, page=None):
        if self.layout != WIDE:
            return None
        return wide_export_table(page, names=self._names)


def wide_export_table(page, *, names=None):
    """Headers and rows (streamed) of the wide export: one row per evaluator,
    the same columns as the wide template, plus a column for any stored ballot
    that no column of the current configuration holds (so nothing is left out).
    Scores are numbers, votes ``yes/no/abstain``: the file imports again."""
    if names is None:
        names = _Names(page.specific)
    columns = wide_columns(names)
    position = {
        (subject.pk, criterion.pk if criterion else None): index
        for index, (_h, subject, criterion) in enumerate(columns)
    }
    ballots = page.specific_class.get_ballot_model().objects.filter(
        scorecard_id=page.pk
    )
    subjects = {s.pk: s for s in names.subjects}
    criteria = {c.pk: c for c in names.criteria}
    for subject_id, criterion_id in (
        ballots.values_list("subject_id", "criterion_id")
        .distinct()
        .order_by("subject__sort_order", "criterion__sort_order")
    ):
        if (subject_id, criterion_id) not in position:
            position[(subject_id, criterion_id)] = len(columns)
            criterion = criteria.get(criterion_id)
            columns.append(
                (
                    wide_header(names.label(subjects[subject_id]), criterion),
                    None,
                    criterion,
                )
            )
    headers = [GROUP_COLUMN.header, EVALUATOR_COLUMN.header, *(h for h, *_ in columns)]
    render = _NumberWidget().render

    def rows():
        current, line = None, None
        for group_id, group_name, evaluator, subject_id, criterion_id, value, vote in (
            ballots.order_by("group__sort_order", "group_id", "evaluator", "pk")
            .values_list(
                "group_id",
                "group__name",
                "evaluator",
                "subject_id",
                "criterion_id",
                "value",
                "vote",
            )
            .iterator(chunk_size=2000)
        ):
            if (group_id, evaluator) != current:
                if line is not None:
                    yield line
                current = (group_id, evaluator)
                line = [group_name, evaluator, *([None] * len(columns))]
            cell = render(value) if criterion_id is not None else vote
            line[2 + position[(subject_id, criterion_id)]] = cell
        if line is not None:
            yield line

    return headers, rows()


class ScorecardResultsKind(ImportExportKind):
    name = "scorecard-results"
    label = gettext_lazy("scorecard results")
    resource_class = ExportOnlyResource
    models = (Ballot,)
    page_model = ScorecardPageMixin
    importable = False

    def get_models(self, *, page=None):
        if page is None:
            return self.models
        return (page.specific_class.get_ballot_model(),)

    def get_export_table(self, *, page=None):
        from .selectors import scorecard_result
        from .services import configuration_data, outputs_data

        scorecard = page.specific
        try:
            loaded, result = scorecard_result(scorecard=scorecard)
        except scoring.ScoringInputError as error:
            # Nothing can be ranked: say why (as the results page does)
            # rather than write a file without results.
            raise ExportError(
                _("The results of %(scorecard)s cannot be exported: %(error)s")
                % {"scorecard": scorecard.title, "error": error}
            ) from error
        return presentation.export_rows(
            configuration_data(loaded), outputs_data(result)
        )


class ScorecardCodesKind(AccessCodesKind):
    name = "scorecard-codes"
    label = gettext_lazy("evaluator access codes")
    models = (AccessCode,)
    page_model = ScorecardPageMixin
    extra_columns = (
        Column("group", en="evaluator group", zh="评价主体"),
        Column("subject", en="belongs to subject", zh="属于评价对象"),
    )

    def get_models(self, *, page=None):
        if page is None:
            return self.models
        return (page.specific_class.get_access_code_model(),)

    def code_queryset(self, page):
        return (
            page.specific_class.get_access_code_model()
            .for_page(page)
            .select_related("group", "subject__unit")
            .order_by("group__sort_order", "pk")
        )

    def extra_values(self, code):
        return [code.group.name, code.subject.display_name if code.subject_id else ""]
