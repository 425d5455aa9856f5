"""Number formatting for the board templates."""

from __future__ import annotations

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


@register.filter
def mflops(flops: int | None) -> str:
    """Format FLOPs per example in MFLOPs with precision that suits the size:
    no decimals from 100 MFLOPs, one from 1, three below."""
    if flops is None:
        return MISSING
    value = flops / 1e6
    if value >= 100:
        decimals = 0
    elif value >= 1:
        decimals = 1
    else:
        decimals = 3
    return f"{value:,.{decimals}f}"


@register.filter
def mega(value: int | None, decimals: int = 1) -> str:
    """Format a count (FLOPs, parameters) in millions; an en dash for None."""
    if value is None:
        return MISSING
    return f"{value / 1e6:,.{int(decimals)}f}"
