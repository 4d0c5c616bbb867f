"""Display helpers for survey results: rounding (四舍五入) and SVG bar charts.

Only presentation happens here; every figure comes from the selectors.
"""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ...templatetags.wagtail_pilots_format import num
from ..stats import as_percent, round_half_up

register = template.Library()
register.filter("num", num)


@register.filter
def pct(fraction):
    """A fraction 0..1 shown as a percentage with 2 decimals, or an en dash."""
    if fraction is None or fraction == "":
        return "–"
    return f"{round_half_up(as_percent(fraction))}%"


@register.filter
def dec2(value):
    if value is None or value == "":
        return "–"
    return str(round_half_up(value))


@register.filter
def interval_pct(interval):
    if not interval:
        return "–"
    low, high = interval
    return f"{round_half_up(as_percent(low))}–{round_half_up(as_percent(high))}%"


@register.filter
def fewer_than(k):
    """What a public page shows for a hidden slice: "少于 5 份*".

    The same words for a slice hidden as the complement of a small one (which
    has k or more): a different label would tell which of the two is the small
    one, and the total would then give it away. The asterisk points at the note
    under the results that says so."""
    k = int(k or 0)
    text = ngettext("fewer than %(k)s response", "fewer than %(k)s responses", k)
    return text % {"k": k} + "*"


BAR_HEIGHT = 22
LABEL_WIDTH = 160
BAR_WIDTH = 300


@register.inclusion_tag("wagtail_pilots/surveys/includes/bar_chart.html")
def survey_bar_chart(items, title="", threshold=None, min_cell_size=None):
    """A horizontal bar chart as inline SVG. ``items``: objects with ``label`` and
    either ``share`` (option counts) or ``result`` (a SatisfactionResult). A
    ``suppressed`` item (public pages) gets no bar, only "fewer than k"."""
    bars = []
    for index, item in enumerate(items):
        result = getattr(item, "result", None)
        if getattr(item, "suppressed", False):
            fraction = None
            flagged = False
            muted = True
            text = fewer_than(min_cell_size)
        elif result is not None:
            fraction = result.rate
            flagged = bool(result.below_threshold)
            muted = result.insufficient_sample
            text = pct(fraction) + (
                " " + _("(insufficient sample)") if muted and result.valid else ""
            )
        else:
            fraction = getattr(item, "share", None)
            flagged = False
            muted = False
            text = f"{pct(fraction)} ({num(item.count)})"
        width = float(fraction or 0) * BAR_WIDTH
        bars.append(
            {
                "label": item.label,
                "y": index * (BAR_HEIGHT + 6),
                "text_y": index * (BAR_HEIGHT + 6) + BAR_HEIGHT * 0.7,
                "width": round(width, 1),
                "text_x": LABEL_WIDTH + round(width, 1) + 6,
                "text": text,
                "flagged": flagged,
                "muted": muted,
            }
        )
    threshold_x = None
    if threshold is not None:
        threshold_x = LABEL_WIDTH + float(Decimal(threshold) / 100) * BAR_WIDTH
    return {
        "bars": bars,
        "title": title,
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "width": LABEL_WIDTH + BAR_WIDTH + 170,
        "height": max(len(bars) * (BAR_HEIGHT + 6), BAR_HEIGHT),
        "threshold_x": threshold_x,
        "threshold": threshold,
    }
