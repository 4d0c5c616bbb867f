"""django-import-export widgets that accept what Chinese offices type in Excel.

The one home of the cell rules every import kind shares: text and codes,
choices by value, label (Chinese or English) or alias, yes/no, dates
(:func:`parse_date_cell`, the formats listed in docs/importexport.md) and
numbers.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import widgets

from .registry import normalise_header


def cell_text(value) -> str:
    """A cell as text: surrounding spaces removed, ``None`` empty, and a whole
    number Excel stored as a float (``3.0``) written as ``3``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return force_str(value).strip()


def render_number(value):
    """A stored number for an export cell: ``90`` rather than ``90.0000``,
    ``8.5`` rather than ``8.5000``; a number, so spreadsheets can sum it."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    number = Decimal(value).normalize()
    return int(number) if number == number.to_integral_value() else number


class TextWidget(widgets.CharWidget):
    """Text with surrounding spaces removed; numbers from Excel become text."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value)


class CodeWidget(TextWidget):
    """A unit-style code, compared upper-case."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs).upper()


class ChoiceWidget(widgets.Widget):
    """A choice given by its value or its label in Chinese or English.

    ``choices`` is a list of ``(value, lazy label)`` pairs or a callable
    returning one. Unknown text is refused with the accepted values.
    """

    languages = ("zh-hans", "en")

    def __init__(self, choices, *, blank_value=None, aliases=None, **kwargs):
        self._choices = choices
        self.blank_value = blank_value
        self.aliases = aliases or {}
        super().__init__(**kwargs)

    def get_choices(self):
        return self._choices() if callable(self._choices) else self._choices

    def lookup(self):
        lookup = {normalise_header(k): v for k, v in self.aliases.items()}
        for value, label in self.get_choices():
            lookup[normalise_header(value)] = value
            for language in self.languages:
                with translation.override(language):
                    lookup.setdefault(normalise_header(force_str(label)), value)
        return lookup

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else force_str(value).strip()
        if not text:
            if self.blank_value is None:
                raise ValueError(_("This value is required."))
            return self.blank_value
        found = self.lookup().get(normalise_header(text))
        if found is None:
            accepted = ", ".join(force_str(label) for _v, label in self.get_choices())
            raise ValueError(
                _("“%(value)s” is not one of: %(accepted)s.")
                % {"value": text, "accepted": accepted}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        labels = dict(self.get_choices())
        return force_str(labels.get(value, value or ""))


class YesNoWidget(widgets.Widget):
    """Yes/no as 是/否, 启用/停用, yes/no, true/false, 1/0, ✓; blank is ``default``."""

    TRUE = {"1", "是", "启用", "有效", "yes", "y", "true", "t", "✓", "√"}
    FALSE = {"0", "否", "停用", "无效", "no", "n", "false", "f", "✗", "×"}

    def __init__(self, *, default=True, **kwargs):
        self.default = default
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        text = normalise_header(value)
        if not text:
            return self.default
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(
            _("“%(value)s” is not yes or no (use 是 or 否).") % {"value": value}
        )

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "是" if value else "否"


# The accepted dates (docs/importexport.md, "Dates"): year first, then month and
# day separated by - / . or 年 月 (日 optional), with or without spaces; or eight
# digits. A time after the date (a survey platform's "2025/6/30 10:21:33") is
# ignored. Excel dates arrive as date or datetime objects.
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DIGITS_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date_cell(value) -> datetime.date | None:
    """A date cell as a date, or None when blank: the one date parser of every
    import (pilots, phases, readings, survey responses).

    Raises ``ValueError`` with a message for the editor when the text is not one
    of the accepted forms or not a real day (2026-02-30).
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = _DATE.match(text) or _DIGITS_DATE.match(text)
    if match is not None:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValueError(
        _("“%(value)s” is not a date (write it as 2026-06-05).") % {"value": text}
    )


class DateWidget(widgets.Widget):
    """A date as Chinese offices write it (:func:`parse_date_cell`); blank is
    None unless required."""

    def __init__(self, *, required=False, **kwargs):
        self.required = required
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        day = parse_date_cell(value)
        if day is None and self.required:
            raise ValueError(_("Enter a date."))
        return day

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class NumberWidget(widgets.Widget):
    """A finite number (NaN and infinities refused); blank is ``default``."""

    def __init__(self, *, default=None, integer=False, **kwargs):
        self.default = default
        self.integer = integer
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        text = "" if value is None else force_str(value).strip().rstrip("%")
        if not text:
            if self.default is None:
                raise ValueError(_("Enter a number."))
            return self.default
        try:
            number = Decimal(repr(value) if isinstance(value, float) else text)
        except InvalidOperation:
            raise ValueError(
                _("“%(value)s” is not a number.") % {"value": text}
            ) from None
        if not number.is_finite():
            raise ValueError(_("Enter a finite number."))
        if self.integer:
            if number != number.to_integral_value():
                raise ValueError(_("Enter a whole number."))
            return int(number)
        return number

    def render(self, value, obj=None, **kwargs):
        return render_number(value)


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """A related object given by its code; an unknown code is a row error."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else force_str(value).strip().upper()
        if not text:
            return None
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: text})
        except self.model.DoesNotExist:
            raise ValueError(
                _("There is no %(model)s with code “%(code)s”.")
                % {"model": self.model._meta.verbose_name, "code": text}
            ) from None


class CodeListWidget(widgets.Widget):
    """Several related objects in one cell, given by their codes separated by
    ``;`` ``；`` ``、`` or ``,`` (in the order written); blank is an empty list.

    Every unknown code of the cell is named at once; a code written twice is
    refused. ``render`` writes the codes separated by ``;``.
    """

    SEPARATORS = r"[;；、,，]"

    def __init__(self, model, field="code", **kwargs):
        self.model = model
        self.field = field
        super().__init__(**kwargs)

    def split(self, value):
        text = "" if value is None else force_str(value)
        return [c.strip().upper() for c in re.split(self.SEPARATORS, text) if c.strip()]

    def clean(self, value, row=None, **kwargs):
        codes = self.split(value)
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(
                _("Code(s) written twice: %(codes)s.") % {"codes": "、".join(twice)}
            )
        found = {
            getattr(obj, self.field): obj
            for obj in self.model._default_manager.filter(
                **{f"{self.field}__in": codes}
            )
        }
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise ValueError(
                _("There is no %(model)s with code(s) %(codes)s.")
                % {
                    "model": self.model._meta.verbose_name,
                    "codes": "、".join(f"“{c}”" for c in unknown),
                }
            )
        return [found[c] for c in codes]

    def render(self, value, obj=None, **kwargs):
        return "; ".join(getattr(item, self.field) for item in value or ())
