"""Parsers for numbers that submitters type: MFLOPs lists and paper points.

Typed costs are given in MFLOPs and MParams, as on the published tables,
and stored as integer FLOPs per example and integer parameter counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MILLION = 1_000_000


@dataclass(frozen=True)
class PaperPoint:
    """One typed (performance, FLOPs per example, parameters) point."""

    performance: float
    flops: int
    params: int


def parse_positive(text: str, what: str) -> float:
    """Parse a finite number greater than 0, or raise ValidationError naming `what`."""
    try:
        number = float(text.strip().replace(",", ""))
    except ValueError:
        raise ValidationError(
            _("%(what)s must be a number, got %(value)r."),
            code="invalid_number", params={"what": what, "value": text},
        ) from None
    if not math.isfinite(number) or number <= 0:
        raise ValidationError(
            _("%(what)s must be greater than 0, got %(value)r."),
            code="invalid_number", params={"what": what, "value": text},
        )
    return number


def parse_performance(text: str) -> float:
    """Parse a performance on the x100 scale (-100..100, negative for a correlation)."""
    try:
        number = float(text.strip())
    except ValueError:
        raise ValidationError(
            _("Performance must be a number on the x100 scale, got %(value)r."),
            code="invalid_number", params={"value": text},
        ) from None
    if not math.isfinite(number) or not -100 <= number <= 100:
        raise ValidationError(
            _("Performance must be between -100 and 100 (x100 scale), got %(value)r."),
            code="invalid_number", params={"value": text},
        )
    return number


def mflops_to_flops(text: str) -> int:
    return round(parse_positive(text, "MFLOPs") * MILLION)


def mparams_to_params(text: str) -> int:
    return round(parse_positive(text, "MParams") * MILLION)


def parse_mflops_list(text: str) -> list[int]:
    """Parse MFLOPs values separated by spaces, semicolons or new lines."""
    items = text.replace(";", " ").split()
    return [mflops_to_flops(item) for item in items]


def parse_paper_points(text: str) -> list[PaperPoint]:
    """Parse one point per line: "performance, MFLOPs, MParams" (e.g. "88.6, 4238, 109.5")."""
    points = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [field.strip() for field in line.replace("\t", ",").split(",") if field.strip()]
        if len(fields) != 3:
            raise ValidationError(
                _("Line %(line)s: expected three values \"performance, MFLOPs, MParams\", got %(value)r."),
                code="invalid_point", params={"line": number, "value": line},
            )
        points.append(PaperPoint(
            performance=parse_performance(fields[0]),
            flops=mflops_to_flops(fields[1]),
            params=mparams_to_params(fields[2]),
        ))
    if not points:
        raise ValidationError(_("Give at least one point."), code="no_points")
    return points
