"""Turn computed outputs (live or from a snapshot) into rows for templates/exports.

Works on the JSON data of :func:`.services.outputs_data` and
:func:`.services.configuration_data`, so the admin's live results, the public
page of a published snapshot and the exports show the same thing the same way.
Only display rounding (half up, 2 places) happens here; no score is computed.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from . import scoring

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


def warning_text(warning, criteria, groups):
    group = groups.get(warning.get("group"), {}).get("name", "")
    criterion = criteria.get(warning.get("criterion"), {}).get("name", "")
    code = warning["code"]
    if code == scoring.W_MISSING_GROUP:
        return _("no ballots from %(group)s on %(criterion)s") % {
            "group": group,
            "criterion": criterion,
        }
    if code == scoring.W_MISSING_CRITERION:
        return _("no value for %(criterion)s") % {"criterion": criterion}
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


def ranking_rows(configuration, outputs):
    """One dict per subject, ranked first, with its breakdown and reasons."""
    criteria, groups = _names(configuration)
    colours = {
        g["key"]: PALETTE[i % len(PALETTE)]
        for i, g in enumerate(configuration["groups"])
    }
    survey_colour = "#999999"
    subject_names = {s["key"]: s["name"] for s in configuration.get("subjects", [])}
    rows = []
    for s in outputs["subjects"]:
        breakdown = []
        for c in s["criteria"]:
            crit = criteria.get(c["key"], {})
            breakdown.append(
                {
                    "criterion": crit.get("name", ""),
                    "weight": fmt(crit.get("weight")),
                    "value": fmt(c["value"]),
                    "n": c["n"],
                    "source": crit.get("source"),
                    "cells": [
                        {
                            "group": groups.get(cell["group"], {}).get("name", ""),
                            "n": cell["n"],
                            "value": fmt(cell["value"]),
                            "weight_used": fmt(cell["weight_used"]),
                            "votes": cell["votes"],
                        }
                        for cell in c["cells"]
                    ],
                }
            )
        segments = []
        x = Decimal(0)
        for key, value in s["contributions"]:
            if isinstance(key, list):
                label = criteria.get(key[1], {}).get("name", "")
                colour = survey_colour
            else:
                label = groups.get(key, {}).get("name", "")
                colour = colours.get(key, survey_colour)
            width = Decimal(value)
            segments.append(
                {
                    "label": label,
                    "points": fmt(value),
                    "x": f"{x:.3f}",
                    "width": f"{width:.3f}",
                    "colour": colour,
                }
            )
            x += width
        rows.append(
            {
                "key": s["key"],
                "name": s["name"],
                "total": fmt(s["total"]),
                "rank": s["rank"],
                "tied": s["tied"],
                "tied_with": [subject_names.get(k, str(k)) for k in s["tied_with"]],
                "shortlisted": s["shortlisted"],
                "bottom": s["bottom"],
                "excluded": s["excluded"],
                "reasons": [
                    exclusion_text(e, criteria, groups) for e in s["exclusions"]
                ],
                "warnings": [
                    warning_text(w, criteria, groups)
                    for w in s["warnings"]
                    if w["code"] != scoring.W_NO_DATA
                ],
                "breakdown": breakdown,
                "segments": segments,
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
                }
            )
    return items


LABEL_WIDTH = 160
BAR_SCALE = 5  # pixels per point: 100 points = 500 px
ROW_HEIGHT = 22


def chart(configuration, outputs, rows):
    """Bars for an SVG chart of each group's contribution to each ranked total."""
    keys = [item["key"] for item in legend(configuration)]
    points = {
        s["key"]: {
            tuple(k) if isinstance(k, list) else k: v for k, v in s["contributions"]
        }
        for s in outputs["subjects"]
    }
    bars = []
    for index, row in enumerate(r for r in rows if r["total"]):
        y = 6 + index * ROW_HEIGHT
        by_key = points.get(row["key"], {})
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
                    fmt(by_key.get(tuple(k) if isinstance(k, list) else k))
                    for k in keys
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


def export_rows(configuration, outputs):
    """Header and rows for CSV/XLSX: one row per subject × criterion × group."""
    header = [
        _("rank"),
        _("subject"),
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
        _("warnings"),
    ]
    rows = []
    for row in ranking_rows(configuration, outputs):
        base = [
            row["rank"],
            row["name"],
            _dec(row["total"] or None),
            _("yes") if row["shortlisted"] else "",
            _("yes") if row["bottom"] else "",
            _("yes") if row["tied"] else "",
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
                        warnings,
                    ]
                )
    return header, rows


def snapshot_context(snapshot):
    """Template context for a published snapshot (public page, block, admin)."""
    if snapshot is None:
        return {"snapshot": None}
    rows = ranking_rows(snapshot.configuration, snapshot.outputs)
    return {
        "snapshot": snapshot,
        "rows": rows,
        "tie_break": tie_break_text(snapshot.configuration["tie_break"]),
        **chart(snapshot.configuration, snapshot.outputs, rows),
    }
