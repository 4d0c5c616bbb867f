"""Turn computed outputs (live or from a snapshot) into rows for templates/exports.

Works on the JSON data of :func:`.services.outputs_data` and
:func:`.services.configuration_data`, so the admin's live results, the public
page of a published snapshot and the exports show the same thing the same way.
Only display rounding (half up, 2 places) happens here; no score is computed.
Every figure is printed with the rule that made it (aggregation, trimming,
missing-group policy, tie rule), and a total's parts are rounded with
:func:`scoring.apportion` so they add up to the total shown.

Snapshots published before a key was added to the outputs still render: every
newer key is read with a default.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from . import scoring

MISSING_CODES = (scoring.W_MISSING_GROUP, scoring.W_MISSING_CRITERION)
PALETTE = ("#1d4e89", "#e07a1f", "#2a9d8f", "#b5179e", "#6a994e", "#8d6e63", "#5e60ce")


def _dec(text):
    return None if text is None else Decimal(text)


def fmt(text, places=2):
    value = scoring.display(_dec(text), places)
    return "" if value is None else f"{value}"


def _names(configuration):
    criteria = {c["key"]: c for c in configuration["criteria"]}
    groups = {g["key"]: g for g in configuration["groups"]}
    return criteria, groups


def warning_text(warning, criteria, groups, policy=None):
    group = groups.get(warning.get("group"), {}).get("name", "")
    criterion = criteria.get(warning.get("criterion"), {}).get("name", "")
    code = warning["code"]
    if code == scoring.W_MISSING_GROUP:
        if policy == scoring.MISSING_ZERO:
            return _(
                "no ballots from %(group)s on %(criterion)s: counted as 0 with its "
                "weight"
            ) % {"group": group, "criterion": criterion}
        if policy == scoring.MISSING_RENORMALISE:
            return _(
                "no ballots from %(group)s on %(criterion)s: its weight is shared "
                "among the groups present"
            ) % {"group": group, "criterion": criterion}
        return _("no ballots from %(group)s on %(criterion)s") % {
            "group": group,
            "criterion": criterion,
        }
    if code == scoring.W_MISSING_CRITERION:
        if policy == scoring.MISSING_ZERO:
            return _("no value for %(criterion)s: counted as 0 with its weight") % {
                "criterion": criterion
            }
        if policy == scoring.MISSING_RENORMALISE:
            return _(
                "no value for %(criterion)s: the total is rescaled over the "
                "other criteria"
            ) % {"criterion": criterion}
        return _("no value for %(criterion)s") % {"criterion": criterion}
    if code == scoring.W_INSUFFICIENT_SAMPLE:
        return _(
            "%(criterion)s: insufficient sample (n = %(n)s, the survey needs "
            "%(min)s); not used"
        ) % {"criterion": criterion, "n": warning["n"], "min": warning["minimum"]}
    if code == scoring.W_BELOW_MINIMUM:
        return _("%(group)s: %(n)s ballots on %(criterion)s, fewer than %(min)s") % {
            "group": group,
            "criterion": criterion,
            "n": warning["n"],
            "min": warning["minimum"],
        }
    if code == scoring.W_SMALL_N:
        return _("small sample on %(criterion)s: n = %(n)s (below %(min)s)") % {
            "criterion": criterion,
            "n": warning["n"],
            "min": warning["minimum"],
        }
    if code == scoring.W_TOO_FEW_TO_TRIM:
        return _(
            "%(group)s: too few ballots on %(criterion)s to drop the highest and "
            "lowest; the median is used"
        ) % {"group": group, "criterion": criterion}
    if code == scoring.W_NO_DATA:
        return _("no ballots")
    if code == scoring.W_TIE:
        return _("tied total")
    return code


def exclusion_text(exclusion, criteria, groups):
    if exclusion["code"] == scoring.X_NO_DATA:
        return _("not ranked: no ballots")
    pool = groups if exclusion["target"] == scoring.GATE_GROUP else criteria
    name = pool.get(exclusion["key"], {}).get("name", str(exclusion["key"]))
    if exclusion["value"] is None:
        return _("excluded: no result for %(name)s (needs at least %(threshold)s)") % {
            "name": name,
            "threshold": fmt(exclusion["threshold"]),
        }
    return _("excluded: %(name)s %(value)s is below %(threshold)s") % {
        "name": name,
        "value": fmt(exclusion["value"]),
        "threshold": fmt(exclusion["threshold"]),
    }


def tie_break_text(rule):
    from .models import TIE_BREAK_CHOICES

    return dict(TIE_BREAK_CHOICES).get(rule, rule)


def missing_policy_text(policy):
    from .models import MISSING_CHOICES

    return dict(MISSING_CHOICES).get(policy, policy or "")


def rule_text(group, n):
    """How a score group's figure was made from its ``n`` scores."""
    aggregation = group.get("aggregation")
    trim = group.get("trim") or 0
    if aggregation == scoring.AGG_TRIMMED and trim:
        if n <= 2 * trim:
            return ngettext(
                "too few to drop the highest and lowest: median of %(n)s score",
                "too few to drop the highest and lowest: median of %(n)s scores",
                n,
            ) % {"n": n}
        if trim == 1:
            return _(
                "highest and lowest score dropped: the middle %(kept)s of %(n)s scores"
            ) % {"kept": n - 2, "n": n}
        return _(
            "%(k)s highest and %(k)s lowest scores dropped: the middle %(kept)s of "
            "%(n)s scores"
        ) % {"k": trim, "kept": n - 2 * trim, "n": n}
    if aggregation == scoring.AGG_MEDIAN:
        return ngettext("median of %(n)s score", "median of %(n)s scores", n) % {"n": n}
    return ngettext("mean of %(n)s score", "mean of %(n)s scores", n) % {"n": n}


def tie_text(subject, others, rule):
    """What a tie means for this subject: the shared shown total, and whether
    the stated rule ordered it."""
    if subject.get("tie_broken") is False:
        return _(
            "equal to %(others)s at %(total)s; the tie rule (%(rule)s) does not "
            "separate them, so they share rank %(rank)s"
        ) % {
            "others": "、".join(others),
            "total": fmt(subject["total"]),
            "rule": rule,
            "rank": subject["rank"],
        }
    return _(
        "equal to %(others)s at %(total)s; order set by the tie rule: %(rule)s"
    ) % {
        "others": "、".join(others),
        "total": fmt(subject["total"]),
        "rule": rule,
    }


def _turnouts(subject, electorates, groups):
    """``{group key: {...}}``: each group's turnout for this subject (the most
    ballots it cast on any criterion) against the subject's electorate."""
    result = {}
    for g in groups.values():
        expected = electorates.get((g["key"], subject["key"]))
        if expected is None:
            continue
        turnout = max(
            (
                cell["n"]
                for c in subject["criteria"]
                for cell in c["cells"]
                if cell["group"] == g["key"]
            ),
            default=0,
        )
        percent = fmt(scoring.turnout_percent(turnout, expected))
        result[g["key"]] = {
            "group": g["name"],
            "n": turnout,
            "expected": expected,
            "percent": percent,
            "text": _("%(n)s of %(expected)s voted (%(percent)s%%)")
            % {"n": turnout, "expected": expected, "percent": percent}
            if percent
            else _("%(n)s voted; nobody was expected") % {"n": turnout},
        }
    return result


def quorum_text(warning, turnouts, quorum, groups):
    """The flag on a figure whose turnout is below the quorum."""
    group = groups.get(warning.get("group"), {}).get("name", "")
    expected = turnouts.get(warning.get("group"), {}).get("expected", "")
    return _(
        "%(group)s: only %(n)s of %(expected)s voted, below the quorum of "
        "%(quorum)s (%(min)s needed)"
    ) % {
        "group": group,
        "n": warning["n"],
        "expected": expected,
        "quorum": scoring.quorum_label(tuple(quorum)) if quorum else "",
        "min": warning["minimum"],
    }


def ranking_rows(configuration, outputs):
    """One dict per subject, ranked first, with its breakdown and reasons."""
    criteria, groups = _names(configuration)
    colours = {
        g["key"]: PALETTE[i % len(PALETTE)]
        for i, g in enumerate(configuration["groups"])
    }
    survey_colour = "#999999"
    subject_names = {s["key"]: s["name"] for s in configuration.get("subjects", [])}
    policy = configuration.get("missing_policy")
    rule = tie_break_text(configuration.get("tie_break"))
    # Absent from snapshots published before quorums existed.
    electorates = {(g, s): n for g, s, n in configuration.get("electorates") or ()}
    quorum = configuration.get("quorum")
    rows = []
    for s in outputs["subjects"]:
        turnouts = _turnouts(s, electorates, groups)
        breakdown = []
        vote_splits = []
        for c in s["criteria"]:
            crit = criteria.get(c["key"], {})
            cells = []
            for cell in c["cells"]:
                group = groups.get(cell["group"], {})
                zero = cell.get("counted_as_zero", False)
                if cell["value"] is not None and cell["votes"]:
                    rule_note = ""
                    vote_splits.append(
                        {"group": group.get("name", ""), "votes": cell["votes"]}
                    )
                elif cell["value"] is None:
                    if zero:
                        rule_note = _("no ballots: counted as 0")
                    elif policy == scoring.MISSING_RENORMALISE and s["total"]:
                        rule_note = _(
                            "no ballots: weight shared among the groups present"
                        )
                    else:
                        rule_note = _("no ballots")
                else:
                    rule_note = rule_text(group, cell["n"])
                cells.append(
                    {
                        "group": group.get("name", ""),
                        "n": cell["n"],
                        "value": "0" if zero else fmt(cell["value"]),
                        "weight_used": fmt(cell["weight_used"]),
                        "votes": cell["votes"],
                        "rule": rule_note,
                        "turnout": turnouts.get(cell["group"], {}).get("text", ""),
                        "counted_as_zero": zero,
                    }
                )
            note = ""
            if c.get("insufficient"):
                note = _("insufficient sample, not used")
            if c.get("counted_as_zero"):
                note = ", ".join(filter(None, [note, _("counted as 0")]))
            breakdown.append(
                {
                    "criterion": crit.get("name", ""),
                    "weight": fmt(crit.get("weight")),
                    "value": fmt(c["value"]),
                    "n": c["n"],
                    "source": crit.get("source"),
                    "note": note,
                    "cells": cells,
                }
            )
        segments = []
        x = Decimal(0)
        points = scoring.apportion([v for _k, v in s["contributions"]], s["total"])
        for (key, value), shown_points in zip(s["contributions"], points, strict=True):
            if isinstance(key, list):
                label = criteria.get(key[1], {}).get("name", "")
                colour = survey_colour
            else:
                label = groups.get(key, {}).get("name", "")
                colour = colours.get(key, survey_colour)
            width = Decimal(value)
            segments.append(
                {
                    "key": key,
                    "label": label,
                    "points": "" if shown_points is None else f"{shown_points}",
                    "x": f"{x:.3f}",
                    "width": f"{width:.3f}",
                    "colour": colour,
                }
            )
            x += width
        tied_with = [subject_names.get(k, str(k)) for k in s["tied_with"]]
        rows.append(
            {
                "key": s["key"],
                "name": s["name"],
                "total": fmt(s["total"]),
                "rank": s["rank"],
                "tied": s["tied"],
                "tied_with": tied_with,
                "tie_broken": s.get("tie_broken"),
                "tie_note": tie_text(s, tied_with, rule) if s["tied"] else "",
                "shortlisted": s["shortlisted"],
                "bottom": s["bottom"],
                "shortlist_undecided": s.get("shortlist_undecided", False),
                "bottom_undecided": s.get("bottom_undecided", False),
                "excluded": s["excluded"],
                "reasons": [
                    exclusion_text(e, criteria, groups) for e in s["exclusions"]
                ],
                "turnouts": list(turnouts.values()),
                "warnings": [
                    quorum_text(w, turnouts, quorum, groups)
                    if w["code"] == scoring.W_QUORUM
                    else warning_text(w, criteria, groups, policy)
                    for w in s["warnings"]
                    # Ties are explained by tie_note; a subject without any
                    # figure has its reason, not one line per missing group.
                    if w["code"] not in (scoring.W_NO_DATA, scoring.W_TIE)
                    and not (s["total"] is None and w["code"] in MISSING_CODES)
                ],
                "breakdown": breakdown,
                "segments": segments,
                "vote_splits": vote_splits,
            }
        )
    return rows


def legend(configuration):
    """Chart legend: each group, then each survey criterion (grey)."""
    items = [
        {
            "key": g["key"],
            "name": g["name"],
            "weight": fmt(g["weight"]),
            "colour": PALETTE[i % len(PALETTE)],
            "survey": False,
        }
        for i, g in enumerate(configuration["groups"])
    ]
    for c in configuration["criteria"]:
        if c["source"] == scoring.SOURCE_SURVEY:
            items.append(
                {
                    "key": ["survey", c["key"]],
                    "name": c["name"],
                    "weight": fmt(c["weight"]),
                    "colour": "#999999",
                    "survey": True,
                }
            )
    return items


LABEL_WIDTH = 160
BAR_SCALE = 5  # pixels per point: 100 points = 500 px
ROW_HEIGHT = 22


def chart(configuration, outputs, rows):
    """Bars for an SVG chart of each group's contribution to each ranked total."""
    keys = [item["key"] for item in legend(configuration)]
    bars = []
    # Subjects excluded by a gate have a total but no rank: they are listed
    # apart with their reason, never drawn as if ranked.
    for index, row in enumerate(
        r for r in rows if r["total"] and r["rank"] is not None
    ):
        y = 6 + index * ROW_HEIGHT
        by_key = {
            tuple(seg["key"]) if isinstance(seg["key"], list) else seg["key"]: seg[
                "points"
            ]
            for seg in row["segments"]
        }
        segments = []
        for seg in row["segments"]:
            segments.append(
                {
                    **seg,
                    "x": f"{LABEL_WIDTH + Decimal(seg['x']) * BAR_SCALE:.2f}",
                    "width": f"{Decimal(seg['width']) * BAR_SCALE:.2f}",
                }
            )
        bars.append(
            {
                "name": row["name"],
                "total": row["total"],
                "y": y,
                "y_text": y + 12,
                "total_x": f"{LABEL_WIDTH + Decimal(row['total']) * BAR_SCALE + 6:.2f}",
                "segments": segments,
                "by_group": [
                    by_key.get(tuple(k) if isinstance(k, list) else k, "") for k in keys
                ],
            }
        )
    return {
        "chart": bars,
        "chart_width": LABEL_WIDTH + 100 * BAR_SCALE + 60,
        "chart_height": 12 + len(bars) * ROW_HEIGHT,
        "legend": legend(configuration),
        "show_chart": bool(bars),
    }


def flag_texts(row):
    """The shortlist, last-place and tie cells of an export row: flag-specific
    words, never a bare "yes"."""
    undecided = pgettext("result flag", "undecided")
    shortlist = (
        pgettext("result flag", "shortlisted")
        if row["shortlisted"]
        else undecided
        if row["shortlist_undecided"]
        else ""
    )
    bottom = (
        pgettext("result flag", "last place")
        if row["bottom"]
        else undecided
        if row["bottom_undecided"]
        else ""
    )
    return shortlist, bottom, row["tie_note"]


def export_rows(configuration, outputs):
    """Header and rows for CSV/XLSX: one row per subject × criterion × group."""
    header = [
        _("rank"),
        pgettext("scorecard", "subject"),
        _("total"),
        _("shortlisted"),
        _("bottom flag"),
        _("tied"),
        _("excluded / reasons"),
        _("criterion"),
        _("criterion weight"),
        _("criterion value"),
        _("evaluator group"),
        _("weight used (%)"),
        _("n"),
        _("group value"),
        _("yes / no / abstain"),
        _("how the figure was made"),
        _("warnings"),
    ]
    rows = []
    for row in ranking_rows(configuration, outputs):
        base = [
            row["rank"],
            row["name"],
            _dec(row["total"] or None),
            *flag_texts(row),
            "; ".join(row["reasons"]),
        ]
        warnings = "; ".join(row["warnings"])
        for c in row["breakdown"]:
            cells = c["cells"] or [None]
            for cell in cells:
                rows.append(
                    [
                        *base,
                        c["criterion"],
                        _dec(c["weight"] or None),
                        _dec(c["value"] or None),
                        cell["group"] if cell else _("survey"),
                        _dec(cell["weight_used"] or None) if cell else None,
                        cell["n"] if cell else c["n"],
                        _dec(cell["value"] or None) if cell else None,
                        "/".join(str(v) for v in cell["votes"])
                        if cell and cell["votes"]
                        else "",
                        "; ".join(filter(None, [cell["rule"], cell["turnout"]]))
                        if cell
                        else c["note"],
                        warnings,
                    ]
                )
    return header, rows


def ranking_context(configuration, outputs):
    """Rows split into ranked and not ranked, the chart and the rules in force."""
    rows = ranking_rows(configuration, outputs)
    return {
        "rows": rows,
        "ranked_rows": [r for r in rows if r["rank"] is not None],
        "excluded_rows": [r for r in rows if r["rank"] is None],
        "tie_break": tie_break_text(configuration["tie_break"]),
        "missing_policy": missing_policy_text(configuration.get("missing_policy")),
        # Absent from snapshots published before quorums existed.
        "quorum": scoring.quorum_label(tuple(configuration["quorum"]))
        if configuration.get("quorum")
        else "",
        **chart(configuration, outputs, rows),
    }


def snapshot_context(snapshot):
    """Template context for a published snapshot (public page, block, admin)."""
    if snapshot is None:
        return {"snapshot": None}
    return {
        "snapshot": snapshot,
        "notice_ended": snapshot.notice_until < timezone.localdate(),
        **ranking_context(snapshot.configuration, snapshot.outputs),
    }


def changes_since(published, live):
    """Subjects whose rank or total differ between two outputs (JSON data).

    Totals are compared as displayed (2 places, half up), so a change a reader
    cannot see is not reported. Returns one dict per changed subject, in the
    live order: ``name``, ``rank_then``, ``rank_now``, ``total_then``,
    ``total_now`` (``None`` or ``""`` where the subject was not there or not
    ranked).
    """
    then = {s["key"]: s for s in published["subjects"]}
    now = {s["key"]: s for s in live["subjects"]}
    changes = []
    keys = [s["key"] for s in live["subjects"]]
    keys += [k for k in then if k not in now]
    for key in keys:
        before, after = then.get(key), now.get(key)
        rank_then = before["rank"] if before else None
        rank_now = after["rank"] if after else None
        total_then = fmt(before["total"]) if before else ""
        total_now = fmt(after["total"]) if after else ""
        if before and after and rank_then == rank_now and total_then == total_now:
            continue
        changes.append(
            {
                "name": (after or before or {}).get("name", ""),
                "rank_then": rank_then,
                "rank_now": rank_now,
                "total_then": total_then,
                "total_now": total_now,
            }
        )
    return changes
