"""Decimals: the one home of the suite's Decimal context, rounding rule and
precisions (docs/design.md, "The arithmetic").

Pure Python, no Django: the pure rule modules (``pilots/progress.py``,
``surveys/stats.py``, ``scorecards/scoring.py``) and the standalone verifier
import it.

- Every figure is a :class:`decimal.Decimal` computed at full precision:
  scorecard figures in :data:`CONTEXT` (34 significant digits, the IEEE
  decimal128 precision), survey rates in :data:`RATE_CONTEXT` (28).
- Nothing is rounded on the way; a figure is rounded half up (四舍五入) only to be
  shown or exported, to :data:`DISPLAY_PLACES` decimals (:func:`display`), and
  comparisons a reader can check (gates, thresholds, ties) use the figure as
  shown.
- Ballot values are stored with :data:`STORED_PLACES` decimals.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeAlias, overload

#: What the helpers accept as a number: counts from SQL come as int or Decimal.
Number: TypeAlias = Decimal | int | float | str

#: The context every computation runs in. Division results are correctly
#: rounded to 34 significant digits; the display rounding is separate.
CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN)
#: Survey rates, indexes and intervals keep Python's default 28 digits, so that
#: every published rate is what it was before this module (and what the
#: hand-computed tests pin).
RATE_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
#: Published figures are shown and exported with this many decimals.
DISPLAY_PLACES = 2
#: Ballot values (and their SQL sums) are stored with this many decimals.
STORED_PLACES = 4
#: The rounding rule for everything shown: half up (四舍五入).
ROUNDING = ROUND_HALF_UP


def to_decimal(value: Number) -> Decimal:
    """``value`` as a Decimal; a float goes through its shortest repr, so that
    0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def quantum(places: int) -> Decimal:
    """``Decimal("0.01")`` for 2 places."""
    return Decimal(1).scaleb(-places)


@overload
def display(value: None, places: int = DISPLAY_PLACES) -> None: ...
@overload
def display(value: Number, places: int = DISPLAY_PLACES) -> Decimal: ...
def display(value: Number | None, places: int = DISPLAY_PLACES) -> Decimal | None:
    """Round half up (四舍五入) to ``places`` decimals, for display or export
    only; ``None`` stays ``None``."""
    if value is None:
        return None
    return to_decimal(value).quantize(quantum(places), rounding=ROUNDING)


def has_places(value: Decimal, places: int) -> bool:
    """True when ``value`` has at most ``places`` decimals."""
    return value == value.quantize(quantum(places))


def plain(value: Number) -> str:
    """``100`` rather than ``1E+2``, ``0.5`` rather than ``0.50``."""
    return f"{to_decimal(value).normalize():f}"
