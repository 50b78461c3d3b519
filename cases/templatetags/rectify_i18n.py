"""Template filters that show stored reference values in the page's language."""

from django import template

from cases.clock.holidays import holiday_label

register = template.Library()


@register.filter
def holiday(name: str) -> str:
    """An official day's name in the page's language (``cases.clock.holidays``)."""
    return holiday_label(name)
