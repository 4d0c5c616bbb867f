"""The verification bundle of a published scorecard result: pure, standard library.

A bundle is a ZIP of JSON and CSV files that lets anyone recompute a published
result without Django or a database (``python -m wagtail_pilots.verify``):

* ``manifest.json`` — format, scorecard, version, publication date, the SHA-256 of
  the inputs shown on the public notice, the ballot count, and the SHA-256 of each
  other file of the bundle;
* ``configuration.json`` — criteria, groups, gates, ranking rules and subjects;
* ``ballots.json`` — every ballot that counts, with the evaluator replaced by a
  pseudonym (an HMAC of the evaluator id with a salt drawn for this snapshot and
  never published);
* ``surveys.json`` — the survey figures used by survey criteria (rate or index, n);
* ``outputs.json`` — the published outputs (totals, ranks, flags, breakdown);
* ``ballots.csv`` and ``results.csv`` — the same, for a spreadsheet, formula-safe.

The snapshot's inputs digest covers the configuration and the *aggregated* inputs
(what :func:`inputs_json` returns). :func:`verify` aggregates the pseudonymous
ballots the way the database does (count, sum, minimum and maximum per cell for
mean groups; the ordered values for trimmed-mean and median groups; yes / no /
abstain counts for vote groups), recomputes the digest and every output with
:func:`.scoring.compute`, and reports each difference.

This module must not import Django: the standalone verifier shares it. Its
messages are marked with :func:`_` and translated by whatever :func:`use_gettext`
installed: the verifier installs the package's compiled catalogues read with the
standard library's :mod:`gettext` (:func:`catalogue_gettext`), ``manage.py
pilots_verify`` Django's ``gettext``.
"""

from __future__ import annotations

import csv
import gettext as stdlib_gettext
import hashlib
import hmac
import io
import json
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import decimals
from . import scoring

FORMAT = "wagtail-pilots/scorecard-bundle/1"
#: Ballot values are stored with 4 decimal places; SQL sums keep that scale.
VALUE_QUANTUM = decimals.quantum(decimals.STORED_PLACES)
VOTES = ("yes", "no", "abstain")
JSON_FILES = (
    "configuration.json",
    "ballots.json",
    "surveys.json",
    "outputs.json",
)
CSV_FILES = ("ballots.csv", "results.csv")
# Same rule as wagtail_pilots.spreadsheets (which needs Django): text a
# spreadsheet could run as a formula gets an apostrophe in front.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A fixed timestamp keeps the ZIP byte-for-byte reproducible.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------
# Messages in the reader's language, without Django
# --------------------------------------------------------------------------

_translate: Callable[[str], str] | None = None


def _(message: str) -> str:
    """``message`` in the installed language (English when none is)."""
    return _translate(message) if _translate is not None else message


def use_gettext(function: Callable[[str], str] | None) -> None:
    """Translate this module's messages (and the verifier's) with ``function``;
    ``None`` for English."""
    global _translate
    _translate = function


def catalogue_language(language: str | None) -> str | None:
    """The catalogue for a language name as people and systems write it
    (``zh``, ``zh-hans``, ``zh_CN.UTF-8``), or ``None`` for English. Only
    simplified Chinese has a catalogue."""
    name = (language or "").split(":")[0].split(".")[0].replace("-", "_").lower()
    if name == "zh" or name.startswith(("zh_hans", "zh_cn", "zh_sg")):
        return "zh_Hans"
    return None


def catalogue_gettext(language: str | None) -> Callable[[str], str] | None:
    """``gettext`` over the package's compiled catalogues (the scorecards app's
    and the core app's ``django.mo``) for ``language``, read with the standard
    library; ``None`` for English or when the catalogues are not there."""
    code = catalogue_language(language)
    if code is None:
        return None
    root = Path(__file__).resolve().parent.parent
    found = None
    for folder in (root / "scorecards" / "locale", root / "locale"):
        try:
            catalogue = stdlib_gettext.translation(
                "django", localedir=str(folder), languages=[code]
            )
        except OSError:
            continue
        if found is None:
            found = catalogue
        else:
            found.add_fallback(catalogue)
    return found.gettext if found is not None else None


# --------------------------------------------------------------------------
# JSON forms of the configuration, the aggregated inputs and the outputs
# --------------------------------------------------------------------------


def _num(value):
    return None if value is None else str(value)


def _scaled(value):
    """A stored ballot value or an SQL aggregate of them, at the stored scale."""
    return str(Decimal(value).quantize(VALUE_QUANTUM))


def configuration_json(config, subjects):
    """The configuration as plain JSON data, with names, for the snapshot."""
    return {
        "criteria": [
            {
                "key": c.key,
                "name": c.name,
                "weight": _num(c.weight),
                "minimum": _num(c.minimum),
                "maximum": _num(c.maximum),
                "source": c.source,
            }
            for c in config.criteria
        ],
        "groups": [
            {
                "key": g.key,
                "name": g.name,
                "weight": _num(g.weight),
                "kind": g.kind,
                "aggregation": g.aggregation,
                "trim": g.trim,
                "min_ballots": g.min_ballots,
                "criteria": list(g.criteria),
            }
            for g in config.groups
        ],
        "gates": [
            {"target": gate.target, "key": gate.key, "threshold": _num(gate.threshold)}
            for gate in config.gates
        ],
        "shortlist": config.shortlist,
        "bottom": config.bottom,
        "tie_break": config.tie_break,
        "missing_policy": config.missing_policy,
        "small_n": config.small_n,
        "quorum": list(config.quorum) if config.quorum else None,
        "electorates": [[g, s, n] for (g, s), n in sorted(config.electorates.items())],
        "subjects": [{"key": s.key, "name": s.name} for s in subjects],
    }


def inputs_json(scores, votes, surveys):
    """The aggregated inputs as canonical JSON data (what the digest covers).

    ``scores`` as Decimals or as :class:`.scoring.ScaledScores` (the same JSON)."""
    if isinstance(scores, scoring.ScaledScores):
        scores = scores.as_decimals()
    rows = []
    for (g, s, c), data in sorted(scores.items()):
        if isinstance(data, scoring.ScoreSummary):
            item = {
                "n": data.n,
                "sum": _scaled(data.total),
                "min": _scaled(data.minimum),
                "max": _scaled(data.maximum),
            }
        else:
            item = {"values": [_num(Decimal(v).normalize()) for v in data]}
        rows.append([g, s, c, item])
    vote_rows = [[g, s, v.yes, v.no, v.abstain] for (g, s), v in sorted(votes.items())]
    # An insufficient sample carries no value, and the survey's minimum sample.
    survey_rows = [
        [s, c, _num(v.value), v.n, *([v.minimum] if v.insufficient else [])]
        for (s, c), v in sorted(surveys.items())
    ]
    return {"scores": rows, "votes": vote_rows, "surveys": survey_rows}


def outputs_json(result):
    """Everything :func:`.scoring.compute` returned, as JSON data."""
    subjects = []
    for r in result.subjects:
        subjects.append(
            {
                "key": r.subject.key,
                "name": r.subject.name,
                "total": _num(r.total),
                "rank": r.rank,
                "tied": r.tied,
                "tied_with": r.tied_with,
                "tie_broken": r.tie_broken,
                "shortlisted": r.shortlisted,
                "bottom": r.bottom,
                "shortlist_undecided": r.shortlist_undecided,
                "bottom_undecided": r.bottom_undecided,
                "excluded": r.excluded,
                "exclusions": [
                    {
                        "code": code,
                        "target": gr.gate.target if gr else None,
                        "key": gr.gate.key if gr else None,
                        "threshold": _num(gr.gate.threshold) if gr else None,
                        "value": _num(gr.value) if gr else None,
                    }
                    for code, gr in r.exclusions
                ],
                "criteria": [
                    {
                        "key": c.criterion,
                        "value": _num(c.value),
                        "n": c.n,
                        "counted_as_zero": c.counted_as_zero,
                        "insufficient": c.insufficient,
                        "cells": [
                            {
                                "group": cell.group,
                                "n": cell.n,
                                "value": _num(cell.value),
                                "weight_used": _num(cell.weight_used),
                                "votes": (
                                    [cell.votes.yes, cell.votes.no, cell.votes.abstain]
                                    if cell.votes
                                    else None
                                ),
                                "counted_as_zero": cell.counted_as_zero,
                            }
                            for cell in c.cells
                        ],
                    }
                    for c in r.criteria
                ],
                "contributions": [
                    [k if not isinstance(k, tuple) else list(k), _num(v)]
                    for k, v in r.contributions.items()
                ],
                "warnings": [
                    {
                        "code": w.code,
                        "group": w.group,
                        "criterion": w.criterion,
                        "n": w.n,
                        "minimum": w.minimum,
                    }
                    for w in r.warnings
                ],
            }
        )
    return {"subjects": subjects}


def _dumps(data):
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_digest(data):
    """SHA-256 of the canonical JSON text of ``data``."""
    return hashlib.sha256(_dumps(data).encode()).hexdigest()


def inputs_digest(configuration, inputs):
    """The digest printed on the public notice."""
    return canonical_digest({"configuration": configuration, "inputs": inputs})


# --------------------------------------------------------------------------
# Back from JSON
# --------------------------------------------------------------------------


def config_from_json(data):
    """``(scoring.Config, [scoring.Subject])`` from :func:`configuration_json`."""
    try:
        config = scoring.Config(
            criteria=tuple(
                scoring.Criterion(
                    key=c["key"],
                    name=c["name"],
                    weight=scoring.to_decimal(c["weight"], where=f"criterion {c}"),
                    minimum=scoring.to_decimal(c["minimum"], where=f"criterion {c}"),
                    maximum=scoring.to_decimal(c["maximum"], where=f"criterion {c}"),
                    source=c["source"],
                )
                for c in data["criteria"]
            ),
            groups=tuple(
                scoring.Group(
                    key=g["key"],
                    name=g["name"],
                    weight=scoring.to_decimal(g["weight"], where=f"group {g}"),
                    criteria=tuple(g["criteria"]),
                    kind=g["kind"],
                    aggregation=g["aggregation"],
                    trim=g["trim"],
                    min_ballots=g["min_ballots"],
                )
                for g in data["groups"]
            ),
            gates=tuple(
                scoring.Gate(
                    gate["target"],
                    gate["key"],
                    scoring.to_decimal(gate["threshold"], where="gate threshold"),
                )
                for gate in data["gates"]
            ),
            shortlist=data["shortlist"],
            bottom=data["bottom"],
            tie_break=data["tie_break"],
            missing_policy=data["missing_policy"],
            small_n=data["small_n"],
            # Absent from bundles published before quorums existed.
            quorum=tuple(data["quorum"]) if data.get("quorum") else None,
            electorates={(g, s): n for g, s, n in data.get("electorates") or ()},
        )
        subjects = [scoring.Subject(s["key"], s["name"]) for s in data["subjects"]]
    except scoring.ScoringInputError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise scoring.ScoringInputError(
            f"missing or malformed entry {exc}", where="configuration.json"
        ) from None
    scoring.validate_config(config)
    return config, subjects


def surveys_from_json(rows):
    """``{(subject, criterion): SurveyValue}`` from the ``surveys`` inputs rows."""
    surveys = {}
    for index, row in enumerate(rows, start=1):
        where = f"surveys.json row {index}"
        try:
            if len(row) == 5:
                s, c, _value, n, minimum = row
                value = scoring.SurveyValue(None, n, insufficient=True, minimum=minimum)
            else:
                s, c, number, n = row
                value = scoring.SurveyValue(scoring.to_decimal(number, where=where), n)
        except (TypeError, ValueError):
            raise scoring.ScoringInputError("malformed row", where=where) from None
        surveys[(s, c)] = value
    return surveys


def aggregate_ballots(config, ballots):
    """``(scores, votes, problems)``: the ballots aggregated as the database does.

    Also checks what the database guarantees: each ballot names a known group,
    subject and criterion the group scores, a value within range or a vote; no
    evaluator is in two groups or scored one subject on one criterion twice.
    ``problems`` lists what is wrong, each naming the ballot (1-based).
    """
    groups = {g.key: g for g in config.groups}
    criteria = {c.key: c for c in config.criteria}
    problems = []
    seen = set()
    evaluator_group = {}
    cells = {}
    votes = {}
    for index, ballot in enumerate(ballots, start=1):
        where = _("ballots.json ballot %(number)s") % {"number": index}
        if not isinstance(ballot, dict):
            problems.append(_("%(where)s: not an object") % {"where": where})
            continue
        group = groups.get(ballot.get("group"))
        evaluator = ballot.get("evaluator")
        subject = ballot.get("subject")
        criterion_key = ballot.get("criterion")
        if group is None:
            problems.append(
                _("%(where)s: unknown group %(group)r")
                % {"where": where, "group": ballot.get("group")}
            )
            continue
        if not isinstance(evaluator, str) or not evaluator:
            problems.append(_("%(where)s: no evaluator pseudonym") % {"where": where})
            continue
        if evaluator_group.setdefault(evaluator, group.key) != group.key:
            problems.append(
                _("%(where)s: evaluator %(evaluator)s is in two groups")
                % {"where": where, "evaluator": evaluator}
            )
        key = (evaluator, subject, criterion_key)
        if key in seen:
            values = {
                "where": where,
                "evaluator": evaluator,
                "subject": subject,
                "criterion": criterion_key,
            }
            problems.append(
                _(
                    "%(where)s: evaluator %(evaluator)s has a second ballot for "
                    "subject %(subject)r, criterion %(criterion)r"
                )
                % values
                if criterion_key
                else _(
                    "%(where)s: evaluator %(evaluator)s has a second ballot for "
                    "subject %(subject)r"
                )
                % values
            )
            continue
        seen.add(key)
        if group.kind == scoring.KIND_VOTES:
            vote = ballot.get("vote")
            if criterion_key is not None or vote not in VOTES:
                problems.append(
                    _("%(where)s: a vote must be yes, no or abstain") % {"where": where}
                )
                continue
            counts = votes.setdefault((group.key, subject), [0, 0, 0])
            counts[VOTES.index(vote)] += 1
            continue
        criterion = criteria.get(criterion_key)
        if criterion is None or criterion_key not in group.criteria:
            problems.append(
                _("%(where)s: group %(group)s does not score criterion %(criterion)r")
                % {"where": where, "group": group.name, "criterion": criterion_key}
            )
            continue
        try:
            value = scoring.to_decimal(ballot.get("value"), where=where)
        except scoring.ScoringInputError as exc:
            problems.append(str(exc))
            continue
        if value < criterion.minimum or value > criterion.maximum:
            problems.append(
                _(
                    "%(where)s: %(value)s is outside the range %(low)s–%(high)s of %(name)s"
                )
                % {
                    "where": where,
                    "value": value,
                    "low": criterion.minimum,
                    "high": criterion.maximum,
                    "name": criterion.name,
                }
            )
            continue
        cells.setdefault((group.key, subject, criterion_key), []).append(value)
    scores = {}
    for (g, s, c), values in cells.items():
        if groups[g].aggregation == scoring.AGG_MEAN:
            scores[(g, s, c)] = scoring.ScoreSummary(
                len(values), sum(values, scoring.ZERO), min(values), max(values)
            )
        else:
            scores[(g, s, c)] = sorted(values)
    vote_counts = {k: scoring.VoteCounts(*v) for k, v in votes.items()}
    return scores, vote_counts, problems


# --------------------------------------------------------------------------
# Pseudonyms
# --------------------------------------------------------------------------


def new_salt():
    """A fresh secret for one snapshot's pseudonyms (never published)."""
    return secrets.token_hex(32)


def pseudonym(salt, evaluator):
    """The evaluator's pseudonym in one snapshot: an HMAC-SHA-256 of the id."""
    digest = hmac.new(salt.encode(), evaluator.encode(), hashlib.sha256).hexdigest()
    return "E" + digest[:16]


# --------------------------------------------------------------------------
# Building and reading the ZIP
# --------------------------------------------------------------------------


def _safe(value):
    if value is None:
        return ""
    text = str(value)
    if text.lstrip("'").startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe(h) for h in header])
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    # With a BOM so that spreadsheet programs read the Chinese names as UTF-8.
    return ("\ufeff" + out.getvalue()).encode()


def _ballots_csv(configuration, ballots):
    groups = {g["key"]: g["name"] for g in configuration["groups"]}
    criteria = {c["key"]: c["name"] for c in configuration["criteria"]}
    subjects = {s["key"]: s["name"] for s in configuration["subjects"]}
    return _csv(
        ["evaluator", "group", "subject", "criterion", "value", "vote"],
        (
            [
                b["evaluator"],
                groups.get(b["group"], b["group"]),
                subjects.get(b["subject"], b["subject"]),
                criteria.get(b["criterion"], "") if b["criterion"] else "",
                b["value"],
                b["vote"],
            ]
            for b in ballots
        ),
    )


def _results_csv(outputs):
    return _csv(
        ["rank", "subject", "total", "shortlisted", "bottom", "tied", "excluded"],
        (
            [
                s["rank"],
                s["name"],
                scoring.display(Decimal(s["total"])) if s["total"] else "",
                s["shortlisted"],
                s["bottom"],
                s["tied"],
                s["excluded"],
            ]
            for s in outputs["subjects"]
        ),
    )


# In both languages, whatever the reader's: the bundle's bytes do not depend on
# who downloaded it.
README = """\
考核结果核验包 / Verification bundle of a published scorecard result.

重新计算每一项数据，并与公示页上的输入数据 SHA-256 核对：
Recompute every figure and check the SHA-256 printed on the public notice:

    python -m wagtail_pilots.verify --language zh-hans {name}
    python -m wagtail_pilots.verify {name}

核验程序只需要 Python 3.11 和 wagtail-pilots 软件包，不需要 Django，也不需要
数据库。评价人以化名出现，每次发布的化名都不相同。
The verifier needs Python 3.11 and the wagtail-pilots package, nothing else:
no Django and no database. Evaluators appear as pseudonyms that differ from
one published version to the next.
"""


def build(*, manifest, configuration, ballots, surveys, outputs, name="bundle.zip"):
    """The bundle as ZIP bytes; ``manifest`` gets the SHA-256 of every file."""
    files = {
        "configuration.json": configuration,
        "ballots.json": ballots,
        "surveys.json": surveys,
        "outputs.json": outputs,
    }
    contents = {
        name_: json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
        for name_, data in files.items()
    }
    contents["ballots.csv"] = _ballots_csv(configuration, ballots)
    contents["results.csv"] = _results_csv(outputs)
    manifest = {
        **manifest,
        "format": FORMAT,
        "files": {n: hashlib.sha256(data).hexdigest() for n, data in contents.items()},
    }
    contents = {
        "manifest.json": json.dumps(
            manifest, ensure_ascii=False, indent=1, sort_keys=True
        ).encode(),
        "README.txt": README.format(name=name).encode(),
        **contents,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name_, data in contents.items():
            info = zipfile.ZipInfo(name_, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


class BundleError(ValueError):
    """The file is not a readable bundle."""


def read(source):
    """``{name: bytes}`` of a bundle from a path, a file object or bytes."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            missing = {"manifest.json", *JSON_FILES} - names
            if missing:
                raise BundleError(
                    _("the bundle lacks %(files)s.")
                    % {"files": ", ".join(sorted(missing))}
                )
            return {n: archive.read(n) for n in names}
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(
            _("not a readable ZIP file (%(error)s).") % {"error": exc}
        ) from None


# --------------------------------------------------------------------------
# Verifying
# --------------------------------------------------------------------------


@dataclass
class Report:
    """What :func:`verify` found. ``ok`` when ``problems`` is empty."""

    manifest: dict = field(default_factory=dict)
    digest: str = ""
    ballots: int = 0
    subjects: int = 0
    problems: list = field(default_factory=list)
    outputs: dict | None = None  # the recomputed outputs

    @property
    def ok(self):
        return not self.problems


def _compare_outputs(published, recomputed, problems):
    by_key = {s["key"]: s for s in published.get("subjects", [])}
    names = set()
    for subject in recomputed["subjects"]:
        key = subject["key"]
        names.add(key)
        theirs = by_key.get(key)
        if theirs is None:
            problems.append(
                _("outputs.json: subject %(name)s is missing")
                % {"name": subject["name"]}
            )
            continue
        if theirs == subject:
            continue
        fields_ = sorted(k for k in subject if subject[k] != theirs.get(k))
        shown_fields = ", ".join(fields_)
        detail = ""
        if "total" in fields_:
            detail += _(
                " (total published %(published)s, recomputed %(recomputed)s)"
            ) % {
                "published": theirs.get("total"),
                "recomputed": subject["total"],
            }
        if "rank" in fields_:
            detail += _(
                " (rank published %(published)s, recomputed %(recomputed)s)"
            ) % {
                "published": theirs.get("rank"),
                "recomputed": subject["rank"],
            }
        problems.append(
            _("outputs.json: %(name)s differs in %(fields)s")
            % {"name": subject["name"], "fields": shown_fields}
            + detail
        )
    for key in by_key.keys() - names:
        problems.append(_("outputs.json: unknown subject %(key)r") % {"key": key})
    order = [s["key"] for s in published.get("subjects", [])]
    if order != [s["key"] for s in recomputed["subjects"]] and not problems:
        problems.append(_("outputs.json: subjects are not in the ranked order"))


def verify(files):
    """Check a bundle (``{name: bytes}`` from :func:`read`); return a :class:`Report`.

    Checks, in order: each file against the SHA-256 in the manifest; the ballots
    (as the database would); the inputs digest recomputed from the configuration
    and the aggregated ballots against the manifest's; every output recomputed
    with :func:`.scoring.compute` against ``outputs.json``; the ballot count.
    """
    report = Report()
    problems = report.problems
    try:
        manifest = json.loads(files["manifest.json"])
        data = {n: json.loads(files[n]) for n in JSON_FILES}
    except (KeyError, ValueError) as exc:
        problems.append(_("unreadable bundle: %(error)s") % {"error": exc})
        return report
    report.manifest = manifest
    if manifest.get("format") != FORMAT:
        problems.append(
            _("manifest.json: unknown format %(format)r")
            % {"format": manifest.get("format")}
        )
        return report
    for name, expected in sorted(manifest.get("files", {}).items()):
        if name not in files:
            problems.append(
                _("%(file)s: listed in the manifest but missing") % {"file": name}
            )
        elif hashlib.sha256(files[name]).hexdigest() != expected:
            problems.append(
                _("%(file)s: changed after publication (SHA-256 differs)")
                % {"file": name}
            )
    try:
        config, subjects = config_from_json(data["configuration.json"])
        surveys = surveys_from_json(data["surveys.json"])
    except scoring.ScoringInputError as exc:
        problems.append(
            _("%(file)s: %(error)s") % {"file": "configuration.json", "error": exc}
        )
        return report
    ballots = data["ballots.json"]
    if not isinstance(ballots, list):
        problems.append(_("ballots.json: not a list"))
        return report
    report.ballots = len(ballots)
    report.subjects = len(subjects)
    scores, votes, ballot_problems = aggregate_ballots(config, ballots)
    problems.extend(ballot_problems)
    report.digest = inputs_digest(
        data["configuration.json"], inputs_json(scores, votes, surveys)
    )
    if report.digest != manifest.get("inputs_digest"):
        problems.append(
            _("inputs digest: recomputed %(recomputed)s, published %(published)s")
            % {"recomputed": report.digest, "published": manifest.get("inputs_digest")}
        )
    if manifest.get("ballot_count") != len(ballots):
        problems.append(
            _("ballots.json holds %(count)s ballots, the manifest says %(said)s")
            % {"count": len(ballots), "said": manifest.get("ballot_count")}
        )
    try:
        result = scoring.compute(
            config, subjects, scores=scores, votes=votes, surveys=surveys
        )
    except scoring.ScoringInputError as exc:
        problems.append(_("cannot recompute: %(error)s") % {"error": exc})
        return report
    report.outputs = json.loads(_dumps(outputs_json(result)))
    _compare_outputs(data["outputs.json"], report.outputs, problems)
    return report
