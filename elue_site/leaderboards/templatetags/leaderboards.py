"""Number formatting for the board templates."""

from __future__ import annotations

import math

from django import template

from elue_site.benchmark.models import Source

register = template.Library()

MISSING = "\u2013"  # en dash, shown where a number does not exist


@register.filter
def signed(value: float | None, decimals: int = 2) -> str:
    """Format a score with its sign (+0.12, -1.58); an en dash for None."""
    if value is None:
        return MISSING
    return f"{value:+.{int(decimals)}f}"


@register.filter
def source_label(value: str) -> str:
    """Return the translated label of a Source value ("measured", ...)."""
    try:
        return str(Source(value).label)
    except ValueError:
        return value


SIGNIFICANT_DIGITS = 3


def _small_decimals(value: float, decimals: int) -> int:
    """Return enough decimals to show a value below 1 with SIGNIFICANT_DIGITS digits."""
    if value == 0 or abs(value) >= 1:
        return decimals
    return max(decimals, SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value))))


@register.filter
def mflops(flops: int | None) -> str:
    """Format FLOPs per example in MFLOPs with precision that suits the size:
    no decimals from 100 MFLOPs, one from 1, three significant digits below."""
    if flops is None:
        return MISSING
    value = flops / 1e6
    if value >= 100:
        decimals = 0
    elif value >= 1:
        decimals = 1
    else:
        decimals = _small_decimals(value, 3)
    return f"{value:,.{decimals}f}"


@register.filter
def mega(value: int | None, decimals: int = 1) -> str:
    """Format a count (FLOPs, parameters) in millions; an en dash for None.

    A count below one million keeps three significant digits (0.0123).
    """
    if value is None:
        return MISSING
    millions = value / 1e6
    return f"{millions:,.{_small_decimals(millions, int(decimals))}f}"
