"""What a ballot may hold: the one place these rules and their messages live.

Every path that stores ballots goes through :func:`ballot_cell_clean` — the
public ballot page and the admin's whole-ballot grid (through
``services._clean_entries``), an editor's single entry (``services.ballot_enter``)
and imports (``importexport.BallotResource``, also behind the ``pilots_import``
command). So the same bad value gets the same message everywhere, and each error
has exactly one message, which names the value given and the limits.

- A score is a finite number within the criterion's range (inclusive), with at
  most :data:`SCORE_PLACES` decimal places (the stored precision): :func:`clean_score`.
- A vote is ``yes``, ``no`` or ``abstain``: :func:`clean_vote`.
- A vote group votes on subjects with no criterion and no value; a score group
  gives a value on a criterion it scores, and no vote.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import decimals
from . import scoring
from .models import VOTE_CHOICES

#: A score has at most this many decimal places (the ``Ballot.value`` column's).
SCORE_PLACES = decimals.STORED_PLACES

VOTES = frozenset(v for v, _label in VOTE_CHOICES)


class BallotError(ValidationError):
    """A ballot that cannot be accepted; ``message_dict`` names the fields."""


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _given(value) -> str:
    """The value as the user gave it, for a message."""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return decimals.plain(Decimal(str(value)))
    return str(value).strip()


def clean_score(value, criterion) -> Decimal:
    """``value`` as a stored score for ``criterion``, or :class:`BallotError`
    keyed ``value`` naming the value and the criterion's limits."""
    limits = {
        "min": decimals.plain(criterion.minimum),
        "max": decimals.plain(criterion.maximum),
    }
    if is_blank(value):
        raise BallotError(
            {"value": _("Enter a value from %(min)s to %(max)s.") % limits}
        )
    try:
        number = scoring.to_decimal(value)
    except scoring.ScoringInputError:
        raise BallotError(
            {
                "value": _(
                    "Enter a number from %(min)s to %(max)s. You entered “%(value)s”."
                )
                % {**limits, "value": _given(value)}
            }
        ) from None
    if number < criterion.minimum or number > criterion.maximum:
        raise BallotError(
            {
                "value": _(
                    "Enter a value from %(min)s to %(max)s. You entered %(value)s."
                )
                % {**limits, "value": _given(value)}
            }
        )
    if not decimals.has_places(number, SCORE_PLACES):
        raise BallotError(
            {
                "value": _(
                    "Use at most %(places)s decimal places. You entered %(value)s."
                )
                % {"places": SCORE_PLACES, "value": _given(value)}
            }
        )
    return number


def clean_vote(value) -> str:
    """``value`` as a stored vote, or :class:`BallotError` keyed ``vote``."""
    if value in VOTES:
        return value
    if is_blank(value):
        raise BallotError({"vote": _("Choose yes, no or abstain.")})
    raise BallotError(
        {
            "vote": _("Choose yes, no or abstain. You entered “%(value)s”.")
            % {"value": _given(value)}
        }
    )


def ballot_cell_clean(*, kind, criterion, scored, value=None, vote=""):
    """One ballot cell checked by the rules above.

    ``kind`` is the evaluator group's kind, ``scored`` the pks of the criteria
    the group scores. Returns ``(value, vote)`` as they are stored (a
    ``Decimal`` and ``""``, or ``None`` and the vote); raises
    :class:`BallotError` keyed ``criterion``, ``value`` or ``vote``.
    """
    if kind == scoring.KIND_VOTES:
        if criterion is not None or not is_blank(value):
            raise BallotError(
                {"criterion": _("A vote group votes on subjects, not criteria.")}
            )
        return None, clean_vote(vote)
    if not is_blank(vote):
        raise BallotError({"vote": _("This group gives scores, not votes.")})
    if criterion is None:
        raise BallotError({"criterion": _("Choose a criterion of this scorecard.")})
    if criterion.pk not in scored:
        raise BallotError({"criterion": _("This group does not score this criterion.")})
    return clean_score(value, criterion), ""
