"""Formatting shared by the suite's public pages."""

from django import template

register = template.Library()


@register.filter
def num(value):
    """A count with thousands separators (37,824), the same in every language."""
    if value is None or value == "":
        return "–"
    return f"{int(value):,}"
